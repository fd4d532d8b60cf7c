"""Users, logging in and out, and the administrators' user management."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry import UNSET

from models import account as rows
from models.deal import DealStatus
from resolvers.accounts import auth, users
from resolvers.deals import lists
from resolvers.deals.filters import DealFilter
from resolvers.errors import Refused
from resolvers.rate_limits import Limit
from schema.connections import Connection
from schema.context import Info
from schema.errors import UserError, payload_of, read_or_raise
from schema.ids import decode_id, global_id, pk_of
from schema.node import Node, fetches

if TYPE_CHECKING:
    from schema.deal import Deal

Role = strawberry.enum(rows.Role, description="ADMIN configures, MANAGER sees every deal.")


@strawberry.type
class User(Node):
    email: str
    name: str
    role: Role  # type: ignore[valid-type]
    active: bool

    @strawberry.field(description="The open deals this user owns that you may see.")
    async def deals(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[Annotated[Deal, strawberry.lazy("schema.deal")]]:
        from schema.deal import Deal  # the two modules refer to each other

        actor = await info.context.actor()
        owner_id = pk_of(self.id, "User")
        page = await read_or_raise(
            lambda: lists.list_deals(
                actor,
                DealFilter(owner_ids=[owner_id or 0]),
                statuses=[DealStatus.OPEN],
                first=first,
                after=after,
            )
        )
        return Connection.of(page, Deal.from_row)

    @classmethod
    def from_row(cls, row: rows.User) -> User:
        return cls(
            id=strawberry.ID(global_id("User", row.id)),
            email=row.email,
            name=row.name,
            role=row.role,
            active=row.active,
        )


@fetches("User")
async def _user_node(info: Info, pk: int) -> User | None:
    loaders = await info.context.loaders()
    row = await loaders.users.load(pk)
    return User.from_row(row) if row else None


async def load_user(info: Info, user_id: int) -> User:
    """A user of the viewer's workspace that a row points at (owner, assignee, ...)."""
    loaders = await info.context.loaders()
    row = await loaders.users.load(user_id)
    if row is None:
        raise LookupError(f"user {user_id} is not in the viewer's workspace")
    return User.from_row(row)


@strawberry.input
class LoginInput:
    email: str
    password: str


@strawberry.input
class CreateUserInput:
    email: str
    name: str
    role: Role  # type: ignore[valid-type]
    password: str


@strawberry.input(description="Fields left out keep their current value.")
class UpdateUserInput:
    id: strawberry.ID
    name: str | None = UNSET
    role: Role | None = UNSET  # type: ignore[valid-type]
    active: bool | None = UNSET
    password: str | None = UNSET


@strawberry.type
class LoginPayload:
    token: str | None = None
    user: User | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class LogoutPayload:
    ok: bool = False
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class UserPayload:
    user: User | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


def _given(value: object) -> object:
    return None if value is UNSET else value


@strawberry.type
class AccountQuery:
    @strawberry.field(description="The user the bearer token belongs to.")
    async def me(self, info: Info) -> User | None:
        return User.from_row(await info.context.actor())

    @strawberry.field(description="Every user of your workspace, active or not.")
    async def users(self, info: Info) -> list[User]:
        actor = await info.context.actor()
        return [User.from_row(row) for row in await users.workspace_users(actor)]


@strawberry.type
class AccountMutation:
    @strawberry.mutation(description="Exchange an email and password for a bearer token.")
    async def login(self, info: Info, input: LoginInput) -> LoginPayload:
        async def act() -> LoginPayload:
            address = info.context.client_address
            await info.context.within_limit(
                Limit.LOGINS_PER_ADDRESS, address, "Too many login attempts."
            )
            try:
                token, user = await auth.login(
                    input.email, input.password, address, info.context.login_policy
                )
            except Refused as refusal:
                info.context.tell_retry_after(refusal)
                raise
            return LoginPayload(token=token, user=User.from_row(user))

        return await payload_of(act, lambda errors: LoginPayload(errors=errors))

    @strawberry.mutation(description="Revoke the bearer token this request carries.")
    async def logout(self, info: Info) -> LogoutPayload:
        await info.context.actor()
        assert info.context.token is not None
        return LogoutPayload(ok=await auth.logout(info.context.token))

    @strawberry.mutation(description="Administrators only.")
    async def create_user(self, info: Info, input: CreateUserInput) -> UserPayload:
        actor = await info.context.actor()

        async def act() -> UserPayload:
            new = users.NewUser(input.email, input.name, input.role, input.password)
            return UserPayload(user=User.from_row(await users.create_user(actor, new)))

        return await payload_of(act, lambda errors: UserPayload(errors=errors))

    @strawberry.mutation(
        description="Administrators only. Deactivating a user ends their sessions at once."
    )
    async def update_user(self, info: Info, input: UpdateUserInput) -> UserPayload:
        actor = await info.context.actor()

        async def act() -> UserPayload:
            user_id = decode_id(input.id, "User", ("input", "id"))
            changes = users.UserChanges(
                name=_given(input.name),  # type: ignore[arg-type]
                role=_given(input.role),  # type: ignore[arg-type]
                active=_given(input.active),  # type: ignore[arg-type]
                password=_given(input.password),  # type: ignore[arg-type]
            )
            row = await users.update_user(actor, user_id, changes)
            return UserPayload(user=User.from_row(row))

        return await payload_of(act, lambda errors: UserPayload(errors=errors))
