"""What task mutations take."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry import UNSET


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
