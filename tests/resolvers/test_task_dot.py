"""The task dot's rule in Python (its SQL form is checked against it in
tests/schema/board/test_board_brute_force.py)."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from resolvers.task_dot import TaskStatus, task_status

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
