"""Rotting deals (Pipedrive's per-stage rotting, noCRM's "pending too long"): an open
deal rots when nobody has changed anything on it for longer than its stage allows
(`Stage.rotten_after_days`).

A deal keeps the moment it rots (`rots_at`): its last change by someone plus its
stage's days, recomputed whenever either moves, so that "rotten" is `rots_at <= now` in
SQL (board filter and counts) as in Python. Time alone turns a deal rotten:
`resolvers.deals.rot_clock` writes that moment into the event log. The service's own
events (a task falling due, a deal rotting) are not changes by someone and do not reset
a deal's clock.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from tortoise.expressions import Q

from models.deal import Deal, DealStatus
from resolvers.processes.tree import ProcessTree


def rot_moment(deal: Deal, tree: ProcessTree) -> datetime | None:
    """When the deal rots, as it stands: None when it is closed, in the trash, or in a
    stage without a limit."""
    if deal.status != DealStatus.OPEN or deal.deleted_at is not None:
        return None
    stage = tree.stage(deal.stage_id) if deal.stage_id is not None else None
    days = stage.row.rotten_after_days if stage is not None else None
    if days is None:
        return None
    since = deal.last_activity_at or deal.updated_at or deal.created_at
    return since + timedelta(days=days)


def is_rotten(deal: Deal, now: datetime) -> bool:
    return (
        deal.rots_at is not None
        and deal.rots_at <= now
        and deal.status == DealStatus.OPEN
        and deal.deleted_at is None
    )


def rotten_condition(now: datetime) -> Q:
    """`is_rotten` in SQL (negate it for the deals that are not)."""
    return Q(status=DealStatus.OPEN, deleted_at=None) & rotten_if_open(now)


def rotten_if_open(now: datetime) -> Q:
    """`is_rotten` in SQL among deals already known to be open and not deleted (a
    board's columns: their sums count the rotten ones without testing every row's
    status again, some 0.25 ms of a 10,000-deal board's figures)."""
    return Q(rots_at__lte=now)
