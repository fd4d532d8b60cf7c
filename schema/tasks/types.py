"""Tasks as the API shows them."""

from __future__ import annotations

from datetime import datetime

import strawberry

from models import task as rows
from resolvers.tasks import editing
from schema.accounts.types import User, load_user
from schema.context import Info
from schema.deals.types import Deal, load_deal
from schema.errors import UserError
from schema.ids import global_id
from schema.node import Node, fetches


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


@fetches("Task")
async def _task_node(info: Info, pk: int) -> Task | None:
    task = await editing.visible_task(await info.context.actor(), pk)
    return Task.from_row(task) if task else None


@strawberry.type
class TaskPayload:
    task: Task | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)
