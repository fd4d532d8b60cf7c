"""Lists of deals: the `deals` connection, the trash, a user's deals and the cards of a
board column, all keyset-paged by (sort key, id) so that cursors stay stable while
deals change."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from enum import StrEnum
from operator import attrgetter
from typing import Any

from tortoise.expressions import Q
from tortoise.functions import Coalesce
from tortoise.queryset import QuerySet

from models.account import User, Workspace
from models.deal import Deal, DealStatus
from resolvers import access
from resolvers.clock import now_utc
from resolvers.deals.filters import DealFilter, apply_filter, narrowed
from resolvers.errors import Problems
from resolvers.pagination import (
    CursorCodec,
    DateKey,
    IdKey,
    IntKey,
    MomentKey,
    Page,
    page_size,
)
from resolvers.validation import MAX_AMOUNT


class DealOrderField(StrEnum):
    UPDATED_AT = "updated_at"
    CREATED_AT = "created_at"
    VALUE = "value"
    EXPECTED_CLOSE_DATE = "expected_close_date"
    PROBABILITY = "probability"
    DELETED_AT = "deleted_at"


# Deals without an expected close date sort as if due at the end of time.
_NO_DATE = date(9999, 12, 31)
_SORT_COLUMN = {DealOrderField.VALUE: "value_cents"}
MAX_CENTS = int(MAX_AMOUNT * 100)


# The cursor of each order: its sort key's value, then the deal's (sealed) id.
_DEAL_ID = IdKey("Deal")
_CURSORS = {
    DealOrderField.UPDATED_AT: CursorCodec((MomentKey(), _DEAL_ID)),
    DealOrderField.CREATED_AT: CursorCodec((MomentKey(), _DEAL_ID)),
    DealOrderField.DELETED_AT: CursorCodec((MomentKey(), _DEAL_ID)),
    DealOrderField.EXPECTED_CLOSE_DATE: CursorCodec((DateKey(), _DEAL_ID)),
    DealOrderField.VALUE: CursorCodec((IntKey(0, MAX_CENTS), _DEAL_ID)),
    DealOrderField.PROBABILITY: CursorCodec((IntKey(0, 100), _DEAL_ID)),
}


def keyset_query(
    query: QuerySet[Deal],
    order: DealOrderField,
    descending: bool,
    after: str | None,
    limit: int,
) -> QuerySet[Deal]:
    """`query` ordered by (order, id), after the cursor, one row more than a page (the
    extra row tells whether there is a next page)."""
    sort = _SORT_COLUMN.get(order, str(order))
    if order == DealOrderField.EXPECTED_CLOSE_DATE:
        query = query.annotate(sort_key=Coalesce(sort, _NO_DATE))
        sort = "sort_key"
    key = _CURSORS[order].decode(after)
    if key is not None:
        value, last_id = key
        beyond = "lt" if descending else "gt"
        query = query.filter(
            Q(**{f"{sort}__{beyond}": value}) | Q(**{sort: value, f"id__{beyond}": last_id})
        )
    direction = "-" if descending else ""
    return query.order_by(f"{direction}{sort}", f"{direction}id").limit(limit + 1)


def check_cursor(order: DealOrderField, after: str | None) -> None:
    """Refuse a cursor that `keyset_query` would refuse, before any query is built."""
    _CURSORS[order].decode(after)


def keyset_page(
    rows: list[Deal], order: DealOrderField, limit: int, total: int, after: str | None
) -> Page[Deal]:
    """The page of rows fetched by `keyset_query` (after the cursor `after`)."""
    encode, sort_value = _CURSORS[order].encode, _sort_value_of(order)

    def cursor_of(row: Deal) -> str:
        return encode([sort_value(row), row.id])

    return Page(rows[:limit], cursor_of, len(rows) > limit, total, after is not None)


async def list_deals(
    actor: User,
    deal_filter: DealFilter | None = None,
    statuses: list[DealStatus] | None = None,
    process_id: int | None = None,
    order: DealOrderField = DealOrderField.UPDATED_AT,
    descending: bool = True,
    first: int | None = None,
    after: str | None = None,
    trash: bool = False,
) -> Page[Deal]:
    """A page of the deals the actor may see (or of their trash, newest deletion first)."""
    problems = Problems()
    if deal_filter is not None:
        deal_filter.check(problems)
    limit = page_size(first)
    problems.raise_if_any()
    workspace = await Workspace.get(id=actor.workspace_id)
    query = access.visible_trash(actor) if trash else access.visible_deals(actor)
    query = apply_filter(query, deal_filter, now_utc(), workspace.timezone)
    query = narrowed(query, statuses, process_id)
    total = await query.count()
    if trash:
        order = DealOrderField.DELETED_AT
    rows = await keyset_query(query, order, descending, after, limit)
    return keyset_page(rows, order, limit, total, after)


def _sort_value_of(order: DealOrderField) -> Callable[[Deal], Any]:
    """How a deal's sort key is read for `order` (chosen once per page: a board's page
    has 20 cursors)."""
    if order == DealOrderField.EXPECTED_CLOSE_DATE:
        return lambda deal: (
            _NO_DATE if deal.expected_close_date is None else deal.expected_close_date
        )
    return attrgetter(_SORT_COLUMN.get(order, str(order)))
