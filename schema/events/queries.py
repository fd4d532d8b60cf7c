"""Your notifications."""

from __future__ import annotations

import strawberry

from resolvers.events import notifications
from schema.connections import Connection
from schema.context import Info
from schema.events.types import Notification


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
        page = await notifications.list_notifications(actor, bool(unread_only), first, after)
        return Connection.of(page, Notification.from_row)

    @strawberry.field(description="How many of your notifications are unread.")
    async def unread_notification_count(self, info: Info) -> int:
        return await notifications.unread_count(await info.context.actor())
