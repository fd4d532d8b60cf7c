"""How domain enums appear in GraphQL (one `strawberry.enum` per Python enum)."""

from __future__ import annotations

import strawberry

from models.deal import DealStatus as DealStatusEnum
from resolvers.progress import TaskStatus as TaskStatusEnum

DealStatus = strawberry.enum(
    DealStatusEnum, description="CANCELLED: the project never happened (not lost)."
)
TaskStatus = strawberry.enum(
    TaskStatusEnum, description="A card's dot: open tasks overdue, due today, later, or none."
)
