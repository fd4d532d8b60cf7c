"""Marking notifications read."""

from __future__ import annotations

import strawberry

from resolvers.events import notifications
from schema.context import Info
from schema.errors import payload_of
from schema.events.inputs import MarkReadInput
from schema.events.types import MarkReadPayload
from schema.inputs import given, ids


@strawberry.type
class NotificationMutation:
    @strawberry.mutation(description="Ids that are not yours are ignored like unknown ones.")
    async def mark_notifications_read(self, info: Info, input: MarkReadInput) -> MarkReadPayload:
        actor = await info.context.actor()

        async def act() -> MarkReadPayload:
            read = ids(input.ids, "Notification", ["input", "ids"])
            count = await notifications.mark_read(actor, read, bool(given(input.all)))
            return MarkReadPayload(unread_count=count)

        return await payload_of(act, lambda errors: MarkReadPayload(errors=errors))
