"""Pipeline statistics: what is open now, what closed in a period, and how far the deals
that entered a process got.

Every figure counts only the deals the viewer may see (`access.visible_deals`), and
comes from three grouped queries whatever the number of deals, processes, stages and
owners; money is summed as integer cents in SQL, never as floats.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo

from tortoise.functions import Count, Sum

from models.account import User, Workspace
from models.deal import DealStatus
from resolvers.access import visible_deals
from resolvers.clock import now_utc
from resolvers.errors import ErrorCode, Refused, not_found
from resolvers.processes.tree import ProcessTree, StageNode, load_process_trees
from resolvers.progress import local_day_bounds

DEFAULT_PERIOD_DAYS = 30
MAX_PERIOD_YEARS = 3
EARLIEST_DATE = date(1900, 1, 1)
LATEST_DATE = date(9999, 12, 30)
SHARE = Decimal("0.0001")


@dataclass(frozen=True)
class Period:
    """Whole days, both ends included, in the workspace's time zone."""

    first: date
    last: date

    def bounds(self, timezone: str) -> tuple[datetime, datetime]:
        """Start (included) and end (excluded) of the period, in UTC."""
        zone = ZoneInfo(timezone)
        start = datetime.combine(self.first, time.min, tzinfo=zone)
        end = datetime.combine(self.last + timedelta(days=1), time.min, tzinfo=zone)
        return start.astimezone(UTC), end.astimezone(UTC)


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February of a year whose counterpart is no leap year
        return day.replace(year=day.year - years, day=28)


def stats_period(first: date | None, last: date | None, today: date) -> Period:
    """The period asked for, with its defaults: up to today, the last 30 days."""
    for day, name in ((first, "from"), (last, "to")):
        if day is not None and not EARLIEST_DATE <= day <= LATEST_DATE:
            raise Refused.one(
                ErrorCode.VALIDATION,
                f"Dates must lie between {EARLIEST_DATE} and {LATEST_DATE}.",
                (name,),
            )
    last = today if last is None else last
    first = last - timedelta(days=DEFAULT_PERIOD_DAYS - 1) if first is None else first
    if first > last:
        raise Refused.one(ErrorCode.VALIDATION, "`from` must not be after `to`.", ("from",))
    if first < _years_before(last, MAX_PERIOD_YEARS):
        raise Refused.one(
            ErrorCode.VALIDATION,
            f"The period may span at most {MAX_PERIOD_YEARS} years.",
            ("from",),
        )
    return Period(first, last)


def _add_counts(into: Any, other: Any) -> None:
    """Add `other`'s counts and sums (its int fields) to `into`, of the same dataclass."""
    for name in (f.name for f in fields(into)):
        value = getattr(other, name)
        if isinstance(value, int) and not isinstance(value, bool):
            setattr(into, name, getattr(into, name) + value)


@dataclass
class Totals:
    open_count: int = 0
    open_cents: int = 0
    forecast_cents: int = 0
    won_count: int = 0
    won_cents: int = 0
    lost_count: int = 0
    lost_cents: int = 0
    cancelled_count: int = 0
    cancelled_cents: int = 0

    def add(self, other: Totals) -> None:
        _add_counts(self, other)


@dataclass
class StageStats:
    stage: StageNode
    open_count: int = 0
    open_cents: int = 0
    forecast_cents: int = 0
    lost_count: int = 0
    reached_share: float = 0.0


@dataclass
class OwnerStats:
    owner: User
    open_count: int = 0
    open_cents: int = 0
    won_count: int = 0
    won_cents: int = 0
    lost_count: int = 0

    def add(self, other: OwnerStats) -> None:
        _add_counts(self, other)


def _by_name(owners: Iterable[OwnerStats]) -> list[OwnerStats]:
    return sorted(owners, key=lambda s: (s.owner.name.casefold(), s.owner.name, s.owner.id))


@dataclass
class ProcessStats:
    tree: ProcessTree
    totals: Totals = field(default_factory=Totals)
    stages: list[StageStats] = field(default_factory=list)
    by_owner: list[OwnerStats] = field(default_factory=list)


@dataclass
class PipelineStats:
    period: Period
    totals: Totals
    processes: list[ProcessStats]
    by_owner: list[OwnerStats]


Row = dict[str, Any]


def _number(value: Any) -> int:
    """SUM over a BIGINT: an int on SQLite, a Decimal on PostgreSQL."""
    return int(value or 0)


async def _grouped_rows(
    actor: User, process_ids: list[int], period: tuple[datetime, datetime]
) -> tuple[list[Row], list[Row], list[Row]]:
    """Open deals now, deals closed in the period, deals created in the period: each
    grouped so that every figure of every process, stage and owner can be added up."""
    deals = visible_deals(actor).filter(process_id__in=process_ids)
    start, end = period
    open_now = (
        await deals.filter(status=DealStatus.OPEN)
        .annotate(deals=Count("id"), value=Sum("value_cents"), forecast=Sum("forecast_cents"))
        .group_by("process_id", "stage_id", "owner_id")
        .values("process_id", "stage_id", "owner_id", "deals", "value", "forecast")
    )
    closed = (
        await deals.filter(
            status__in=[DealStatus.WON, DealStatus.LOST, DealStatus.CANCELLED],
            closed_at__gte=start,
            closed_at__lt=end,
        )
        .annotate(deals=Count("id"), value=Sum("value_cents"))
        .group_by("process_id", "status", "owner_id", "lost_at_stage_id")
        .values("process_id", "status", "owner_id", "lost_at_stage_id", "deals", "value")
    )
    entered = (
        await deals.filter(created_at__gte=start, created_at__lt=end)
        .annotate(deals=Count("id"))
        .group_by("process_id", "status", "stage_id")
        .values("process_id", "status", "stage_id", "deals")
    )
    return open_now, closed, entered


