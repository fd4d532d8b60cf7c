"""The derived values, as pure functions: property-based over random processes."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from decimal import Decimal
from types import SimpleNamespace
from typing import Any
from zoneinfo import ZoneInfo

from hypothesis import example, given
from hypothesis import strategies as st

from resolvers.processes.tree import ProcessTree, StageNode, StepNode
from resolvers.progress import (
    deal_probability,
    deal_stage,
    due_in_days,
    end_of_local_day,
    forecast_value,
    local_day_bounds,
    missing_mandatory_steps,
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


def test_due_in_days_keeps_the_local_time_across_daylight_saving():
    before_dst = datetime(2026, 3, 27, 9, 0, tzinfo=UTC)  # 10:00 CET
    due = due_in_days(before_dst, 3, "Europe/Warsaw")
    assert due.astimezone(UTC) == datetime(2026, 3, 30, 8, 0, tzinfo=UTC)  # 10:00 CEST


ZONES = ["UTC", "Asia/Tokyo", "Pacific/Auckland", "America/Los_Angeles", "Europe/Warsaw"]
instants = st.datetimes(
    min_value=datetime(2020, 1, 1), max_value=datetime(2035, 12, 31), timezones=st.just(UTC)
)


@given(instants, st.sampled_from(ZONES))
def test_the_local_day_holds_now_and_starts_at_local_midnight(now, zone):
    start, end = local_day_bounds(now, zone)

    assert start <= now < end
    local_start, local_end = start.astimezone(ZoneInfo(zone)), end.astimezone(ZoneInfo(zone))
    assert local_start.time() == local_end.time() == time.min
    assert local_end.date() - local_start.date() == timedelta(days=1)
    assert end - start in {timedelta(hours=h) for h in (23, 24, 25)}  # daylight saving


def test_a_day_whose_midnight_the_clocks_skip_or_show_twice_has_the_bounds_of_its_instants():
    """Santiago skips from 00:00 to 01:00 on 5 September 2032; Havana shows 00:00 twice
    on 1 November 2026. A bound is a time the clocks show, and equal to its instant in
    UTC (Python holds a skipped time unequal to every time in another zone)."""
    santiago = ZoneInfo("America/Santiago")
    start, end = local_day_bounds(datetime(2032, 9, 5, 12, tzinfo=UTC), "America/Santiago")
    assert start.astimezone(santiago).time() == time(1) and start.utcoffset() == timedelta(hours=-3)
    assert start == datetime(2032, 9, 5, 4, tzinfo=UTC)
    assert end.astimezone(UTC) - start.astimezone(UTC) == timedelta(hours=23)
    before, end_before = local_day_bounds(datetime(2032, 9, 4, 12, tzinfo=UTC), "America/Santiago")
    assert end_before == start and before.astimezone(santiago).time() == time.min
    assert end_of_local_day(datetime(2032, 9, 5, 3, 59, tzinfo=UTC), "America/Santiago") == start

    start, end = local_day_bounds(datetime(2026, 11, 1, 12, tzinfo=UTC), "America/Havana")
    assert start.astimezone(UTC) == datetime(2026, 11, 1, 4, tzinfo=UTC)  # the first 00:00
    assert end.astimezone(UTC) - start.astimezone(UTC) == timedelta(hours=25)


# Zones whose clocks jump at or around midnight as well (Sao Paulo until 2019, Havana,
# Santiago), so that a kept day meets a day of 23 or 25 hours.
DAY_ZONES = [*ZONES, "America/Sao_Paulo", "America/Havana", "America/Santiago"]
hours_apart = st.lists(st.integers(-72, 72), min_size=1, max_size=30)


@given(instants, st.sampled_from(DAY_ZONES), hours_apart)
@example(datetime(2032, 9, 5, tzinfo=UTC), "America/Santiago", [0])  # ends where clocks skip
def test_the_end_of_the_local_day_is_that_of_its_bounds_whichever_day_was_asked_before(
    first, zone, offsets
):
    """`end_of_local_day` keeps the day last asked for in each zone: moments within it,
    before it, after it and across a change of the clocks all get their own day's end."""
    for hours in [0, *offsets]:
        now = first + timedelta(hours=hours, minutes=hours * 7)
        end = end_of_local_day(now, zone)
        assert end == local_day_bounds(now, zone)[1].astimezone(UTC) and end.tzinfo is UTC
