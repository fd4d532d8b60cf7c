"""Notifications as the API shows them."""

from __future__ import annotations

from datetime import datetime

import strawberry

from models import event as rows
from resolvers.events import notifications
from resolvers.pagination import IdCursor
from schema.accounts.types import User, load_user
from schema.context import Info
from schema.deals.types import AccessRequest, Deal, load_access_request, load_deal
from schema.errors import UserError
from schema.ids import global_id
from schema.node import Node, fetches
from schema.processes.types import Step


@strawberry.type(description="Something you were told: a step done, a task given, access asked.")
class Notification(Node):
    row: strawberry.Private[rows.Notification]
    cursor: str = strawberry.field(description="Resume `notifications(after:)` from here.")
    kind: str = strawberry.field(
        description="What it tells, one of: " + ", ".join(rows.NotificationKind) + "."
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


@fetches("Notification")
async def _notification_node(info: Info, pk: int) -> Notification | None:
    """One of your own notifications."""
    row = await notifications.own_notification(await info.context.actor(), pk)
    return Notification.from_row(row) if row else None


@strawberry.type
class MarkReadPayload:
    unread_count: int = 0
    errors: list[UserError] = strawberry.field(default_factory=list)
