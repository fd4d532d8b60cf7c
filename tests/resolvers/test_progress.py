"""The derived values, as pure functions: property-based over random processes."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from decimal import Decimal
from types import SimpleNamespace
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from resolvers.processes.tree import ProcessTree, StageNode, StepNode
from resolvers.progress import (
    TaskStatus,
    deal_probability,
    deal_stage,
    due_in_days,
    forecast_value,
    local_day_bounds,
    missing_mandatory_steps,
    task_status,
)


def build(stages: list[list[tuple[int, bool]]]) -> ProcessTree:
    """A tree from [[(weight, mandatory), ...] per stage]; step ids count from 1."""
    tree = ProcessTree(SimpleNamespace(id=1))  # type: ignore[arg-type]
    next_id = 1
    for position, steps in enumerate(stages):
        stage = StageNode(SimpleNamespace(id=100 + position, position=position))  # type: ignore[arg-type]
        for weight, mandatory in steps:
            row: Any = SimpleNamespace(id=next_id, weight=weight, mandatory=mandatory)
            stage.steps.append(StepNode(row))
            next_id += 1
        tree.stages.append(stage)
    return tree


processes = st.lists(
    st.lists(st.tuples(st.integers(0, 50), st.booleans()), max_size=6), min_size=1, max_size=8
)


@given(processes, st.data())
def test_probability_is_the_rounded_share_of_completed_weight(stages, data):
    tree = build(stages)
    step_ids = [s.row.id for stage in tree.stages for s in stage.steps]
    completed = (
        set(data.draw(st.lists(st.sampled_from(step_ids), unique=True))) if step_ids else set()
    )
    completed |= {10_000}  # a completion of a step of another process weighs nothing

    probability = deal_probability(tree, completed)

    total = sum(s.row.weight for stage in tree.stages for s in stage.steps)
    done = sum(s.row.weight for stage in tree.stages for s in stage.steps if s.row.id in completed)
    if total == 0:
        assert probability == 0
    else:
        exact = Decimal(100 * done) / Decimal(total)
        assert abs(Decimal(probability) - exact) <= Decimal("0.5")
        assert 0 <= probability <= 100
        if done == total:
            assert probability == 100


@given(processes, st.data())
def test_stage_is_that_of_the_furthest_completed_step(stages, data):
    tree = build(stages)
    step_ids = [s.row.id for stage in tree.stages for s in stage.steps]
    completed = (
        set(data.draw(st.lists(st.sampled_from(step_ids), unique=True))) if step_ids else set()
    )

    stage = deal_stage(tree, completed)

    positions = [i for i, st_ in enumerate(tree.stages) for s in st_.steps if s.row.id in completed]
    expected = tree.stages[max(positions)] if positions else tree.stages[0]
    assert stage is expected
    missing = missing_mandatory_steps(tree, completed)
    assert all(s.row.mandatory and s.row.id not in completed for s in missing)
    assert {s.row.id for s in missing} | completed >= {
        s.row.id for stage_ in tree.stages for s in stage_.steps if s.row.mandatory
    }


def test_rounding_halves_up():
    tree = build([[(1, False), (1, False), (1, False), (5, False)]])  # 1/8 = 12.5%
    assert deal_probability(tree, {1}) == 13
    assert deal_probability(build([[(2, False), (1, False)]]), {2}) == 33


def test_forecast_keeps_cents():
    assert forecast_value(Decimal("1000.01"), 33) == Decimal("330.00")
    assert forecast_value(Decimal("0.05"), 50) == Decimal("0.03")


NOW = datetime(2026, 3, 10, 22, 0, tzinfo=UTC)  # 23:00 in Warsaw, 11:00 next day in Auckland


def test_task_dot_in_the_workspace_time_zone():
    due_2330_warsaw = datetime(2026, 3, 10, 22, 30, tzinfo=UTC)
    assert task_status([], NOW, "Europe/Warsaw") == TaskStatus.NONE
    assert task_status([due_2330_warsaw], NOW, "Europe/Warsaw") == TaskStatus.TODAY
    # In Auckland that due time is 11:30 on the 11th, which is today there too...
    assert task_status([due_2330_warsaw], NOW, "Pacific/Auckland") == TaskStatus.TODAY
    # ...but a task due at 00:30 Warsaw time on the 11th is tomorrow in Warsaw.
    tomorrow_warsaw = datetime(2026, 3, 10, 23, 30, tzinfo=UTC)
    assert task_status([tomorrow_warsaw], NOW, "Europe/Warsaw") == TaskStatus.LATER
    # West of UTC, New York's day ends at 05:00 UTC on the 11th.
    assert task_status([tomorrow_warsaw], NOW, "America/New_York") == TaskStatus.TODAY
    past = datetime(2026, 3, 10, 21, 59, tzinfo=UTC)
    assert task_status([None, tomorrow_warsaw, past], NOW, "Europe/Warsaw") == TaskStatus.OVERDUE
    assert task_status([None], NOW, "Europe/Warsaw") == TaskStatus.LATER


def test_due_in_days_keeps_the_local_time_across_daylight_saving():
    before_dst = datetime(2026, 3, 27, 9, 0, tzinfo=UTC)  # 10:00 CET
    due = due_in_days(before_dst, 3, "Europe/Warsaw")
    assert due.astimezone(UTC) == datetime(2026, 3, 30, 8, 0, tzinfo=UTC)  # 10:00 CEST


ZONES = ["UTC", "Asia/Tokyo", "Pacific/Auckland", "America/Los_Angeles", "Europe/Warsaw"]
SEVERITY = [TaskStatus.NONE, TaskStatus.LATER, TaskStatus.TODAY, TaskStatus.OVERDUE]
instants = st.datetimes(
    min_value=datetime(2020, 1, 1), max_value=datetime(2035, 12, 31), timezones=st.just(UTC)
)
offsets = st.timedeltas(min_value=timedelta(days=-3), max_value=timedelta(days=3))
due_times = st.one_of(st.none(), offsets)


def expected_dot(due: datetime | None, now: datetime, zone: str) -> TaskStatus:
    """One open task's dot, from calendar dates rather than day bounds."""
    if due is None:
        return TaskStatus.LATER
    if due < now:
        return TaskStatus.OVERDUE
    same_day = due.astimezone(ZoneInfo(zone)).date() == now.astimezone(ZoneInfo(zone)).date()
    return TaskStatus.TODAY if same_day else TaskStatus.LATER


