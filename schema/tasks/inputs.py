"""What task mutations take."""

from __future__ import annotations

from datetime import datetime

import strawberry


@strawberry.input
class CreateTaskInput:
    title: str
    due_at: strawberry.Maybe[datetime | None]
    assignee_id: strawberry.Maybe[strawberry.ID | None] = strawberry.field(
        description="Default: you."
    )
    deal_id: strawberry.Maybe[strawberry.ID | None]
    idempotency_key: strawberry.Maybe[str | None] = strawberry.field(
        description="A retry with the same key within 24 hours returns the first task.",
    )


@strawberry.input(description="Fields left out keep their value; a null dueAt clears the due time.")
class UpdateTaskInput:
    id: strawberry.ID
    title: strawberry.Maybe[str | None] = strawberry.field(description="Null keeps the title.")
    due_at: strawberry.Maybe[datetime | None]
    assignee_id: strawberry.Maybe[strawberry.ID | None] = strawberry.field(
        description="An active user of the workspace who may see the task's deal. "
        "Null keeps the assignee.",
    )
