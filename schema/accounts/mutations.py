"""Logging in and out; administrators' changes to users."""

from __future__ import annotations

import strawberry

from resolvers.accounts import auth, users
from resolvers.errors import Refused
from resolvers.rate_limits import Limit, address_key
from schema.accounts.inputs import CreateUserInput, LoginInput, UpdateUserInput
from schema.accounts.types import LoginPayload, LogoutPayload, User, UserPayload
from schema.context import Info
from schema.errors import payload_of
from schema.ids import decode_id
from schema.inputs import given


@strawberry.type
class AccountMutation:
    @strawberry.mutation(description="Exchange an email and password for a bearer token.")
    async def login(self, info: Info, input: LoginInput) -> LoginPayload:
        async def act() -> LoginPayload:
            address = info.context.client_address
            await info.context.within_limit(
                Limit.LOGINS_PER_ADDRESS, address_key(address), "Too many login attempts."
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
                name=given(input.name),
                role=given(input.role),
                active=given(input.active),
                password=given(input.password),
            )
            row = await users.update_user(actor, user_id, changes)
            return UserPayload(user=User.from_row(row))

        return await payload_of(act, lambda errors: UserPayload(errors=errors))
