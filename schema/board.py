"""The Kanban board: columns with their count and sums, and pages of cards."""

from __future__ import annotations

from decimal import Decimal

import strawberry
from strawberry.dataloader import DataLoader

from models import deal as rows
from resolvers.board import kanban
from resolvers.board.kanban import BoardScope, CardRequest, ColumnFigures
from resolvers.clock import now_utc
from resolvers.pagination import Page
from resolvers.processes.tree import StageNode
from resolvers.progress import amount_of_cents
from schema.connections import Connection
from schema.context import Info, Loaders
from schema.deal import Deal
from schema.deal_fields import BoardFilter, deal_filter
from schema.errors import read_or_raise
from schema.ids import decode_id
from schema.process import Process, Stage

CardLoader = DataLoader[CardRequest, Page[rows.Deal]]


def card_loader(
    scope: BoardScope, figures: dict[int, ColumnFigures], loaders: Loaders
) -> CardLoader:
    """Batches the card pages of every column of one board into one statement, and
    loads what every card shows (owner, task dot) for all of them at once, so that no
    card waits for a batch of its own."""

    async def load(requests: list[CardRequest]) -> list[Page[rows.Deal]]:
        pages = await kanban.column_cards(scope, requests, figures)
        cards = [deal for page in pages for deal in page.items]
        loaders.open_task_dues.prime_many({deal.id: kanban.open_task_dues(deal) for deal in cards})
        await loaders.users.load_many(list({deal.owner_id for deal in cards}))
        return pages

    return DataLoader(load_fn=load)


@strawberry.type(description="One stage of a board: the viewer's open deals in it.")
class BoardColumn:
    stage: Stage
    deal_count: int
    total_value: Decimal
    forecast_value: Decimal = strawberry.field(description="The sum of the cards' forecasts.")
    stage_id: strawberry.Private[int]
    cards: strawberry.Private[CardLoader]

    @strawberry.field(
        description="Cards, most recently updated first (20 by default, 100 at most)."
    )
    async def deals(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[Deal]:
        async def request() -> CardRequest:
            return kanban.card_request(self.stage_id, first, after)

        page = await self.cards.load(await read_or_raise(request))
        return Connection.of(page, Deal.from_row)

    @classmethod
    def of(cls, stage: StageNode, figures: ColumnFigures, cards: CardLoader) -> BoardColumn:
        return cls(
            stage=Stage.from_node(stage),
            deal_count=figures.deal_count,
            total_value=amount_of_cents(figures.value_cents),
            forecast_value=amount_of_cents(figures.forecast_cents),
            stage_id=stage.row.id,
            cards=cards,
        )


@strawberry.type(description="A process's open deals by stage, as the viewer may see them.")
class Board:
    process: Process
    columns: list[BoardColumn]
    deal_count: int
    total_value: Decimal
    forecast_value: Decimal


def board_columns(
    scope: BoardScope,
    figures: dict[int, ColumnFigures],
    loaders: Loaders,
    stage_ids: set[int] | None = None,
) -> list[BoardColumn]:
    """The columns of a board (or those of `stage_ids`), in stage order."""
    cards = card_loader(scope, figures, loaders)
    return [
        BoardColumn.of(stage, figures.get(stage.row.id, ColumnFigures()), cards)
        for stage in scope.tree.stages
        if stage_ids is None or stage.row.id in stage_ids
    ]


@strawberry.type
class BoardQuery:
    @strawberry.field(
        description="One process's board: a column per stage, open deals you may see."
    )
    async def board(
        self, info: Info, process_id: strawberry.ID, filter: BoardFilter | None = None
    ) -> Board:
        actor = await info.context.actor()
        loaders = await info.context.loaders()
        workspace = await loaders.workspace()

        async def scope() -> BoardScope:
            return await kanban.board_scope(
                actor,
                decode_id(process_id, "Process", ("processId",)),
                deal_filter(filter),
                now_utc(),
                workspace.timezone,
            )

        found = await read_or_raise(scope)
        figures = await kanban.column_figures(found)
        total = sum(figures.values(), ColumnFigures())
        return Board(
            process=Process.from_tree(found.tree),
            columns=board_columns(found, figures, loaders),
            deal_count=total.deal_count,
            total_value=amount_of_cents(total.value_cents),
            forecast_value=amount_of_cents(total.forecast_cents),
        )
