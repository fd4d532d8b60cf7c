"""Cursor pages: opaque cursors over a sort key, and the page a connection shows."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from tortoise.models import Model
from tortoise.queryset import QuerySet

from resolvers.errors import ErrorCode, Refused

T = TypeVar("T")
M = TypeVar("M", bound=Model)
DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100


@dataclass
class Page(Generic[T]):
    items: list[T]
    cursors: list[str]
    has_next_page: bool
    total_count: int

    @property
    def end_cursor(self) -> str | None:
        return self.cursors[-1] if self.cursors else None


def page_size(first: int | None) -> int:
    if first is None:
        return DEFAULT_PAGE_SIZE
    if not 0 <= first <= MAX_PAGE_SIZE:
        raise Refused.one(
            ErrorCode.VALIDATION, f"first must be between 0 and {MAX_PAGE_SIZE}.", ("first",)
        )
    return first


def parse_id_cursor(cursor: str, field: str = "after") -> int:
    """A cursor that is an id (events, notifications): digits, nothing else."""
    if not cursor.isascii() or not cursor.isdigit() or len(cursor) > 18:
        raise Refused.one(ErrorCode.VALIDATION, "Invalid cursor.", (field,))
    return int(cursor)


async def newest_first(query: QuerySet[M], first: int | None, after: str | None) -> Page[M]:
    """A page of `query` by descending id; the cursor is the id (events, notifications)."""
    limit = page_size(first)
    total = await query.count()
    if after is not None:
        query = query.filter(id__lt=parse_id_cursor(after))
    rows = await query.order_by("-id").limit(limit + 1)
    items = rows[:limit]
    return Page(items, [str(row.pk) for row in items], len(rows) > limit, total)


def encode_cursor(key: Sequence[Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(list(key), default=str).encode()).decode()


def decode_cursor(cursor: str | None, length: int) -> list[Any] | None:
    """The sort key behind a cursor; a cursor that is not ours is a VALIDATION error."""
    if cursor is None:
        return None
    try:
        key = json.loads(base64.urlsafe_b64decode(cursor.encode()))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        key = None
    if not isinstance(key, list) or len(key) != length:
        raise Refused.one(ErrorCode.VALIDATION, "Invalid cursor.", ("after",))
    return key
