"""Tasks and access requests, and their root fields."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry import UNSET

from models import deal as deal_rows
from models import task as rows
from resolvers.deals import participation
from resolvers.tasks import editing
from resolvers.validation import KEEP
from schema.account import User, load_user
from schema.connections import Connection
from schema.context import Info
from schema.deal import Deal, load_deal
from schema.errors import UserError, payload_of, read_or_raise
from schema.ids import decode_id, global_id
from schema.node import Node, fetches
from schema.process import IdInput


@strawberry.type
class Task(Node):
    row: strawberry.Private[rows.Task]
    title: str
    due_at: datetime | None
    done: bool
    done_at: datetime | None
    created_at: datetime

    @classmethod
    def from_row(cls, row: rows.Task) -> Task:
        return cls(
            id=strawberry.ID(global_id("Task", row.id)),
            row=row,
            title=row.title,
            due_at=row.due_at,
            done=row.done,
            done_at=row.done_at,
            created_at=row.created_at,
        )

    @strawberry.field
    async def assignee(self, info: Info) -> User:
        return await load_user(info, self.row.assignee_id)

    @strawberry.field(description="Null when there is none or you may not see it.")
    async def deal(self, info: Info) -> Deal | None:
        return await load_deal(info, self.row.deal_id)


AccessRequestStatus = strawberry.enum(deal_rows.AccessRequestStatus, name="AccessRequestStatus")


@strawberry.type(description="Someone asking to take part in a private deal.")
class AccessRequest(Node):
    row: strawberry.Private[deal_rows.AccessRequest]
    status: str = strawberry.field(description="PENDING, GRANTED or DENIED.")
    created_at: datetime

    @classmethod
    def from_row(cls, row: deal_rows.AccessRequest) -> AccessRequest:
        return cls(
            id=strawberry.ID(global_id("AccessRequest", row.id)),
            row=row,
            status=str(row.status),
            created_at=row.created_at,
        )

    @strawberry.field(description="Null until you may see the deal.")
    async def deal(self, info: Info) -> Deal | None:
        return await load_deal(info, self.row.deal_id)

    @strawberry.field
    async def requester(self, info: Info) -> User:
        return await load_user(info, self.row.requester_id)


@fetches("Task")
async def _task_node(info: Info, pk: int) -> Task | None:
    task = await editing.visible_task(await info.context.actor(), pk)
    return Task.from_row(task) if task else None


@fetches("AccessRequest")
async def load_access_request(info: Info, request_id: int | None) -> AccessRequest | None:
    """The request, if its reader made it or may answer it (`participation.readable_request`)."""
    if request_id is None:
        return None
    row = await participation.readable_request(await info.context.actor(), request_id)
    return AccessRequest.from_row(row) if row else None


@strawberry.input
class CreateTaskInput:
    title: str
    due_at: datetime | None = UNSET
    assignee_id: strawberry.ID | None = strawberry.field(default=UNSET, description="Default: you.")
    deal_id: strawberry.ID | None = UNSET
    idempotency_key: str | None = strawberry.field(
        default=UNSET,
        description="A retry with the same key within 24 hours returns the first task.",
    )


@strawberry.input(description="Fields left out keep their value; a null dueAt clears the due time.")
class UpdateTaskInput:
    id: strawberry.ID
    title: str | None = strawberry.field(default=UNSET, description="Null keeps the title.")
    due_at: datetime | None = UNSET
    assignee_id: strawberry.ID | None = strawberry.field(
        default=UNSET,
        description="An active user of the workspace who may see the task's deal. "
        "Null keeps the assignee.",
    )


@strawberry.input
class AnswerAccessRequestInput:
    request_id: strawberry.ID
    grant: bool


@strawberry.type
class TaskPayload:
    task: Task | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class AccessRequestPayload:
    request: AccessRequest | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


def _given(value: object) -> object:
    return None if value is UNSET else value


@strawberry.type
class TaskQuery:
    @strawberry.field(description="Your tasks, open ones first by due time.")
    async def my_tasks(self, info: Info, include_done: bool | None = False) -> list[Task]:
        actor = await info.context.actor()
        return [Task.from_row(t) for t in await editing.my_tasks(actor, bool(include_done))]


@strawberry.type
class AccessRequestQuery:
    @strawberry.field(
        description="The access requests you may answer (on deals you work on), newest "
        "first; PENDING ones unless `status` says otherwise, every one when it is null."
    )
    async def access_requests(
        self,
        info: Info,
        status: AccessRequestStatus | None = deal_rows.AccessRequestStatus.PENDING,  # type: ignore[valid-type]
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[AccessRequest]:
        actor = await info.context.actor()
        page = await read_or_raise(
            lambda: participation.list_access_requests(actor, status, first, after)
        )
        return Connection.of(page, AccessRequest.from_row)


@strawberry.type
class TaskMutation:
    @strawberry.mutation
    async def create_task(self, info: Info, input: CreateTaskInput) -> TaskPayload:
        actor = await info.context.actor()

        async def act() -> TaskPayload:
            new = editing.NewTask(
                title=input.title,
                due_at=_given(input.due_at),  # type: ignore[arg-type]
                assignee_id=decode_id(input.assignee_id, "User", ("input", "assigneeId"))
                if input.assignee_id
                else None,
                deal_id=decode_id(input.deal_id, "Deal", ("input", "dealId"))
                if input.deal_id
                else None,
                idempotency_key=_given(input.idempotency_key),  # type: ignore[arg-type]
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


@strawberry.type
class AccessRequestMutation:
    @strawberry.mutation(description="Ask the owner of a private deal to let you in.")
    async def request_deal_access(self, info: Info, input: IdInput) -> AccessRequestPayload:
        actor = await info.context.actor()

        async def act() -> AccessRequestPayload:
            deal_id = decode_id(input.id, "Deal", ("input", "id"))
            key = _given(input.idempotency_key)
            row = await participation.request_access(actor, deal_id, key)  # type: ignore[arg-type]
            return AccessRequestPayload(request=AccessRequest.from_row(row))

        return await payload_of(act, lambda errors: AccessRequestPayload(errors=errors))

    @strawberry.mutation(description="Granting adds the requester as a participant.")
    async def answer_access_request(
        self, info: Info, input: AnswerAccessRequestInput
    ) -> AccessRequestPayload:
        actor = await info.context.actor()

        async def act() -> AccessRequestPayload:
            request_id = decode_id(input.request_id, "AccessRequest", ("input", "requestId"))
            row = await participation.answer_access_request(actor, request_id, input.grant)
            return AccessRequestPayload(request=AccessRequest.from_row(row))

        return await payload_of(act, lambda errors: AccessRequestPayload(errors=errors))
