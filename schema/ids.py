"""Relay global ids: opaque (see `resolvers.opaque`), typed, and read back cheaply."""

from __future__ import annotations

from resolvers.errors import not_found
from resolvers.opaque import seal, unseal

MAX_ID_LENGTH = 200


def global_id(type_name: str, pk: int) -> str:
    return seal(type_name, pk)


def parse_global_id(raw: str) -> tuple[str, int] | None:
    """The (type name, primary key) an id names, or None when it names nothing."""
    return unseal(raw) if len(raw) <= MAX_ID_LENGTH else None


def decode_id(raw: str, type_name: str, field: tuple[str, ...] | list[str]) -> int:
    """The primary key behind an id of `type_name`; anything else reads as not found."""
    parsed = parse_global_id(raw)
    if parsed is None or parsed[0] != type_name:
        raise not_found(type_name, field)
    return parsed[1]


def pk_of(raw: str, type_name: str) -> int | None:
    """For reads: the primary key behind an id of `type_name`, or None."""
    parsed = parse_global_id(raw)
    return parsed[1] if parsed is not None and parsed[0] == type_name else None
