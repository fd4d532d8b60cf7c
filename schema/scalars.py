"""How domain enums appear in GraphQL (one `strawberry.enum` per Python enum), and the
DateTime scalar, always UTC."""

from __future__ import annotations

from datetime import UTC, datetime

import strawberry

from models.deal import DealStatus as DealStatusEnum
from resolvers.progress import TaskStatus as TaskStatusEnum

DealStatus = strawberry.enum(
    DealStatusEnum, description="CANCELLED: the project never happened (not lost)."
)
TaskStatus = strawberry.enum(
    TaskStatusEnum, description="A card's dot: open tasks overdue, due today, later, or none."
)


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _parse_datetime(raw: object) -> datetime:
    if not isinstance(raw, str):
        raise ValueError("DateTime must be an ISO 8601 string.")
    return _utc(datetime.fromisoformat(raw))


DateTime = strawberry.scalar(
    name="DateTime",
    description="ISO 8601, answered in UTC. An input's offset is honoured; none means UTC.",
    serialize=lambda moment: _utc(moment).isoformat(),
    parse_value=_parse_datetime,
)
