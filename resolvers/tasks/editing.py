"""Tasks: created by people or by completed steps, changed, completed, listed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from models.account import User, Workspace
from models.event import EventKind, NotificationKind
from models.process import TaskAssignee
from models.task import Task
from resolvers import access, idempotency, validation
from resolvers.clock import now_utc
from resolvers.deals.state import DealState, Reach, lock_deal, record
from resolvers.errors import ErrorCode, Problems, Refused, not_found
from resolvers.events.history import change
from resolvers.events.notifications import notify
from resolvers.processes.tree import StepNode
from resolvers.progress import due_in_days
from resolvers.transactions import in_transaction
from resolvers.validation import KEEP, Keep


@dataclass(frozen=True)
class NewTask:
    title: str
    due_at: datetime | None = None
    assignee_id: int | None = None
    deal_id: int | None = None
    idempotency_key: str | None = None


@dataclass(frozen=True)
class TaskChanges:
    """Fields left as KEEP keep their value; a None `due_at` clears the due time."""

    title: str | Keep = KEEP
    due_at: datetime | Keep | None = KEEP
    assignee_id: int | Keep = KEEP


def _title(problems: Problems, raw: str) -> str:
    return validation.required_text(problems, raw, ["input", "title"], "Title")


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.astimezone(UTC).isoformat()


def _about(task: Task) -> dict[str, Any]:
    """What an event row says about its task."""
    return {"id": task.id, "title": task.title}


async def _active_member(actor: User, user_id: int) -> User:
    """Someone a task may be given to: an active user of the actor's workspace."""
    if user_id == actor.id:
        return actor
    found = await User.get_or_none(id=user_id, workspace_id=actor.workspace_id, active=True)
    if found is None:
        raise not_found("User", ("input", "assigneeId"))
    return found


def _require_assignee_sees(assignee: User, state: DealState) -> None:
    """Nobody is given a task about a deal they may not see."""
    if not access.can_see(assignee, state.deal, state.participant_ids):
        raise Refused.one(
            ErrorCode.VALIDATION,
            "The assignee cannot see this deal: add them as a participant first.",
            ("input", "assigneeId"),
        )


async def _tell_assignee(task: Task, state: DealState, assignee: User, actor: User) -> None:
    await notify(
        state,
        [assignee],
        NotificationKind.TASK_ASSIGNED,
        f'{actor.name} gave you the task "{task.title}" on "{state.deal.name}".',
        actor,
    )


async def _announce(task: Task, state: DealState | None, assignee: User, actor: User) -> None:
    if state is None:
        return
    await record(state, actor, EventKind.TASK_CREATED, task=_about(task))
    await _tell_assignee(task, state, assignee, actor)


async def create_task(actor: User, new: NewTask) -> Task:
    problems = Problems()
    title = _title(problems, new.title)
    validation.idempotency_key(problems, new.idempotency_key)
    problems.raise_if_any()

    async def create() -> Task:
        assignee = actor
        if new.assignee_id is not None:
            assignee = await _active_member(actor, new.assignee_id)
        state = None
        if new.deal_id is not None:
            state = await lock_deal(actor, new.deal_id)
            access.require(
                access.can_edit(actor, state.deal, state.participant_ids),
                "Only people who work on this deal may give it tasks.",
            )
            _require_assignee_sees(assignee, state)
        task = await Task.create(
            workspace_id=actor.workspace_id,
            title=title,
            due_at=new.due_at,
            assignee_id=assignee.id,
            deal_id=new.deal_id,
            created_by_id=actor.id,
        )
        await _announce(task, state, assignee, actor)
        return task

    return await idempotency.once(
        actor,
        "createTask",
        new.idempotency_key,
        create,
        lambda task_id: _visible_task(actor, task_id, "idempotencyKey"),
    )


async def _visible_task(actor: User, task_id: int, field: str) -> Task:
    task = await access.visible_tasks(actor).filter(id=task_id).first()
    if task is None:
        raise not_found("Task", ("input", field))
    return task


async def visible_task(actor: User, task_id: int) -> Task | None:
    return await access.visible_tasks(actor).filter(id=task_id).first()


