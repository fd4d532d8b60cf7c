"""Who you are and who your colleagues are."""

from __future__ import annotations

import strawberry

from resolvers.accounts import users
from schema.accounts.types import User
from schema.context import Info


@strawberry.type
class AccountQuery:
    @strawberry.field(description="The user the bearer token belongs to.")
    async def me(self, info: Info) -> User | None:
        return User.from_row(await info.context.actor())

    @strawberry.field(description="Every user of your workspace, active or not.")
    async def users(self, info: Info) -> list[User]:
        actor = await info.context.actor()
        return [User.from_row(row) for row in await users.workspace_users(actor)]
