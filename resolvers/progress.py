"""Derived values of a deal, as pure functions of stored facts.

Every reader and writer computes probability, stage, forecast, the missing mandatory
steps here, and nowhere else (the task dot: `resolvers.task_dot`).
"""

from __future__ import annotations

from collections.abc import Iterable, Set
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from zoneinfo import ZoneInfo

from resolvers.processes.tree import ProcessTree, StageNode, StepNode

CENT = Decimal("0.01")


def deal_probability(tree: ProcessTree, completed: Set[int]) -> int:
    """round(100 * weight of completed steps / total weight), halves up; 0 for no weight.

    Only the steps of the process as it is now count: completions of archived steps or
    of another process are kept but weigh nothing.
    """
    total = tree.total_weight
    if total <= 0:
        return 0
    done = sum(
        step.row.weight for stage in tree.stages for step in stage.steps if step.row.id in completed
    )
    return (200 * done + total) // (2 * total)


def deal_stage(tree: ProcessTree, completed: Set[int]) -> StageNode | None:
    """The stage of the furthest completed step, or the first stage when none is done."""
    current = tree.stages[0] if tree.stages else None
    for stage in tree.stages:
        if any(step.row.id in completed for step in stage.steps):
            current = stage
    return current


def cents(amount: Decimal) -> int:
    return int((amount * 100).to_integral_value(rounding=ROUND_HALF_UP))


def forecast_cents(value_cents: int, probability: int) -> int:
    """value x probability / 100, in cents, halves rounded up (amounts are never negative)."""
    return (2 * value_cents * probability + 100) // 200


def forecast_value(value: Decimal, probability: int) -> Decimal:
    return (Decimal(forecast_cents(cents(value), probability)) / 100).quantize(CENT)


def profit(value: Decimal, costs: Iterable[Decimal]) -> Decimal:
    return (value - sum(costs, Decimal(0))).quantize(CENT)


def missing_mandatory_steps(tree: ProcessTree, completed: Set[int]) -> list[StepNode]:
    """What stands between the deal and winning, in process order."""
    return [
        step
        for stage in tree.stages
        for step in stage.steps
        if step.row.mandatory and step.row.id not in completed
    ]


def local_day_bounds(now: datetime, timezone: str) -> tuple[datetime, datetime]:
    """The start and end (exclusive) of `now`'s day in the time zone, as aware datetimes."""
    zone = ZoneInfo(timezone)  # ZoneInfo keeps its zones: the same object each time
    return _day_bounds(zone, now.astimezone(zone).date())


def end_of_local_day(now: datetime, timezone: str) -> datetime:
    """The end of `now`'s day in the time zone (`local_day_bounds`), in UTC: a board's
    task dots ask for it once per card, and compare it with due times kept in UTC (a
    comparison across zones asks the zone for its offset each time). The day last asked
    for in each zone is kept: every moment within its bounds has it for its day."""
    known = _last_days.get(timezone)
    if known is not None and known[0] <= now < known[1]:
        return known[1]
    start, end = local_day_bounds(now, timezone)
    _last_days[timezone] = (start.astimezone(UTC), end.astimezone(UTC))
    return _last_days[timezone][1]


_last_days: dict[str, tuple[datetime, datetime]] = {}  # a time zone's name: its bounds


@lru_cache(maxsize=1024)
def _day_bounds(zone: ZoneInfo, today: date) -> tuple[datetime, datetime]:
    """A local day's bounds, the same for every moment of it (a board's task dots ask
    for today's once per card).

    Where the clocks jump over midnight (Santiago in September, Havana in March) the
    day starts when they land (01:00): a bound is always a time the clocks show, read
    back from its instant. Python holds a time the clocks skip or show twice unequal to
    every time in another zone (PEP 495), so compare bounds as instants (in UTC)."""
    start = datetime.combine(today, time.min, tzinfo=zone)
    end = datetime.combine(today + timedelta(days=1), time.min, tzinfo=zone)
    return _shown(start, zone), _shown(end, zone)


def _shown(moment: datetime, zone: ZoneInfo) -> datetime:
    """The time the clocks show at `moment`'s instant (midnight in a gap: the first
    time after it; midnight shown twice: its first showing, as `fold=0` reads it)."""
    return moment.astimezone(UTC).astimezone(zone)


def due_in_days(now: datetime, days: int, timezone: str) -> datetime:
    """`days` calendar days after `now` in the workspace's time zone (same wall-clock
    time, across daylight-saving changes)."""
    zone = ZoneInfo(timezone)
    local = now.astimezone(zone)
    return datetime.combine(local.date() + timedelta(days=days), local.timetz())


def amount_of_cents(amount_cents: int) -> Decimal:
    """A sum kept in integer cents, as the decimal amount clients read."""
    return (Decimal(amount_cents) / 100).quantize(CENT)
