"""Creating, changing and completing tasks."""

from __future__ import annotations

import strawberry

from resolvers.tasks import editing
from resolvers.validation import KEEP
from schema.context import Info
from schema.errors import payload_of
from schema.ids import decode_id
from schema.inputs import IdInput, given, kept, kept_unless_given, optional_id
from schema.tasks.inputs import CreateTaskInput, UpdateTaskInput
from schema.tasks.types import Task, TaskPayload


@strawberry.type
class TaskMutation:
    @strawberry.mutation
    async def create_task(self, info: Info, input: CreateTaskInput) -> TaskPayload:
        actor = await info.context.actor()

        async def act() -> TaskPayload:
            new = editing.NewTask(
                title=input.title,
                due_at=given(input.due_at),
                assignee_id=optional_id(input.assignee_id, "User", ("input", "assigneeId")),
                deal_id=optional_id(input.deal_id, "Deal", ("input", "dealId")),
                idempotency_key=given(input.idempotency_key),
            )
            return TaskPayload(task=Task.from_row(await editing.create_task(actor, new)))

        return await payload_of(act, lambda errors: TaskPayload(errors=errors))

    @strawberry.mutation
    async def complete_task(self, info: Info, input: IdInput) -> TaskPayload:
        actor = await info.context.actor()

        async def act() -> TaskPayload:
            task_id = decode_id(input.id, "Task", ("input", "id"))
            return TaskPayload(task=Task.from_row(await editing.complete_task(actor, task_id)))

        return await payload_of(act, lambda errors: TaskPayload(errors=errors))

    @strawberry.mutation(description="Rename, reschedule or reassign an open task.")
    async def update_task(self, info: Info, input: UpdateTaskInput) -> TaskPayload:
        actor = await info.context.actor()

        async def act() -> TaskPayload:
            task_id = decode_id(input.id, "Task", ("input", "id"))
            assignee_id = optional_id(input.assignee_id, "User", ("input", "assigneeId"))
            changes = editing.TaskChanges(
                title=kept_unless_given(input.title),
                due_at=kept(input.due_at),
                assignee_id=KEEP if assignee_id is None else assignee_id,
            )
            task = await editing.update_task(actor, task_id, changes)
            return TaskPayload(task=Task.from_row(task))

        return await payload_of(act, lambda errors: TaskPayload(errors=errors))
