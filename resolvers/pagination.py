"""Cursor pages: typed cursors over a sort key (`CursorCodec`), sealed id cursors
(`IdCursor`), and the page a connection shows."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any, Generic, Protocol, TypeVar

import orjson
from tortoise.models import Model
from tortoise.queryset import QuerySet

from resolvers.errors import ErrorCode, Refused
from resolvers.opaque import seal, unseal

T = TypeVar("T")
M = TypeVar("M", bound=Model)
DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
MAX_CURSOR_LENGTH = 500


@dataclass
class Page(Generic[T]):
    """A page of items. An item's cursor is encoded only when asked for (`cursor_of`):
    a list shown without its edges' cursors (the board app's cards, paged by
    `pageInfo.endCursor`) encodes one or two, not one per item."""

    items: list[T]
    cursor_of: Callable[[T], str]
    has_next_page: bool
    total_count: int
    # Pages are read forwards (`first`/`after`): a page after a cursor has one before it.
    has_previous_page: bool = False

    @property
    def cursors(self) -> list[str]:
        return [self.cursor_of(item) for item in self.items]

    @property
    def start_cursor(self) -> str | None:
        return self.cursor_of(self.items[0]) if self.items else None

    @property
    def end_cursor(self) -> str | None:
        return self.cursor_of(self.items[-1]) if self.items else None


def page_size(first: int | None) -> int:
    if first is None:
        return DEFAULT_PAGE_SIZE
    if not 0 <= first <= MAX_PAGE_SIZE:
        raise Refused.one(
            ErrorCode.VALIDATION, f"first must be between 0 and {MAX_PAGE_SIZE}.", ("first",)
        )
    return first


class IdCursor(StrEnum):
    """What an id cursor is the id of: events (and the history entries that share their
    ids), or notifications. Sealed (`resolvers.opaque`): a gap between two cursors
    tells nothing of other workspaces' or hidden deals' activity."""

    EVENT = "EventCursor"
    NOTIFICATION = "NotificationCursor"
    ACCESS_REQUEST = "AccessRequestCursor"
    LEAD = "LeadCursor"
    DELIVERY = "WebhookDeliveryCursor"

    def of(self, row_id: int) -> str:
        """The cursor of the row with this id."""
        return seal(self.value, row_id)

    def read(self, cursor: str, field: str = "after") -> int:
        """The id behind a cursor of this kind; anything else is `Invalid cursor.`."""
        found = unseal(cursor) if len(cursor) <= MAX_CURSOR_LENGTH else None
        if found is None or found[0] != self.value:
            raise invalid_cursor(field)
        return found[1]


def invalid_cursor(field: str = "after") -> Refused:
    return Refused.one(ErrorCode.VALIDATION, "Invalid cursor.", (field,))


async def newest_first(
    query: QuerySet[M], kind: IdCursor, first: int | None, after: str | None
) -> Page[M]:
    """A page of `query` by descending id; the cursor is the sealed id."""
    limit = page_size(first)
    before = kind.read(after) if after is not None else None
    total = await query.count()
    if before is not None:
        query = query.filter(id__lt=before)
    rows = await query.order_by("-id").limit(limit + 1)
    items = rows[:limit]
    return Page(items, lambda row: kind.of(row.pk), len(rows) > limit, total, before is not None)


class KeyPart(Protocol):
    """One part of a keyset cursor's sort key: how it is written, and read back."""

    def encode(self, value: Any) -> Any:
        """The JSON value for `value`, or a value orjson writes as that JSON."""

    def decode(self, raw: Any) -> Any:
        """The value behind `raw`; ValueError when it is not one this part writes."""


@dataclass(frozen=True)
class IntKey:
    low: int
    high: int

    def encode(self, value: int) -> int:
        return value

    def decode(self, raw: Any) -> int:
        if type(raw) is not int or not self.low <= raw <= self.high:
            raise ValueError(raw)
        return raw


@dataclass(frozen=True)
class MomentKey:
    """An aware datetime, within what every backend stores."""

    def encode(self, value: datetime) -> datetime | str:
        """Its ISO 8601 text; a datetime in UTC as it is, which orjson writes as that
        text (a test compares the two), four times faster than `isoformat`."""
        return value if value.tzinfo is UTC else value.isoformat()

    def decode(self, raw: Any) -> datetime:
        if not isinstance(raw, str) or len(raw) > 40 or not raw.isascii():
            raise ValueError(raw)
        moment = datetime.fromisoformat(raw)
        if moment.tzinfo is None:
            raise ValueError(raw)
        return moment.astimezone(UTC)  # OverflowError at the ends of the calendar


@dataclass(frozen=True)
class DateKey:
    def encode(self, value: date) -> str:
        return value.isoformat()

    def decode(self, raw: Any) -> date:
        if not isinstance(raw, str) or len(raw) != 10 or not raw.isascii():
            raise ValueError(raw)
        return date.fromisoformat(raw)


@dataclass(frozen=True)
class IdKey:
    """A row's id, sealed like global ids (a plain one would tell how many rows exist)."""

    type_name: str

    def encode(self, value: int) -> str:
        return seal(self.type_name, value)

    def decode(self, raw: Any) -> int:
        found = unseal(raw) if isinstance(raw, str) else None
        if found is None or found[0] != self.type_name:
            raise ValueError(raw)
        return found[1]


def _no_constants(name: str) -> Any:
    raise ValueError(name)  # NaN, Infinity: not JSON, and never in our cursors


_URL_SAFE = bytes.maketrans(b"+/", b"-_")


@dataclass(frozen=True)
class CursorCodec:
    """A keyset cursor: its sort key's parts, each typed, as base64 of a JSON list. A
    cursor is checked in full against its parts' types and ranges before any query is
    built: anything else, forged or from another list, is `Invalid cursor.`."""

    parts: tuple[KeyPart, ...]

    def encode(self, values: Sequence[Any]) -> str:
        key = [part.encode(value) for part, value in zip(self.parts, values, strict=True)]
        # orjson writes what `json.dumps` with compact separators writes for these
        # parts (ASCII strings and ints), some ten times faster: a board has 120 cursors.
        # As `base64.urlsafe_b64encode`, without its two calls around these.
        encoded = binascii.b2a_base64(orjson.dumps(key), newline=False)
        return encoded.translate(_URL_SAFE).decode()

    def decode(self, cursor: str | None, field: str = "after") -> list[Any] | None:
        if cursor is None:
            return None
        try:
            if len(cursor) > MAX_CURSOR_LENGTH or not cursor.isascii():
                raise ValueError(cursor)
            key = json.loads(base64.urlsafe_b64decode(cursor), parse_constant=_no_constants)
            if not isinstance(key, list) or len(key) != len(self.parts):
                raise ValueError(cursor)
            return [part.decode(raw) for part, raw in zip(self.parts, key, strict=True)]
        except (binascii.Error, ValueError, ArithmeticError, RecursionError):
            raise invalid_cursor(field) from None
