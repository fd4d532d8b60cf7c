"""Creating, changing and completing tasks."""

from __future__ import annotations

import strawberry
from strawberry import UNSET

from resolvers.tasks import editing
from resolvers.validation import KEEP
from schema.context import Info
from schema.errors import payload_of
from schema.ids import decode_id
from schema.inputs import IdInput, given
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
                due_at=given(input.due_at),  # type: ignore[arg-type]
                assignee_id=decode_id(input.assignee_id, "User", ("input", "assigneeId"))
                if input.assignee_id
                else None,
                deal_id=decode_id(input.deal_id, "Deal", ("input", "dealId"))
                if input.deal_id
                else None,
                idempotency_key=given(input.idempotency_key),  # type: ignore[arg-type]
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
            changes = editing.TaskChanges(
                title=KEEP if input.title is UNSET or input.title is None else input.title,
                due_at=KEEP if input.due_at is UNSET else input.due_at,
                assignee_id=decode_id(input.assignee_id, "User", ("input", "assigneeId"))
                if input.assignee_id
                else KEEP,
            )
            task = await editing.update_task(actor, task_id, changes)
            return TaskPayload(task=Task.from_row(task))

        return await payload_of(act, lambda errors: TaskPayload(errors=errors))
