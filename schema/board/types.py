"""The board and the pipeline statistics as the API shows them: columns with their
count and sums, pages of cards, and statistics (open figures now, closed figures over
a period, per process, stage and owner) counting only the deals the viewer may see."""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import json
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import TypeVar, cast

import strawberry
from strawberry.dataloader import DataLoader

from models import account as rows_account
from models import deal as rows
from resolvers.board import kanban, statistics
from resolvers.board.kanban import BoardScope, CardRequest, ColumnFigures
from resolvers.deals.filters import DealFilter
from resolvers.futures import heard
from resolvers.pagination import Page
from resolvers.processes.tree import StageNode
from resolvers.progress import amount_of_cents
from schema.accounts.types import User
from schema.connections import Connection
from schema.context import Info, Loaders
from schema.deals.types import Deal
from schema.ids import global_id, pk_of
from schema.processes.types import Process, Stage

CardLoader = DataLoader[CardRequest, Page[rows.Deal]]


Figures = dict[int, ColumnFigures]
T = TypeVar("T")
NO_DEALS = ColumnFigures()


class BoardFigures:
    """A board's column figures, known or still on their way. A field that shows one
    answers at once when they are in, and before that with a future that GraphQL
    execution awaits: `BoardQuery.board` hands out a board whose cards are in before
    its figures, so that the cards are executed while the figures' statement runs."""

    __slots__ = ("_coming", "_known")

    def __init__(self, figures: Figures | asyncio.Future[Figures]) -> None:
        self._known = figures if isinstance(figures, dict) else None
        self._coming = None if isinstance(figures, dict) else figures

    def show(self, read: Callable[[Figures], T]) -> T:
        """What `read` makes of the figures; a future of it while they are on their way
        (typed as the value: a field's resolver returns it as one)."""
        known = self._known
        if known is None:
            assert self._coming is not None
            if not self._coming.done():
                return cast(T, self._later(self._coming, read))
            known = self._known = self._coming.result()  # their failure, if they failed
        return read(known)

    @staticmethod
    def _later(coming: asyncio.Future[Figures], read: Callable[[Figures], T]) -> asyncio.Future[T]:
        """A future of its own for each field (one given up leaves the others theirs),
        not a coroutine: a field that is never awaited (a page's total nobody asked
        for) leaves no coroutine unawaited, and GraphQL execution needs no task to await
        it. A failure nobody hears is heard all the same."""
        later: asyncio.Future[T] = asyncio.get_running_loop().create_future()

        def settle(figures: asyncio.Future[Figures]) -> None:
            if later.done():
                return
            if figures.cancelled():
                later.cancel()
                return
            try:
                later.set_result(read(figures.result()))
            except Exception as failure:
                later.set_exception(failure)

        coming.add_done_callback(settle)
        later.add_done_callback(heard)
        return later


def _board_total(figures: Figures) -> ColumnFigures:
    return sum(figures.values(), NO_DEALS)


def card_loader(
    scope: BoardScope, loaders: Loaders, columns: kanban.CardColumns = None
) -> CardLoader:
    """Batches the card pages of every column of one board into one statement, with
    what every card shows (owner, task dot) for all of them at once, so that no card
    waits for a batch of its own: the owners go to the users' loader, and each card's
    row holds what its dot needs (`task_dot.CARD_TASKS`, read by `Deal.task_status`).
    Cards are whole rows, or only their `columns`."""

    async def load(requests: list[CardRequest]) -> list[Page[rows.Deal]]:
        def read(_cards: list[rows.Deal], owners: dict[int, rows_account.User]) -> None:
            loaders.users.prime_many(owners)

        return await kanban.column_cards(scope, requests, read, columns)

    return DataLoader(load_fn=load)


def board_id(process_id: int, deal_filter: DealFilter | None) -> str:
    """A board's id: its process and the filter that shaped it (the same filter, its
    lists in any order, gives the same id), so that a client's cache keeps one entry per
    board it shows and a live event's columns (the unfiltered board's) land on it."""
    shape = ""
    if deal_filter is not None:
        fields = {
            name: sorted(map(str, value)) if isinstance(value, list) else value
            for name, value in dataclasses.asdict(deal_filter).items()
            if value is not None
        }
        shape = json.dumps(fields, sort_keys=True, default=str) if fields else ""
    digest = hashlib.sha256(shape.encode()).hexdigest()[:16] if shape else "all"
    return f"{global_id('Process', process_id)}.{digest}"