@given(instants, offsets, st.sampled_from(ZONES))
def test_one_task_is_today_exactly_on_the_local_date_of_now(now, offset, zone):
    due = now + offset

    assert task_status([due], now, zone) == expected_dot(due, now, zone)


@given(instants, st.lists(due_times, max_size=6), st.sampled_from(ZONES), st.randoms())
def test_the_worst_open_task_sets_the_dot_whatever_the_order(now, offsets_, zone, random):
    dues = [None if o is None else now + o for o in offsets_]
    shuffled = random.sample(dues, len(dues))

    status = task_status(dues, now, zone)

    worst = max((expected_dot(d, now, zone) for d in dues), key=SEVERITY.index, default=None)
    assert status == (worst or TaskStatus.NONE)
    assert task_status(shuffled, now, zone) == status


@given(instants, st.sampled_from(ZONES))
def test_the_local_day_holds_now_and_starts_at_local_midnight(now, zone):
    start, end = local_day_bounds(now, zone)

    assert start <= now < end
    local_start, local_end = start.astimezone(ZoneInfo(zone)), end.astimezone(ZoneInfo(zone))
    assert local_start.time() == local_end.time() == time.min
    assert local_end.date() - local_start.date() == timedelta(days=1)
    assert end - start in {timedelta(hours=h) for h in (23, 24, 25)}  # daylight saving


@pytest.mark.parametrize(
    ("zone", "now"),
    [
        ("Asia/Tokyo", datetime(2026, 3, 10, 12, 0, tzinfo=UTC)),  # 21:00 on the 10th
        ("Pacific/Auckland", datetime(2026, 3, 10, 12, 0, tzinfo=UTC)),  # 01:00 on the 11th
        ("America/Los_Angeles", datetime(2026, 3, 10, 12, 0, tzinfo=UTC)),  # 05:00 on the 10th
        # the days the clocks change in Los Angeles: 23 and 25 hours long
        ("America/Los_Angeles", datetime(2026, 3, 8, 9, 0, tzinfo=UTC)),
        ("America/Los_Angeles", datetime(2026, 11, 1, 8, 0, tzinfo=UTC)),
        # the first minute of the local day
        ("Asia/Tokyo", datetime(2026, 3, 10, 15, 0, tzinfo=UTC)),
    ],
)
def test_2330_today_and_0030_tomorrow_east_and_west(zone, now):
    today = now.astimezone(ZoneInfo(zone)).date()

    def at(days: int, hour: int, minute: int) -> datetime:
        local = datetime.combine(today + timedelta(days=days), time(hour, minute))
        return local.replace(tzinfo=ZoneInfo(zone))

    assert task_status([at(0, 23, 30)], now, zone) == TaskStatus.TODAY
    assert task_status([at(0, 23, 59)], now, zone) == TaskStatus.TODAY
    assert task_status([at(1, 0, 0)], now, zone) == TaskStatus.LATER
    assert task_status([at(1, 0, 30)], now, zone) == TaskStatus.LATER
    assert task_status([now - timedelta(minutes=1)], now, zone) == TaskStatus.OVERDUE
    assert task_status([now], now, zone) == TaskStatus.TODAY
    assert task_status([], now, zone) == TaskStatus.NONE


def test_one_instant_is_today_in_los_angeles_and_later_in_tokyo():
    # 05:00 on the 10th in LA, 21:00 in Tokyo; due 23:30 on the 10th in LA, 15:30 on the
    # 11th in Tokyo.
    now, due = datetime(2026, 3, 10, 12, tzinfo=UTC), datetime(2026, 3, 11, 6, 30, tzinfo=UTC)
    assert task_status([due], now, "America/Los_Angeles") == TaskStatus.TODAY
    assert task_status([due], now, "Asia/Tokyo") == TaskStatus.LATER
    # 13:00 on the 10th in LA, 05:00 on the 11th in Tokyo; due 03:00 on the 11th in LA,
    # 19:00 in Tokyo.
    now, due = datetime(2026, 3, 10, 20, tzinfo=UTC), datetime(2026, 3, 11, 10, tzinfo=UTC)
    assert task_status([due], now, "America/Los_Angeles") == TaskStatus.LATER
    assert task_status([due], now, "Asia/Tokyo") == TaskStatus.TODAY
