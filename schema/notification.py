"""Notifications: the reader's own, as a list, an unread count, and marked read."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry import UNSET

from models import event as rows
from resolvers.events import notifications
from resolvers.pagination import IdCursor
from schema.account import User, load_user
from schema.connections import Connection
from schema.context import Info
from schema.deal import Deal, load_deal
from schema.errors import UserError, payload_of, read_or_raise
from schema.ids import decode_id, global_id
from schema.node import Node, fetches
from schema.process import Step
from schema.task import AccessRequest, load_access_request


@strawberry.type(description="Something you were told: a step done, a task given, access asked.")
class Notification(Node):
    row: strawberry.Private[rows.Notification]
    cursor: str = strawberry.field(description="Resume `notifications(after:)` from here.")
    kind: str = strawberry.field(
        description="STEP_COMPLETED, TASK_ASSIGNED, ACCESS_REQUESTED or ACCESS_ANSWERED."
    )
    message: str
    created_at: datetime
    read_at: datetime | None

    @classmethod
    def from_row(cls, row: rows.Notification) -> Notification:
        return cls(
            id=strawberry.ID(global_id("Notification", row.id)),
            row=row,
            cursor=IdCursor.NOTIFICATION.of(row.id),
            kind=row.kind,
            message=row.message,
            created_at=row.created_at,
            read_at=row.read_at,
        )

    @strawberry.field(description="Null when there is none or you may no longer see it.")
    async def deal(self, info: Info) -> Deal | None:
        return await load_deal(info, self.row.deal_id)

    @strawberry.field
    async def step(self, info: Info) -> Step | None:
        if self.row.step_id is None:
            return None
        loaders = await info.context.loaders()
        node = await loaders.steps.load(self.row.step_id)
        return Step.from_node(node) if node else None

    @strawberry.field
    async def actor(self, info: Info) -> User | None:
        return await load_user(info, self.row.actor_id) if self.row.actor_id else None

    @strawberry.field(
        description="The request an ACCESS_REQUESTED notification is about, to answer with "
        "`answerAccessRequest`; null for other kinds, or once you may no longer answer it."
    )
    async def access_request(self, info: Info) -> AccessRequest | None:
        return await load_access_request(info, self.row.access_request_id)


@strawberry.input
class MarkReadInput:
    ids: list[strawberry.ID] | None = UNSET
    all: bool | None = strawberry.field(default=UNSET, description="Mark every one read.")


@strawberry.type
class MarkReadPayload:
    unread_count: int = 0
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class NotificationQuery:
    @strawberry.field(description="Your notifications, newest first.")
    async def notifications(
        self,
        info: Info,
        unread_only: bool | None = False,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[Notification]:
        actor = await info.context.actor()
        page = await read_or_raise(
            lambda: notifications.list_notifications(actor, bool(unread_only), first, after)
        )
        return Connection.of(page, Notification.from_row)

    @strawberry.field(description="How many of your notifications are unread.")
    async def unread_notification_count(self, info: Info) -> int:
        return await notifications.unread_count(await info.context.actor())


@strawberry.type
class NotificationMutation:
    @strawberry.mutation(description="Ids that are not yours are ignored like unknown ones.")
    async def mark_notifications_read(self, info: Info, input: MarkReadInput) -> MarkReadPayload:
        actor = await info.context.actor()

        async def act() -> MarkReadPayload:
            ids = None
            if input.ids is not UNSET and input.ids is not None:
                ids = [
                    decode_id(raw, "Notification", ("input", "ids", str(i)))
                    for i, raw in enumerate(input.ids)
                ]
            count = await notifications.mark_read(actor, ids, bool(input.all))
            return MarkReadPayload(unread_count=count)

        return await payload_of(act, lambda errors: MarkReadPayload(errors=errors))


@fetches("Notification")
async def _notification_node(info: Info, pk: int) -> Notification | None:
    """One of your own notifications."""
    row = await notifications.own_notification(await info.context.actor(), pk)
    return Notification.from_row(row) if row else None
