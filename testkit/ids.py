"""Ids as the API answers them."""

from __future__ import annotations

from schema.ids import parse_global_id


def pk(value: str) -> int:
    parsed = parse_global_id(value)
    assert parsed is not None
    return parsed[1]