def _reached_shares(tree: ProcessTree, entered: Iterable[Row]) -> list[float]:
    """Per stage, the share of the entered deals that got at least that far: a won
    deal went through every stage, any other as far as its current stage."""
    index = {stage.row.id: i for i, stage in enumerate(tree.stages)}
    reached = [0] * len(tree.stages)
    total = 0
    for row in entered:
        count = _number(row["deals"])
        total += count
        furthest = (
            len(tree.stages) - 1
            if row["status"] == DealStatus.WON
            else index.get(row["stage_id"], 0)
        )
        for i in range(furthest + 1):
            reached[i] += count
    if total == 0:
        return [0.0] * len(tree.stages)
    return [
        float((Decimal(n) / Decimal(total)).quantize(SHARE, rounding=ROUND_HALF_UP))
        for n in reached
    ]


def _process_stats(
    tree: ProcessTree,
    open_now: list[Row],
    closed: list[Row],
    entered: list[Row],
    owners: Mapping[int, User],
) -> ProcessStats:
    stats = ProcessStats(tree, stages=[StageStats(stage) for stage in tree.stages])
    stages = {s.stage.row.id: s for s in stats.stages}
    by_owner: dict[int, OwnerStats] = {}

    def owner(owner_id: int) -> OwnerStats:
        if owner_id not in by_owner:
            by_owner[owner_id] = OwnerStats(owners[owner_id])
        return by_owner[owner_id]

    totals = stats.totals
    for row in open_now:
        count, value, forecast = (_number(row[k]) for k in ("deals", "value", "forecast"))
        totals.open_count += count
        totals.open_cents += value
        totals.forecast_cents += forecast
        stage = stages.get(row["stage_id"])
        if stage is not None:
            stage.open_count += count
            stage.open_cents += value
            stage.forecast_cents += forecast
        person = owner(row["owner_id"])
        person.open_count += count
        person.open_cents += value
    for row in closed:
        count, value = _number(row["deals"]), _number(row["value"])
        if row["status"] == DealStatus.WON:
            totals.won_count += count
            totals.won_cents += value
            person = owner(row["owner_id"])
            person.won_count += count
            person.won_cents += value
        elif row["status"] == DealStatus.LOST:
            totals.lost_count += count
            totals.lost_cents += value
            owner(row["owner_id"]).lost_count += count
            lost_at = stages.get(row["lost_at_stage_id"])
            if lost_at is not None:
                lost_at.lost_count += count
        else:
            totals.cancelled_count += count
            totals.cancelled_cents += value
    for stage, share in zip(stats.stages, _reached_shares(tree, entered), strict=True):
        stage.reached_share = share
    stats.by_owner = _by_name(by_owner.values())
    return stats


def _by_process(rows: list[Row]) -> dict[int, list[Row]]:
    found: dict[int, list[Row]] = {}
    for row in rows:
        found.setdefault(row["process_id"], []).append(row)
    return found


async def pipeline_stats(
    actor: User, process_id: int | None, first: date | None, last: date | None
) -> PipelineStats:
    """The statistics of one process (`process_id`) or of every live process of the
    workspace, over the deals the actor may see."""
    workspace = await Workspace.get(id=actor.workspace_id)
    today = local_day_bounds(now_utc(), workspace.timezone)[0].date()
    period = stats_period(first, last, today)
    trees = await load_process_trees(
        actor.workspace_id, None if process_id is None else [process_id]
    )
    if process_id is not None and not trees:
        raise not_found("Process", ("processId",))
    if not trees:
        return PipelineStats(period, Totals(), [], [])
    open_now, closed, entered = await _grouped_rows(
        actor, [t.row.id for t in trees], period.bounds(workspace.timezone)
    )
    owner_ids = {row["owner_id"] for row in open_now} | {
        row["owner_id"] for row in closed if row["status"] != DealStatus.CANCELLED
    }
    owners = (
        {u.id: u for u in await User.filter(workspace_id=actor.workspace_id, id__in=owner_ids)}
        if owner_ids
        else {}
    )
    opens, closes, entries = _by_process(open_now), _by_process(closed), _by_process(entered)
    processes = [
        _process_stats(
            tree,
            opens.get(tree.row.id, []),
            closes.get(tree.row.id, []),
            entries.get(tree.row.id, []),
            owners,
        )
        for tree in trees
    ]
    totals = Totals()
    by_owner: dict[int, OwnerStats] = {}
    for process in processes:
        totals.add(process.totals)
        for person in process.by_owner:
            by_owner.setdefault(person.owner.id, OwnerStats(person.owner)).add(person)
    return PipelineStats(period, totals, processes, _by_name(by_owner.values()))
