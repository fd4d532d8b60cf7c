"""Tasks: created by people or by completed steps, completed, listed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from models.account import User, Workspace
from models.process import TaskAssignee
from models.task import Task
from resolvers import access, idempotency
from resolvers.clock import now_utc
from resolvers.deal_state import DealState, load_state
from resolvers.errors import ErrorCode, Problems, Refused, not_found
from resolvers.history import EventKind, record_event
from resolvers.notifications import NotificationKind, notify
from resolvers.process_tree import StepNode
from resolvers.progress import due_in_days


@dataclass(frozen=True)
class NewTask:
    title: str
    due_at: datetime | None = None
    assignee_id: int | None = None
    deal_id: int | None = None
    idempotency_key: str | None = None


async def _announce(task: Task, state: DealState | None, assignee: User, actor: User) -> None:
    if state is None:
        return
    await record_event(
        state.deal, actor, EventKind.TASK_CREATED, task={"id": task.id, "title": task.title}
    )
    await notify(
        state,
        [assignee],
        NotificationKind.TASK_ASSIGNED,
        f'{actor.name} gave you the task "{task.title}" on "{state.deal.name}".',
        actor,
    )


async def create_task(actor: User, new: NewTask) -> Task:
    problems = Problems()
    title = problems.required_text(new.title, ["input", "title"], "Title")
    idempotency.check_key(problems, new.idempotency_key)
    problems.raise_if_any()
    earlier = await idempotency.first_result(actor, "createTask", new.idempotency_key)
    if earlier is not None:
        return await _visible_task(actor, earlier, "idempotencyKey")
    assignee = actor
    if new.assignee_id is not None and new.assignee_id != actor.id:
        found = await User.get_or_none(
            id=new.assignee_id, workspace_id=actor.workspace_id, active=True
        )
        if found is None:
            raise not_found("User", ("input", "assigneeId"))
        assignee = found
    try:
        async with in_transaction():
            state = None
            if new.deal_id is not None:
                deal = (
                    await access.visible_deals(actor)
                    .filter(id=new.deal_id)
                    .select_for_update()
                    .first()
                )
                if deal is None:
                    raise not_found("Deal", ("input", "dealId"))
                state = await load_state(deal)
                access.require(
                    access.can_edit(actor, deal, state.participant_ids),
                    "Only people who work on this deal may give it tasks.",
                )
                if not access.can_see(assignee, deal, state.participant_ids):
                    raise Refused.one(
                        ErrorCode.VALIDATION,
                        "The assignee cannot see this deal: add them as a participant first.",
                        ("input", "assigneeId"),
                    )
            task = await Task.create(
                workspace_id=actor.workspace_id,
                title=title,
                due_at=new.due_at,
                assignee_id=assignee.id,
                deal_id=new.deal_id,
                created_by_id=actor.id,
            )
            await _announce(task, state, assignee, actor)
            await idempotency.remember(actor, "createTask", new.idempotency_key, task.id)
    except IntegrityError:
        earlier = await idempotency.first_result(actor, "createTask", new.idempotency_key)
        if earlier is None:
            raise
        return await _visible_task(actor, earlier, "idempotencyKey")
    return task


async def _visible_task(actor: User, task_id: int, field: str) -> Task:
    task = await access.visible_tasks(actor).filter(id=task_id).first()
    if task is None:
        raise not_found("Task", ("input", field))
    return task


async def visible_task(actor: User, task_id: int) -> Task | None:
    return await access.visible_tasks(actor).filter(id=task_id).first()


async def complete_task(actor: User, task_id: int) -> Task:
    async with in_transaction():
        task = await access.visible_tasks(actor).filter(id=task_id).select_for_update().first()
        if task is None:
            raise not_found("Task", ("input", "id"))
        if task.done:
            return task
        state = None
        if task.deal_id is not None:
            deal = await access.visible_deals_and_trash(actor).filter(id=task.deal_id).first()
            state = await load_state(deal) if deal else None
        allowed = (
            task.assignee_id == actor.id
            or task.created_by_id == actor.id
            or (state is not None and access.can_edit(actor, state.deal, state.participant_ids))
        )
        access.require(allowed, "Only the assignee, its author or people on the deal may do this.")
        task.done, task.done_at = True, now_utc()
        await task.save(update_fields=["done", "done_at", "updated_at"])
        if state is not None:
            await record_event(
                state.deal,
                actor,
                EventKind.TASK_COMPLETED,
                task={"id": task.id, "title": task.title},
            )
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
