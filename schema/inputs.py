"""What every input's conversion for the resolvers needs: a field left out (`UNSET`)
told from an explicit null, lists of global ids decoded with their paths, and the input
that names one object by id."""

from __future__ import annotations

import strawberry
from strawberry import UNSET

from resolvers.validation import KEEP
from schema.ids import decode_id


def given(value: object) -> object:
    """A field left out reads as None, like an explicit null."""
    return None if value is UNSET else value


def kept(value: object) -> object:
    """A field left out keeps the stored value (`KEEP`); an explicit null clears it."""
    return KEEP if value is UNSET else value


def ids(raw: list[strawberry.ID] | None, type_name: str, path: list[str]) -> list[int] | None:
    """Global ids of `type_name` as primary keys; each bad one is an error at its index."""
    if raw is UNSET or raw is None:
        return None
    return [decode_id(r, type_name, [*path, str(i)]) for i, r in enumerate(raw)]


@strawberry.input
class IdInput:
    id: strawberry.ID
    idempotency_key: str | None = strawberry.field(
        default=UNSET,
        description="requestDealAccess only: a retry with the same key within 24 hours "
        "returns the first request.",
    )
