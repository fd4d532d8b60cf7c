"""Marking notifications read."""

from __future__ import annotations

import strawberry
from strawberry import UNSET

from resolvers.events import notifications
from schema.context import Info
from schema.errors import payload_of
from schema.events.inputs import MarkReadInput
from schema.events.types import MarkReadPayload
from schema.ids import decode_id


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
