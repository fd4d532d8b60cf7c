"""Users and their roles, as the API shows them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import strawberry

from models import account as rows
from models.deal import DealStatus
from resolvers.deals import lists
from resolvers.deals.filters import DealFilter
from schema.connections import Connection
from schema.context import Info
from schema.errors import UserError
from schema.ids import global_id, pk_of
from schema.node import Node, fetches
from schema.scalars import Role

if TYPE_CHECKING:
    from schema.deals.types import Deal


@strawberry.type
class User(Node):
    email: str
    name: str
    role: Role
    active: bool

    @strawberry.field(description="The open deals this user owns that you may see.")
    async def deals(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[Annotated[Deal, strawberry.lazy("schema.deals.types")]]:
        from schema.deals.types import Deal  # the two modules refer to each other

        actor = await info.context.actor()
        owner_id = pk_of(self.id, "User")
        page = await lists.list_deals(
            actor,
            DealFilter(owner_ids=[owner_id or 0]),
            statuses=[DealStatus.OPEN],
            first=first,
            after=after,
        )
        return Connection.of(page, Deal.from_row)

    @classmethod
    def from_row(cls, row: rows.User) -> User:
        # Its fields set as the dataclass's __init__ sets them, in one step (a board
        # makes one for every card's owner).
        user = cls.__new__(cls)
        user.__dict__.update(
            id=strawberry.ID(global_id("User", row.id)),
            email=row.email,
            name=row.name,
            role=row.role,
            active=row.active,
        )
        return user


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