@strawberry.type(description="One stage of a board: the viewer's open deals in it.")
class BoardColumn:
    id: strawberry.ID = strawberry.field(
        description="The board's id and the stage's: a column of one filtered board."
    )
    stage: Stage
    stage_id: strawberry.Private[int]
    figures: strawberry.Private[BoardFigures]
    cards: strawberry.Private[CardLoader]

    def _figures(self, figures: Figures) -> ColumnFigures:
        return figures.get(self.stage_id, NO_DEALS)

    @strawberry.field
    def deal_count(self) -> int:
        return self.figures.show(lambda figures: self._figures(figures).deal_count)

    @strawberry.field
    def total_value(self) -> Decimal:
        return self.figures.show(lambda f: amount_of_cents(self._figures(f).value_cents))

    @strawberry.field(description="The sum of the cards' forecasts.")
    def forecast_value(self) -> Decimal:
        return self.figures.show(lambda f: amount_of_cents(self._figures(f).forecast_cents))

    @strawberry.field(description="How many of its deals are rotten.")
    def rotten_count(self) -> int:
        return self.figures.show(lambda figures: self._figures(figures).rotten_count)

    @strawberry.field(
        description="Cards, most recently updated first (20 by default, 100 at most)."
    )
    async def deals(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[Deal]:
        async def request() -> CardRequest:
            return kanban.card_request(self.stage_id, first, after)

        page = await self.cards.load(await request())
        total = self.figures.show(lambda figures: self._figures(figures).deal_count)
        return Connection.of(page, Deal.from_row, total)

    @classmethod
    def of(
        cls, board: str, stage: StageNode, figures: BoardFigures, cards: CardLoader
    ) -> BoardColumn:
        return cls(
            id=strawberry.ID(f"{board}.{global_id('Stage', stage.row.id)}"),
            stage=Stage.from_node(stage),
            stage_id=stage.row.id,
            figures=figures,
            cards=cards,
        )


@strawberry.type(description="A process's open deals by stage, as the viewer may see them.")
class Board:
    id: strawberry.ID = strawberry.field(
        description="The process and the filter that shaped the board (see BoardColumn.id)."
    )
    process: Process
    columns: list[BoardColumn]

    @strawberry.field
    def deal_count(self) -> int:
        return self.figures.show(lambda figures: _board_total(figures).deal_count)

    @strawberry.field
    def total_value(self) -> Decimal:
        return self.figures.show(lambda f: amount_of_cents(_board_total(f).value_cents))

    @strawberry.field
    def forecast_value(self) -> Decimal:
        return self.figures.show(lambda f: amount_of_cents(_board_total(f).forecast_cents))

    currency: str = strawberry.field(description="The workspace's, which every sum is in.")
    event_cursor: str | None = strawberry.field(
        default=None,
        description="Where the workspace's event log stood just before this board was "
        "read: `boardEvents(processId:, after: eventCursor)` then misses no change made "
        "since (an event already shown here may come again: each carries its card and "
        "columns as they are, so applying it twice changes nothing). For admins and "
        "managers; null for anyone else (a salesperson, a wall screen: the log's "
        "position would tell them when changes hidden from them were made), while the "
        "workspace has no events, and on a board that is not an answer of `board`.",
    )
    scope: strawberry.Private[BoardScope]
    figures: strawberry.Private[BoardFigures]

    @strawberry.field(
        description="One column alone, to page its cards (`deals(after:)` applies to it "
        "only, not to every column as in `columns`); null for a stage not on the board."
    )
    async def column(self, info: Info, stage_id: strawberry.ID) -> BoardColumn | None:
        pk = pk_of(stage_id, "Stage")
        if pk is None or self.scope.tree.stage(pk) is None:
            return None
        loaders = await info.context.loaders()
        (found,) = board_columns(self.scope, self.figures, loaders, {pk})
        return found

    @classmethod
    def of(
        cls,
        scope: BoardScope,
        figures: Figures | asyncio.Future[Figures],
        loaders: Loaders,
        currency: str,
        cards: CardLoader | None = None,
        event_cursor: str | None = None,
    ) -> Board:
        """The board of `scope` with every column's `figures` (known or on their way),
        and its cards from `cards` if given."""
        shown = BoardFigures(figures)
        return cls(
            id=strawberry.ID(board_id(scope.tree.row.id, scope.deal_filter)),
            scope=scope,
            figures=shown,
            process=Process.from_tree(scope.tree),
            columns=board_columns(scope, shown, loaders, cards=cards),
            currency=currency,
            event_cursor=event_cursor,
        )


def board_columns(
    scope: BoardScope,
    figures: BoardFigures | Figures,
    loaders: Loaders,
    stage_ids: set[int] | None = None,
    cards: CardLoader | None = None,
) -> list[BoardColumn]:
    """The columns of a board (or those of `stage_ids`), in stage order; their cards
    from `cards` if the board has a loader already."""
    if cards is None:
        cards = card_loader(scope, loaders)
    shown = figures if isinstance(figures, BoardFigures) else BoardFigures(figures)
    board = board_id(scope.tree.row.id, scope.deal_filter)
    return [
        BoardColumn.of(board, stage, shown, cards)
        for stage in scope.tree.stages
        if stage_ids is None or stage.row.id in stage_ids
    ]


OPEN_NOW = "Open deals now (status OPEN), whatever the period"


IN_PERIOD = "closed in the period (closedAt within from..to)"


@strawberry.type(
    description="Figures over a set of deals. Open figures are the open deals now; won, "
    "lost and cancelled ones are those closed in the period. Amounts are exact sums of "
    "the deals' values (and of each deal's forecast as its card shows it)."
)
class Totals:
    open_count: int = strawberry.field(description=f"{OPEN_NOW}.")
    open_value: Decimal = strawberry.field(description=f"{OPEN_NOW}: the sum of their values.")
    forecast_value: Decimal = strawberry.field(
        description=f"{OPEN_NOW}: the sum of their forecast values."
    )
    won_count: int = strawberry.field(description=f"Deals won, {IN_PERIOD}.")
    won_value: Decimal
    lost_count: int = strawberry.field(description=f"Deals lost, {IN_PERIOD}.")
    lost_value: Decimal
    cancelled_count: int = strawberry.field(description=f"Deals cancelled, {IN_PERIOD}.")
    cancelled_value: Decimal

    @classmethod
    def from_totals(cls, totals: statistics.Totals) -> Totals:
        return cls(
            open_count=totals.open_count,
            open_value=amount_of_cents(totals.open_cents),
            forecast_value=amount_of_cents(totals.forecast_cents),
            won_count=totals.won_count,
            won_value=amount_of_cents(totals.won_cents),
            lost_count=totals.lost_count,
            lost_value=amount_of_cents(totals.lost_cents),
            cancelled_count=totals.cancelled_count,
            cancelled_value=amount_of_cents(totals.cancelled_cents),
        )


@strawberry.type(description="One stage of a process: its open deals now, and the period's flow.")
class StageStats:
    stage: Stage
    open_count: int = strawberry.field(description=f"{OPEN_NOW} in this stage.")
    open_value: Decimal
    forecast_value: Decimal
    lost_count: int = strawberry.field(
        description=f"Deals lost at this stage (lostAtStage), {IN_PERIOD}."
    )
    reached_share: float = strawberry.field(
        description="Of the deals created in the period that follow this process now, the "
        "share (0 to 1, 4 decimals) that got at least this far: a won deal went through "
        "every stage, any other deal up to its current stage. 0 when no deal was created."
    )

    @classmethod
    def from_stats(cls, row: statistics.StageStats) -> StageStats:
        return cls(
            stage=Stage.from_node(row.stage),
            open_count=row.open_count,
            open_value=amount_of_cents(row.open_cents),
            forecast_value=amount_of_cents(row.forecast_cents),
            lost_count=row.lost_count,
            reached_share=row.reached_share,
        )


@strawberry.type(
    description="One owner's deals: open now, won and lost in the period. Listed for "
    "every owner of an open deal or of a deal won or lost in the period."
)
class OwnerStats:
    owner: User
    open_count: int
    open_value: Decimal
    won_count: int
    won_value: Decimal
    lost_count: int

    @classmethod
    def from_stats(cls, row: statistics.OwnerStats) -> OwnerStats:
        return cls(
            owner=User.from_row(row.owner),
            open_count=row.open_count,
            open_value=amount_of_cents(row.open_cents),
            won_count=row.won_count,
            won_value=amount_of_cents(row.won_cents),
            lost_count=row.lost_count,
        )


def _owners(rows: list[statistics.OwnerStats]) -> list[OwnerStats]:
    return [OwnerStats.from_stats(row) for row in rows]


@strawberry.type(description="The statistics of one process.")
class ProcessStats:
    process: Process
    totals: Totals
    stages: list[StageStats] = strawberry.field(description="The live stages, in order.")
    by_owner: list[OwnerStats] = strawberry.field(description="Ordered by owner name.")

    @classmethod
    def from_stats(cls, row: statistics.ProcessStats) -> ProcessStats:
        return cls(
            process=Process.from_tree(row.tree),
            totals=Totals.from_totals(row.totals),
            stages=[StageStats.from_stats(s) for s in row.stages],
            by_owner=_owners(row.by_owner),
        )


@strawberry.type(
    description="Statistics over the deals you may see (the trash left out): a deal "
    "hidden from you counts nowhere, in no count and no sum."
)
class PipelineStats:
    from_: date = strawberry.field(
        name="from", description="First day of the period (in the workspace's time zone)."
    )
    to: date = strawberry.field(description="Last day of the period, included.")
    totals: Totals = strawberry.field(description="The sum over `processes`.")
    processes: list[ProcessStats] = strawberry.field(
        description="The process asked for, or every live process, the default first."
    )
    by_owner: list[OwnerStats] = strawberry.field(
        description="Per owner over all of `processes`, ordered by owner name."
    )

    @strawberry.field(description="The workspace's, which every amount is in.")
    async def currency(self, info: Info) -> str:
        return (await (await info.context.loaders()).workspace()).currency

    @classmethod
    def from_stats(cls, row: statistics.PipelineStats) -> PipelineStats:
        return cls(
            from_=row.period.first,
            to=row.period.last,
            totals=Totals.from_totals(row.totals),
            processes=[ProcessStats.from_stats(p) for p in row.processes],
            by_owner=_owners(row.by_owner),
        )
