"""Time turns deals rotten with no write by anyone: this writes the moment a deal
rots into the event log as a DEAL_UPDATED with no actor, so that boards hear of it.

Like the task clock (`resolvers.tasks.clock`), every server process runs it, and the
event's key (deal, moment) lets only the first writer through.
"""

from __future__ import annotations

from datetime import datetime

from tortoise.exceptions import IntegrityError

from models.deal import Deal, DealStatus
from models.event import EventKind
from resolvers.deals.state import lock_deal_for_system, record
from resolvers.events.history import change
from resolvers.transactions import in_transaction


async def record_rotten_deals(since: datetime, now: datetime) -> set[int]:
    """Write the deals that turned rotten in (since, now]; the workspaces whose logs got
    events."""
    written: set[int] = set()
    turned = await Deal.filter(
        status=DealStatus.OPEN, deleted_at=None, rots_at__gt=since, rots_at__lte=now
    ).only("id", "workspace_id", "rots_at")
    for deal in turned:
        assert deal.rots_at is not None
        key = f"rotten:{deal.id}:{deal.rots_at.timestamp():.0f}"
        try:
            async with in_transaction():
                state = await lock_deal_for_system(deal.workspace_id, deal.id)
                if state is None or state.deal.rots_at != deal.rots_at:
                    continue  # changed meanwhile: it rots later, or not at all
                await record(
                    state, None, EventKind.DEAL_UPDATED, [change("rotten", False, True)], key=key
                )
        except IntegrityError:
            continue  # another server process wrote it first
        written.add(deal.workspace_id)
    return written
