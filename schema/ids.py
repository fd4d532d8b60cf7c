"""Relay global ids: base64 of "Type:pk", opaque to clients."""

from __future__ import annotations

import base64
import binascii

from resolvers.errors import not_found

MAX_ID_LENGTH = 200
# Primary keys are 32-bit: a larger number names nothing (and PostgreSQL would refuse it).
MAX_PK = 2**31 - 1


def global_id(type_name: str, pk: int) -> str:
    return base64.b64encode(f"{type_name}:{pk}".encode()).decode()


def parse_global_id(raw: str) -> tuple[str, int] | None:
    """The (type name, primary key) an id names, or None when it names nothing."""
    if len(raw) > MAX_ID_LENGTH:
        return None
    try:
        decoded = base64.b64decode(raw, validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None
    type_name, sep, pk = decoded.partition(":")
    if not sep or not pk.isascii() or not pk.isdigit() or len(pk) > 10 or int(pk) > MAX_PK:
        return None
    return type_name, int(pk)


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