async def _lock_task(actor: User, task_id: int) -> tuple[Task, DealState | None]:
    """The task, if the actor may see it, and its deal, both row-locked until the
    transaction ends. The deal is locked first, as every deal mutation does, so that the
    two locks are always taken in one order (a task never changes deal). The deal is read
    whether or not the actor may see it: an assignee may have lost access meanwhile."""
    found = await access.visible_tasks(actor).filter(id=task_id).only("deal_id").first()
    state = None
    if found is not None and found.deal_id is not None:
        state = await lock_deal(actor, found.deal_id, "id", reach=Reach.WORKSPACE)
    task = await access.visible_tasks(actor).filter(id=task_id).select_for_update().first()
    if task is None:
        raise not_found("Task", ("input", "id"))
    return task, state


def _require_change(actor: User, task: Task, state: DealState | None) -> None:
    deal, participant_ids = (state.deal, state.participant_ids) if state else (None, set())
    access.require(
        access.can_change_task(actor, task, deal, participant_ids),
        "Only the assignee, its author or people on the deal may do this.",
    )


async def complete_task(actor: User, task_id: int) -> Task:
    async with in_transaction():
        task, state = await _lock_task(actor, task_id)
        _require_change(actor, task, state)
        if task.done:
            return task
        task.done, task.done_at = True, now_utc()
        await task.save(update_fields=["done", "done_at", "updated_at"])
        if state is not None:
            await record(state, actor, EventKind.TASK_COMPLETED, task=_about(task))
    return task


async def update_task(actor: User, task_id: int, changes: TaskChanges) -> Task:
    """Rename, reschedule or reassign an open task; a change of nothing writes nothing."""
    problems = Problems()
    title = changes.title if isinstance(changes.title, Keep) else _title(problems, changes.title)
    problems.raise_if_any()
    due = changes.due_at
    async with in_transaction():
        task, state = await _lock_task(actor, task_id)
        _require_change(actor, task, state)
        if task.done:
            raise Refused.one(ErrorCode.VALIDATION, "The task is done.", ("input", "id"))
        moved: list[dict[str, Any]] = []
        fields: list[str] = []
        if not isinstance(title, Keep) and title != task.title:
            moved.append(change("title", task.title, title))
            fields.append("title")
            task.title = title
        if not isinstance(due, Keep) and due != task.due_at:
            moved.append(change("dueAt", _iso(task.due_at), _iso(due)))
            fields.append("due_at")
            task.due_at = due
        assignee = None
        if not isinstance(changes.assignee_id, Keep) and changes.assignee_id != task.assignee_id:
            assignee = await _active_member(actor, changes.assignee_id)
            if state is not None:
                _require_assignee_sees(assignee, state)
            previous = await User.get(id=task.assignee_id)
            moved.append(change("assignee", previous.name, assignee.name))
            fields.append("assignee_id")
            task.assignee_id = assignee.id
        if not moved:
            return task
        await task.save(update_fields=[*fields, "updated_at"])
        if state is not None:
            await record(state, actor, EventKind.TASK_UPDATED, moved, task=_about(task))
            if assignee is not None:
                await _tell_assignee(task, state, assignee, actor)
    return task


async def my_tasks(actor: User, include_done: bool = False) -> list[Task]:
    query = Task.filter(workspace_id=actor.workspace_id, assignee_id=actor.id)
    if not include_done:
        query = query.filter(done=False)
    return await query.order_by("done", "due_at", "id")


async def trigger_task(state: DealState, step: StepNode, actor: User, now: datetime) -> Task | None:
    """The task a completed step's template asks for; inside the completion's transaction."""
    row = step.row
    if row.task_title is None or row.task_assignee is None:
        return None
    workspace = await Workspace.get(id=state.deal.workspace_id)
    assignee_id = state.deal.owner_id if row.task_assignee == TaskAssignee.DEAL_OWNER else actor.id
    assignee = actor if assignee_id == actor.id else await User.get(id=assignee_id)
    task = await Task.create(
        workspace_id=state.deal.workspace_id,
        title=row.task_title,
        due_at=due_in_days(now, row.task_due_in_days or 0, workspace.timezone),
        assignee_id=assignee_id,
        deal_id=state.deal.id,
        created_by_id=actor.id,
        source_step_id=row.id,
    )
    await _announce(task, state, assignee, actor)
    return task
