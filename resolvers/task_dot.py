"""The task dot of a card: one rule in three forms that must agree.

A deal's dot is judged over its open tasks, "today" being the workspace's local day:
OVERDUE when one is past due, TODAY when one is due before local midnight, LATER when
it has open tasks due later or undated, NONE without open tasks. The rule is written
here as a Python function (`task_status`, for a deal already read), as an SQL condition
(`status_condition`, for filtering lists and boards) and as what a card reads with it
(`CARD_TASKS` and `card_dues`); "open" is `open_tasks()` for the ORM and
`_OPEN_TASKS_SQL` for the card's correlated subqueries.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime
from enum import StrEnum
from typing import Any

from tortoise.expressions import Q, RawSQL, Subquery
from tortoise.queryset import QuerySet

from models.task import Task
from resolvers.progress import end_of_local_day, local_day_bounds
from resolvers.row_reader import value_reader


class TaskStatus(StrEnum):
    NONE = "NONE"
    LATER = "LATER"
    TODAY = "TODAY"
    OVERDUE = "OVERDUE"


def task_status(open_due: Iterable[datetime | None], now: datetime, timezone: str) -> TaskStatus:
    """The dot of a deal whose open tasks are due at `open_due` (None: undated)."""
    end_of_today: datetime | None = None  # worked out for the first dated task only
    status = TaskStatus.NONE
    for due in open_due:
        if due is not None and due < now:
            return TaskStatus.OVERDUE
        if due is not None and end_of_today is None:
            end_of_today = end_of_local_day(now, timezone)
        if due is not None and end_of_today is not None and due < end_of_today:
            status = TaskStatus.TODAY
        elif status == TaskStatus.NONE:
            status = TaskStatus.LATER
    return status


def open_tasks() -> QuerySet[Task]:
    """The open tasks that count towards a dot: not done, on a deal."""
    return Task.filter(done=False, deal_id__not_isnull=True)


def _deal_ids(tasks: QuerySet[Task]) -> Subquery:
    return Subquery(tasks.values("deal_id"))


def status_condition(status: TaskStatus, now: datetime, timezone: str) -> Q:
    """`task_status(...) == status` as a condition on deals, for SQL."""
    _, end_of_today = local_day_bounds(now, timezone)
    overdue = _deal_ids(open_tasks().filter(due_at__lt=now))
    due_by_tonight = _deal_ids(open_tasks().filter(due_at__lt=end_of_today))
    if status == TaskStatus.NONE:
        return ~Q(id__in=_deal_ids(open_tasks()))
    if status == TaskStatus.OVERDUE:
        return Q(id__in=overdue)
    if status == TaskStatus.TODAY:
        return Q(id__in=due_by_tonight) & ~Q(id__in=overdue)
    return Q(id__in=_deal_ids(open_tasks())) & ~Q(id__in=due_by_tonight)


async def open_dues_of(deal_ids: list[int]) -> dict[int, list[datetime | None]]:
    """The due times of the deals' open tasks: all their dots need."""
    found: dict[int, list[datetime | None]] = defaultdict(list)
    rows = await open_tasks().filter(deal_id__in=deal_ids).values_list("deal_id", "due_at")
    for deal_id, due_at in rows:
        found[deal_id].append(due_at)
    return found


# `open_tasks()` of the deal a card statement reads, as correlated subqueries: the
# earliest due time and the number of open tasks (an undated one makes the dot LATER,
# never earlier, so the earliest due time and the count are all a card needs).
_OPEN_TASKS_SQL = 'FROM "task" WHERE "task"."deal_id" = "deal"."id" AND NOT "task"."done"'
CARD_TASKS: dict[str, Any] = {
    "first_open_due": RawSQL(f'(SELECT MIN("task"."due_at") {_OPEN_TASKS_SQL})'),
    "open_task_count": RawSQL(f"(SELECT COUNT(*) {_OPEN_TASKS_SQL})"),
}


def card_dues(card: Any) -> list[datetime | None] | None:
    """The open tasks' due times of a card read with `CARD_TASKS`, as far as its dot
    needs them: the earliest, or one undated task, or none; None for a deal not read
    with them."""
    held = vars(card)
    if "open_task_count" not in held:
        return None
    if not held["open_task_count"]:
        return []
    return [value_reader(Task, "due_at")(held.get("first_open_due"))]
