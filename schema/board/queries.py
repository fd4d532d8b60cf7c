"""The board and the statistics."""

from __future__ import annotations

import asyncio
from datetime import date
from typing import Annotated, Any, cast

import strawberry

from resolvers import access
from resolvers.board import kanban, statistics
from resolvers.board.kanban import BoardScope
from resolvers.clock import now_utc
from resolvers.events import log
from resolvers.futures import heard, started
from resolvers.pagination import IdCursor
from schema.board.prefetch import card_fields, foreseen_card_requests, may_select
from schema.board.types import Board, PipelineStats, card_loader
from schema.context import Info
from schema.deals.inputs import BoardFilter, deal_filter
from schema.deals.types import columns_read
from schema.ids import decode_id


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

        # The log's position is read before the board (beside its process), so that
        # subscribing from it misses nothing the board does not show.
        if access.sees_whole_log(actor) and may_select(info._raw_info, "eventCursor"):
            found, position = await asyncio.gather(scope(), log.latest_event_id(actor.workspace_id))
        else:
            found, position = await scope(), 0
        # The figures and the cards the document asks for, both under way at once
        # (`schema.board.prefetch`). Whichever is in first, the board goes on: with its
        # cards first, they are executed while the figures' statement runs, and the
        # fields that show figures wait for them (`BoardFigures`).
        figures = started(kanban.column_figures(found))
        cards = card_loader(found, loaders, _card_columns(info))
        stage_ids = [stage.row.id for stage in found.tree.stages]
        foreseen = [
            cast(asyncio.Future[Any], cards.load(request))  # DataLoader's are futures
            for request in foreseen_card_requests(info._raw_info, stage_ids)
        ]
        for page in foreseen:
            page.add_done_callback(heard)
        if foreseen:  # one batch: the first page is in when they all are
            either: list[asyncio.Future[Any]] = [figures, foreseen[0]]
            await asyncio.wait(either, return_when=asyncio.FIRST_COMPLETED)
        return Board.of(
            found,
            await figures if figures.done() or not foreseen else figures,
            loaders,
            workspace.currency,
            cards,
            IdCursor.EVENT.of(position) if position else None,
        )


def _card_columns(info: Info) -> kanban.CardColumns:
    """The columns the board's cards are read with: `kanban.CARD_COLUMNS` when the
    fields its document may select on them (`prefetch.card_fields`) read no others, else
    whole rows (None)."""
    fields = card_fields(info._raw_info)
    shown = None if fields is None else columns_read(fields)
    return None if shown is None else kanban.card_columns(shown)


@strawberry.type
class StatsQuery:
    @strawberry.field(
        description="Pipeline statistics over the deals you may see. The period is `from` "
        "to `to`, both included, whole days in the workspace's time zone; `to` defaults to "
        "today and `from` to 29 days before `to`. `from` after `to`, or a period longer "
        "than 3 years (`from` earlier than `to` three years back), is a VALIDATION error. "
        "With `processId`, that process only (an unknown id is a NOT_FOUND error); "
        "without, every live process of the workspace."
    )
    async def pipeline_stats(
        self,
        info: Info,
        process_id: strawberry.ID | None = None,
        from_: Annotated[date | None, strawberry.argument(name="from")] = None,
        to: date | None = None,
    ) -> PipelineStats:
        actor = await info.context.actor()
        found = await statistics.pipeline_stats(
            actor,
            decode_id(process_id, "Process", ("processId",)) if process_id is not None else None,
            from_,
            to,
        )
        return PipelineStats.from_stats(found)
