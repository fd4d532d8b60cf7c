"""Wall screens' display tokens as the API shows them (administrators only)."""

from __future__ import annotations

from datetime import datetime

import strawberry

from models import account as rows
from resolvers.accounts import display_tokens
from schema.accounts.types import User, load_user
from schema.context import Info
from schema.errors import UserError, payload_of
from schema.ids import decode_id, global_id
from schema.inputs import IdInput
from schema.processes.types import Process


@strawberry.type(description="A wall screen's read-only token for one board.")
class DisplayToken:
    row: strawberry.Private[rows.DisplayToken]
    id: strawberry.ID
    label: str | None
    created_at: datetime
    revoked_at: datetime | None
    expires_at: datetime | None

    @classmethod
    def from_row(cls, row: rows.DisplayToken) -> DisplayToken:
        return cls(
            row=row,
            id=strawberry.ID(global_id("DisplayToken", row.id)),
            label=row.label,
            created_at=row.created_at,
            revoked_at=row.revoked_at,
            expires_at=row.expires_at,
        )

    @strawberry.field(description="The board it shows.")
    async def process(self, info: Info) -> Process:
        loaders = await info.context.loaders()
        tree = await loaders.process_trees.load(self.row.process_id)
        assert tree is not None, "a token's process is deleted with it"
        return Process.from_tree(tree)

    @strawberry.field
    async def created_by(self, info: Info) -> User | None:
        return await load_user(info, self.row.created_by_id) if self.row.created_by_id else None


@strawberry.input
class DisplayTokenInput:
    process_id: strawberry.ID
    label: str | None = None
    expires_at: datetime | None = None


@strawberry.type
class DisplayTokenPayload:
    token: str | None = strawberry.field(
        default=None, description="Shown once, when the token is made; keep it on the screen."
    )
    display_token: DisplayToken | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class DisplayTokenQuery:
    @strawberry.field(description="The workspace's display tokens, newest first (admins).")
    async def display_tokens(self, info: Info) -> list[DisplayToken]:
        actor = await info.context.actor()
        return [DisplayToken.from_row(r) for r in await display_tokens.list_display_tokens(actor)]


@strawberry.type
class DisplayTokenMutation:
    @strawberry.mutation(
        description="A read-only token for one board, for a wall screen (admins): it reads "
        "that board as a manager sees it and subscribes to it, and nothing else. Open "
        "`/board?display=1` with it."
    )
    async def create_display_token(
        self, info: Info, input: DisplayTokenInput
    ) -> DisplayTokenPayload:
        actor = await info.context.actor()

        async def act() -> DisplayTokenPayload:
            process_id = decode_id(input.process_id, "Process", ("input", "processId"))
            token, row = await display_tokens.create_display_token(
                actor, process_id, input.label, input.expires_at
            )
            return DisplayTokenPayload(token=token, display_token=DisplayToken.from_row(row))

        return await payload_of(act, lambda errors: DisplayTokenPayload(errors=errors))

    @strawberry.mutation(description="At once: requests with it are refused, sockets close.")
    async def revoke_display_token(self, info: Info, input: IdInput) -> DisplayTokenPayload:
        actor = await info.context.actor()

        async def act() -> DisplayTokenPayload:
            token_id = decode_id(input.id, "DisplayToken", ("input", "id"))
            row = await display_tokens.revoke_display_token(actor, token_id)
            return DisplayTokenPayload(display_token=DisplayToken.from_row(row))

        return await payload_of(act, lambda errors: DisplayTokenPayload(errors=errors))
