"""Your tasks."""

from __future__ import annotations

import strawberry

from resolvers.tasks import editing
from schema.context import Info
from schema.tasks.types import Task


@strawberry.type
class TaskQuery:
    @strawberry.field(description="Your tasks, open ones first by due time.")
    async def my_tasks(self, info: Info, include_done: bool | None = False) -> list[Task]:
        actor = await info.context.actor()
        return [Task.from_row(t) for t in await editing.my_tasks(actor, bool(include_done))]
