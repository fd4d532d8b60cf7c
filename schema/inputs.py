"""What every input's conversion for the resolvers needs: a field left out told from an
explicit null (`strawberry.Maybe`: None when left out, `Some(value)` when given, the
value possibly null), lists of global ids decoded with their paths, and the input that
names one object by id."""

from __future__ import annotations

from typing import Protocol, TypeVar

import strawberry

from resolvers.validation import KEEP, Keep
from schema.ids import decode_id

T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)


class Given(Protocol[T_co]):
    """A field that was given (`strawberry.Some`), seen covariantly, so that a
    `Some[str | None]` passes where the caller expects a wider value."""

    @property
    def value(self) -> T_co: ...


def given(field: Given[T] | None) -> T | None:
    """The value; left out reads like an explicit null."""
    return field.value if field is not None else None


def kept(field: Given[T] | None) -> T | Keep:
    """Left out keeps the stored value (`KEEP`); an explicit null clears it."""
    return field.value if field is not None else KEEP


def kept_unless_given(field: Given[T | None] | None) -> T | Keep:
    """For a value that cannot be cleared: left out or null keeps it."""
    return field.value if field is not None and field.value is not None else KEEP


def optional_id(
    field: Given[strawberry.ID | None] | None, type_name: str, path: tuple[str, ...] | list[str]
) -> int | None:
    """A global id of `type_name` as a primary key; left out or null: None."""
    raw = given(field)
    return decode_id(raw, type_name, path) if raw is not None else None


def ids(
    field: Given[list[strawberry.ID] | None] | None, type_name: str, path: list[str]
) -> list[int] | None:
    """Global ids of `type_name` as primary keys (left out or null: None); a bad one is
    an error at its index."""
    raw = given(field)
    if raw is None:
        return None
    return [decode_id(r, type_name, [*path, str(i)]) for i, r in enumerate(raw)]


@strawberry.input
class IdInput:
    id: strawberry.ID
    idempotency_key: strawberry.Maybe[str | None] = strawberry.field(
        description="requestDealAccess only: a retry with the same key within 24 hours "
        "returns the first request.",
    )
