"""Time moves cards too: when an open task falls due, or the workspace's day turns so
that a task is due today, the deal's dot changes with no write by anyone. This writes
that change into the event log as a TASK_DUE event, so that boards hear of it like any
other change.

Every server process runs the clock; an event's key (task, transition, moment) lets only
the first writer through.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from tortoise.exceptions import IntegrityError

from models.account import Workspace
from models.event import EventKind
from models.task import Task
from resolvers.deals.state import lock_deal_for_system, record
from resolvers.events.history import change
from resolvers.progress import local_day_bounds
from resolvers.task_dot import open_dues_of, task_status
from resolvers.transactions import in_transaction

# A dot is judged just before and just after the moment it may change.
_JUST_BEFORE = timedelta(microseconds=1)


async def _record(task: Task, moment: datetime, timezone: str, key: str) -> int | None:
    """The TASK_DUE event of one transition, if it changed the deal's dot; its workspace."""
    assert task.deal_id is not None
    dues = (await open_dues_of([task.deal_id]))[task.deal_id]
    before = task_status(dues, moment - _JUST_BEFORE, timezone)
    after = task_status(dues, moment + _JUST_BEFORE, timezone)
    if before == after:
        return None
    try:
        async with in_transaction():
            state = await lock_deal_for_system(task.workspace_id, task.deal_id)
            if state is None:
                return None
            await record(
                state,
                None,
                EventKind.TASK_DUE,
                [change("taskStatus", before, after)],
                key=key,
                task={"id": task.id, "title": task.title},
            )
    except IntegrityError:
        return None  # another server process wrote it first
    return task.workspace_id


async def record_due_tasks(since: datetime, now: datetime) -> set[int]:
    """Write the transitions in (since, now]; the workspaces whose logs got events."""
    written: set[int] = set()
    zones = dict(await Workspace.all().values_list("id", "timezone"))
    overdue = await Task.filter(
        done=False, deal_id__not_isnull=True, due_at__gt=since, due_at__lte=now
    )
    for task in overdue:
        assert task.due_at is not None
        key = f"overdue:{task.id}:{task.due_at.timestamp():.0f}"
        workspace_id = await _record(task, task.due_at, zones[task.workspace_id], key)
        if workspace_id is not None:
            written.add(workspace_id)
    for workspace_id, zone in zones.items():
        midnight, end = local_day_bounds(now, zone)
        if not since < midnight <= now:
            continue
        due_today = await Task.filter(
            workspace_id=workspace_id,
            done=False,
            deal_id__not_isnull=True,
            due_at__gte=midnight,
            due_at__lt=end,
        )
        for task in due_today:
            key = f"today:{task.id}:{midnight.date().isoformat()}"
            if await _record(task, midnight, zone, key) is not None:
                written.add(workspace_id)
    return written
