"""The Kanban board: one process, a column per stage, the open deals the viewer may see.

A board costs the same few SQL statements whatever its size: one grouped aggregate for
every column's count and sums, and one UNION ALL statement for the cards of all the
columns an operation asks for, each card with what its task dot needs and its owner,
and with only the columns a card usually shows when those are all the operation's
cards need (`card_columns`: 15 of a deal's 29).
Sums are exact: they add the integer cents kept on each deal, so a column's forecast is
the sum of what its cards show.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Any, Literal

from tortoise.functions import Count, Sum
from tortoise.queryset import QuerySet, ValuesQuery

from models.account import User
from models.deal import Deal, DealStatus
from resolvers import access
from resolvers.accounts.users import SHOWN_COLUMNS, in_workspace
from resolvers.deals.filters import DealFilter, apply_filter
from resolvers.deals.lists import DealOrderField, check_cursor, keyset_page, keyset_query
from resolvers.errors import Problems, not_found
from resolvers.pagination import Page, page_size
from resolvers.processes.tree import ProcessTree, load_process_tree
from resolvers.rotting import rotten_if_open
from resolvers.row_reader import Related
from resolvers.sql_union import fetch_rendered, fetch_union, fetch_union_over
from resolvers.statements import Shaping, Statement
from resolvers.task_dot import CARD_TASKS

# Cards of a column: most recently updated first.
CARD_ORDER = DealOrderField.UPDATED_AT


@dataclass(frozen=True)
class ColumnFigures:
    deal_count: int = 0
    value_cents: int = 0
    forecast_cents: int = 0
    rotten_count: int = 0

    def __add__(self, other: ColumnFigures) -> ColumnFigures:
        return ColumnFigures(
            self.deal_count + other.deal_count,
            self.value_cents + other.value_cents,
            self.forecast_cents + other.forecast_cents,
            self.rotten_count + other.rotten_count,
        )

    @classmethod
    def of_row(cls, row: dict[str, Any]) -> ColumnFigures:
        """From a row of `_sums` (a sum over no rows is NULL)."""
        return cls(
            int(row["deal_count"]),
            int(row["value_sum"] or 0),
            int(row["forecast_sum"] or 0),
            int(row["rotten_count"] or 0),
        )


_FIGURES = ("deal_count", "value_sum", "forecast_sum", "rotten_count")


def _sums(now: datetime) -> dict[str, Any]:
    """The aggregates behind a column's figures, in one grouped statement, over deals
    known to be open and not deleted (a board's: `rotten_if_open` counts on it)."""
    return {
        "deal_count": Count("id"),
        "value_sum": Sum("value_cents"),
        "forecast_sum": Sum("forecast_cents"),
        "rotten_count": Count("id", _filter=rotten_if_open(now)),
    }


@dataclass(frozen=True)
class CardRequest:
    """One column's page of cards: stage id, page size and cursor."""

    stage_id: int
    first: int
    after: str | None


@dataclass(frozen=True)
class BoardScope:
    """What one viewer's board shows: their visible open deals of a process, filtered."""

    viewer: User
    tree: ProcessTree
    deal_filter: DealFilter | None
    now: datetime
    timezone: str

    def deals(self) -> QuerySet[Deal]:
        viewer = self.viewer
        query = _board_deals(
            access.sees_every_deal(viewer), viewer.workspace_id, viewer.id, self.tree.row.id
        )
        return apply_filter(query, self.deal_filter, self.now, self.timezone)


def _board_deals(
    every_deal: bool, workspace_id: int, viewer_id: int, process_id: int
) -> QuerySet[Deal]:
    """The deals a viewer's unfiltered board shows, from plain values (the statements
    below are made of it): the open deals of its process that the viewer may see."""
    deals = access.visible_deals_of(workspace_id, viewer_id, every_deal)
    return _open_deals(deals, process_id)


def _open_deals(deals: QuerySet[Deal], process_id: int) -> QuerySet[Deal]:
    """A board's deals among `deals`: its process's open ones."""
    return deals.filter(process_id=process_id, status=DealStatus.OPEN)


def _figures_of(
    every_deal: bool,
    workspace_id: int,
    viewer_id: int,
    process_id: int,
    stage_ids: list[int] | None,
    now: datetime,
) -> ValuesQuery[Literal[False]]:
    """`column_figures` of an unfiltered board (or of its `stage_ids`), from plain
    values (rendered once)."""
    deals = _board_deals(every_deal, workspace_id, viewer_id, process_id)
    if stage_ids is not None:
        deals = deals.filter(stage_id__in=stage_ids)
    return _grouped(deals, now)


def _grouped(deals: QuerySet[Deal], now: datetime, *by: str) -> ValuesQuery[Literal[False]]:
    """The figures of `deals` per stage (and per each of `by`)."""
    grouped = deals.annotate(**_sums(now)).group_by("stage_id", *by)
    return grouped.values("stage_id", *by, *_FIGURES)


_FIGURES_OF = Statement(_figures_of)


# A card's owner, read with it (`card_owners`) as the users' loader reads users.
_OWNER = Related(User, "owner", SHOWN_COLUMNS)

# The columns a card is read with whatever it shows: its key, its place in its column
# and its cursor (`CARD_ORDER`), its owner (`card_owners`) and its workspace (what a
# deal row is read with wherever it goes: `Deal`'s process and stage read it too).
CARD_KEY_COLUMNS = frozenset({"id", "updated_at", "owner_id", "workspace_id"})

# The columns of a card as boards usually show it (the board app's card, the
# benchmark's): its name, company, amounts, rotting, stage and process. A board whose
# cards need no more reads these alone, any other whole rows: two column sets, however
# many documents differ in their cards' fields (a column set per document would be a
# layout of the cards' statement for each; a layout is still a viewer kind, a page size
# and a number of stages, and `Statement` keeps the layouts used last).
CARD_COLUMNS = CARD_KEY_COLUMNS | {
    "name",
    "company",
    "value",
    "currency",
    "probability",
    "forecast_cents",
    "rots_at",
    "status",
    "deleted_at",
    "stage_id",
    "process_id",
}

# The columns of the cards a board shows: None for whole rows, or `CARD_COLUMNS` (each
# card then a partial row: `row_reader.RowReader.at`), in the model's order.
CardColumns = tuple[str, ...] | None


def card_columns(shown: Collection[str]) -> CardColumns:
    """The columns cards showing what needs `shown` (columns of a deal) are read with:
    `CARD_COLUMNS` if they hold them, else None (whole rows)."""
    columns = Deal._meta.fields_db_projection
    if not set(shown) <= columns.keys():
        raise ValueError(f"not columns of a deal: {sorted(set(shown) - columns.keys())}")
    if not set(shown) <= CARD_COLUMNS:
        return None
    return tuple(name for name in columns if name in CARD_COLUMNS)


def _cards(deals: QuerySet[Deal], stage_id: int, columns: CardColumns = None) -> QuerySet[Deal]:
    """A column's cards among a board's `deals` (with only `columns` if given), with
    what their task dots need and their owners."""
    cards = deals.filter(stage_id=stage_id)
    if columns is not None:
        cards = cards.only(*columns)
    return cards.annotate(**CARD_TASKS, **_OWNER.annotations())


def card_owners(cards: list[Deal], workspace_id: int) -> dict[int, User]:
    """The owners of `cards` read with them (`_cards`), by id: those of the viewer's
    workspace only (`users.in_workspace`)."""
    owners: dict[int, User | None] = {}
    for card in cards:
        if card.owner_id not in owners:
            owners[card.owner_id] = _OWNER.read(card)
    return in_workspace(workspace_id, filter(None, owners.values()))


def _first_cards_of(
    every_deal: bool,
    workspace_id: int,
    viewer_id: int,
    process_id: int,
    stage_id: int,
    first: int,
    columns: CardColumns,
) -> QuerySet[Deal]:
    """A column's first page of an unfiltered board, from plain values (rendered once)."""
    deals = _board_deals(every_deal, workspace_id, viewer_id, process_id)
    return keyset_query(_cards(deals, stage_id, columns), CARD_ORDER, True, None, first)


_FIRST_CARDS_OF = Statement(_first_cards_of)


async def _first_pages(
    scope: BoardScope, stage_ids: list[int], first: int, columns: CardColumns
) -> list[list[Deal]] | None:
    """The first pages of an unfiltered board's columns in one statement, from the
    text kept for them (`_FIRST_CARDS_OF`); None for a filtered board, or while their
    text is not kept."""
    if scope.deal_filter is not None or not stage_ids:
        return None
    viewer = scope.viewer
    every_deal, page, read = access.sees_every_deal(viewer), Shaping(first), Shaping(columns)
    shape = (every_deal, viewer.workspace_id, viewer.id, scope.tree.row.id)
    rendered = [_FIRST_CARDS_OF.rendered(*shape, stage_id, page, read) for stage_id in stage_ids]
    if any(part is None for part in rendered):
        return None
    return await fetch_rendered(
        _first_cards_of(*shape, stage_ids[0], first, columns), [part for part in rendered if part]
    )


async def board_scope(
    viewer: User,
    process_id: int,
    deal_filter: DealFilter | None,
    now: datetime,
    timezone: str,
) -> BoardScope:
    """The scope of a board; an unknown or another workspace's process is NOT_FOUND, and
    so is any but its own for a display token."""
    problems = Problems()
    if deal_filter is not None:
        deal_filter.check(problems)
    problems.raise_if_any()
    if not access.reads_board(viewer, process_id):
        raise not_found("Process", ("processId",))
    tree = await load_process_tree(viewer.workspace_id, process_id)
    if tree is None:
        raise not_found("Process", ("processId",))
    return BoardScope(viewer, tree, deal_filter, now, timezone)


async def column_figures(
    scope: BoardScope, stage_ids: Collection[int] | None = None
) -> dict[int, ColumnFigures]:
    """Count, value and forecast of every column (or of `stage_ids`), one statement."""
    if scope.deal_filter is None:
        viewer = scope.viewer
        rows = await _FIGURES_OF.all(
            access.sees_every_deal(viewer),
            viewer.workspace_id,
            viewer.id,
            scope.tree.row.id,
            None if stage_ids is None else sorted(stage_ids),
            scope.now,
        )
    else:
        query = scope.deals()
        if stage_ids is not None:
            query = query.filter(stage_id__in=list(stage_ids))
        rows = await _grouped(query, scope.now)
    return {
        row["stage_id"]: ColumnFigures.of_row(row)
        for row in rows
        if scope.tree.stage(row["stage_id"])
    }


async def figures_by_salesperson(
    workspace_id: int,
    process_id: int,
    stage_ids: Collection[int],
    salespeople: Collection[int],
    now: datetime,
) -> dict[int, dict[int, ColumnFigures]]:
    """Column figures of `stage_ids` (open deals, no filter) as each of `salespeople`
    sees them: three statements, whatever their number (`access.salespeople_sight`).
    The live feed needs them for every salesperson watching a board, on every event."""
    stages, people = list(stage_ids), list(salespeople)
    found: dict[int, dict[int, ColumnFigures]] = {
        person: dict.fromkeys(stages, ColumnFigures()) for person in people
    }
    if not stages or not people:
        return found
    public, owned, taking_part = [
        await _SIGHT_FIGURES.all(sight, workspace_id, process_id, stages, people, now)
        for sight in Sight
    ]
    for row in public:
        for person in people:
            _add(found[person], row)
    for row in owned:
        _add(found[row["owner_id"]], row)
    for row in taking_part:
        person = row["participants__user_id"]
        if person != row["owner_id"]:  # already theirs by ownership
            _add(found[person], row)
    return found


class Sight(Enum):
    """Why salespeople see deals (`access.salespeople_sight`), in its order."""

    PUBLIC = 0
    OWNED = 1
    TAKING_PART = 2


def _sight_figures(
    sight: Sight,
    workspace_id: int,
    process_id: int,
    stage_ids: list[int],
    salespeople: list[int],
    now: datetime,
) -> ValuesQuery[Literal[False]]:
    """The column figures of one part of `access.salespeople_sight` (rendered once)."""
    live = access.workspace_deals(workspace_id).filter(deleted_at=None, stage_id__in=stage_ids)
    deals = access.salespeople_sight(_open_deals(live, process_id), salespeople)[sight.value]
    if sight is Sight.PUBLIC:
        return _grouped(deals, now)
    if sight is Sight.OWNED:
        return _grouped(deals, now, "owner_id")
    return _grouped(deals, now, "owner_id", "participants__user_id")


_SIGHT_FIGURES = Statement(_sight_figures)


def _add(figures: dict[int, ColumnFigures], row: dict[str, Any]) -> None:
    stage_id = row["stage_id"]
    figures[stage_id] = figures[stage_id] + ColumnFigures.of_row(row)


def card_request(stage_id: int, first: int | None, after: str | None) -> CardRequest:
    """A column's page request, checked before it joins a batch (a bad page size or
    cursor is refused for that column alone)."""
    limit = page_size(first)
    check_cursor(CARD_ORDER, after)
    return CardRequest(stage_id, limit, after)


async def column_cards(
    scope: BoardScope,
    requests: Sequence[CardRequest],
    read: Callable[[list[Deal], dict[int, User]], object] | None = None,
    columns: CardColumns = None,
) -> list[Page[Deal]]:
    """The pages of cards of several columns, with their owners, in one statement; the
    cards and their owners (by id) go to `read` too. Cards are whole rows, or partial
    ones of `columns` (`card_columns`). A page's `total_count` is left at 0: a column's
    total is its count among the board's figures (`column_figures`), which a board
    reads beside its cards (`schema.board`)."""
    wanted = [request for request in requests if request.first > 0]

    def cards(request: CardRequest, stage_id: int) -> QuerySet[Deal]:
        query = _cards(scope.deals(), stage_id, columns)
        return keyset_query(query, CARD_ORDER, True, request.after, request.first)

    if wanted and all(r.after is None and r.first == wanted[0].first for r in wanted):
        # A board's first pages: one query whose only difference is the stage.
        stage_ids = [r.stage_id for r in wanted]
        pages = await _first_pages(scope, stage_ids, wanted[0].first, columns)
        if pages is None:
            pages = await fetch_union_over(lambda stage_id: cards(wanted[0], stage_id), stage_ids)
    else:
        pages = await fetch_union([cards(r, r.stage_id) for r in wanted])
    rows = dict(zip(wanted, pages, strict=True))
    made = [
        keyset_page(rows.get(request, []), CARD_ORDER, request.first, 0, request.after)
        for request in requests
    ]
    if read is not None:
        shown = [deal for page in made for deal in page.items]
        read(shown, card_owners(shown, scope.viewer.workspace_id))
    return made
