"""The live side of the API: `boardEvents`, `dealEvents`, `activityEvents` and
`notifications`.

Each subscription asks `subscriptions.feeds` for its stream of changes and wraps each
change in its GraphQL type once per group of subscribers (`schema.live.execution`).
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable
from decimal import Decimal
from typing import TypeVar

import strawberry
from graphql import GraphQLError

from models.account import User as UserRow
from resolvers import access
from resolvers.board.kanban import ColumnFigures
from resolvers.errors import not_found
from resolvers.events.activity import checked
from resolvers.pagination import IdCursor
from resolvers.processes.tree import live_process_exists
from resolvers.progress import amount_of_cents
from resolvers.rate_limits import Limit
from schema.board.types import Board, BoardColumn, board_columns
from schema.context import Context, Info
from schema.deals.types import Deal, DealEvent
from schema.events.activity import Activity, ActivityFilter, activity_filter
from schema.events.types import Notification
from schema.ids import global_id, pk_of
from schema.live.execution import live_delivery, shared_object, stream_opened
from schema.live.personal import asks_who_is_asking
from subscriptions.changes import (
    ActivityChange,
    ActivityTopic,
    BoardChange,
    BoardEventKind,
    BoardTopic,
    Change,
    DealChange,
    DealTopic,
    NotificationChange,
    NotificationTopic,
    Topic,
)
from subscriptions.feeds import HandedOver, SessionEnded, SubscriberTooSlow, too_slow
from subscriptions.sessions import close_ended


@strawberry.type(description="A change on a board, as you see it.")
class BoardEvent:
    cursor: str = strawberry.field(description="Resume `boardEvents(after:)` from here.")
    kind: BoardEventKind
    deal_id: strawberry.ID = strawberry.field(
        description="The deal's id; for PROCESS_CHANGED, the process's id."
    )
    deal: Deal | None = strawberry.field(
        description="The card as it is now (an event replayed after `after:` shows the card "
        "as it is when sent, not as it was at that event); null for DEAL_REMOVED."
    )
    columns: list[BoardColumn] = strawberry.field(
        description="The columns whose count or sums changed, as you see them."
    )
    change: strawberry.Private[BoardChange]

    @strawberry.field(
        description="The board's open deals after the event, as you see them (the whole "
        "unfiltered board, read when the event is sent; 0 once the process is gone)."
    )
    async def deal_count(self, info: Info) -> int:
        return (await self._totals(info)).deal_count

    @strawberry.field(description="The sum of the board's deal values after the event.")
    async def total_value(self, info: Info) -> Decimal:
        return amount_of_cents((await self._totals(info)).value_cents)

    @strawberry.field(description="The sum of the board's deal forecasts after the event.")
    async def forecast_value(self, info: Info) -> Decimal:
        return amount_of_cents((await self._totals(info)).forecast_cents)

    @strawberry.field(
        description="The whole unfiltered board after the event, as you see it, with the "
        "same `id` as `board(processId:)` without a filter: a client cache that keys "
        "objects by `__typename` and `id` updates its totals and columns from it with no "
        "configuration; null once the process is gone. Read when the event is sent, "
        "only if asked for."
    )
    async def board(self, info: Info) -> Board | None:
        found = await self.change.board()
        if found is None:
            return None
        scope, figures = found
        loaders = await info.context.loaders()
        workspace = await loaders.workspace()
        return Board.of(scope, figures, loaders, workspace.currency)

    async def _totals(self, info: Info) -> ColumnFigures:
        found = await self.change.board()
        return sum(found[1].values(), ColumnFigures()) if found is not None else ColumnFigures()


async def _open(
    info: Info,
    viewer: UserRow,
    topic: Topic,
    after: str | None,
    make: Callable[[Change], Awaitable[object]],
) -> AsyncIterator[Change]:
    live = info.context.live
    assert live is not None, "subscriptions run in the app, which opens live updates"
    try:
        await info.context.within_limit(
            Limit.SUBSCRIPTIONS_PER_USER, str(viewer.id), "Too many subscriptions started."
        )
        raw = info._raw_info
        return await live.hub.stream(
            viewer,
            topic,
            after,
            info.context.token,
            live_delivery(make),
            personal=asks_who_is_asking(raw.schema, raw.operation, raw.fragments),
        )
    finally:
        stream_opened()


async def _session_ended(context: Context) -> None:
    """The session ended: the socket closes (4403) before anything more is sent. The
    operation then waits to be cancelled, as the handler does with every operation of a
    closed socket: ending on its own, it would send `complete` on a closed socket."""
    if context.socket is not None:
        await close_ended(context.socket)
        await asyncio.get_running_loop().create_future()


def _too_slow(error: SubscriberTooSlow) -> GraphQLError:
    """Falling behind, as an error that says how to resume."""
    problem = too_slow(error).problems[0]
    return GraphQLError(
        problem.message, extensions={"code": str(problem.code), "cursor": str(error.cursor)}
    )


T = TypeVar("T")


async def _relayed(
    info: Info,
    viewer: UserRow,
    topic: Topic,
    after: str | None,
    make: Callable[[Change], Awaitable[T]],
) -> AsyncGenerator[T, None]:
    """The subscriber's changes (replay from `after`, then live), each made into its
    GraphQL object by `make`; falling behind and the session ending end it as they
    must. Over a socket that can take them, the feed writes the live ones itself
    (`live_delivery`), making them with `make` too: the stream is then handed over
    (`HandedOver`), and its end comes the same way to whoever awaits it."""
    try:
        stream = await _open(info, viewer, topic, after, make)
        async for change in stream:
            yield await make(change)
    except HandedOver as handed:
        handed.ending = functools.partial(_ends, info.context, handed.ending)
        raise
    except (SubscriberTooSlow, SessionEnded) as ended:
        await _ended(info.context, ended)


async def _ends(context: Context, ending: Callable[[], Awaitable[None]]) -> None:
    """A handed-over subscription's end, as its stream would have ended."""
    try:
        await ending()
    except (SubscriberTooSlow, SessionEnded) as ended:
        await _ended(context, ended)


async def _ended(context: Context, ended: SubscriberTooSlow | SessionEnded) -> None:
    """Falling behind ends the subscription with an error that says how to resume; the
    session ending closes the socket."""
    if isinstance(ended, SubscriberTooSlow):
        raise _too_slow(ended) from None
    await _session_ended(context)


async def _shared(context: Context, change: Change, build: Callable[[], T]) -> T:
    """`build()`, once per group of subscribers of the change (`shared_object`)."""

    async def wrap(context: Context) -> T:
        return build()

    made: T = await shared_object(context, change, wrap)
    return made


async def _board_event(context: Context, change: BoardChange) -> BoardEvent:
    async def wrap(context: Context) -> BoardEvent:
        loaders = await context.loaders()
        await loaders.workspace()
        if change.scope is not None:  # the card's process, as the feed read it for the event
            loaders.process_trees.prime(change.scope.tree.row.id, change.scope.tree)
        columns = (
            board_columns(change.scope, change.figures, loaders, set(change.figures))
            if change.scope is not None
            else []
        )
        is_process = change.kind == BoardEventKind.PROCESS_CHANGED
        return BoardEvent(
            cursor=IdCursor.EVENT.of(change.cursor),
            kind=change.kind,
            deal_id=strawberry.ID(
                global_id("Process", change.process_id)
                if is_process or change.deal_id is None
                else global_id("Deal", change.deal_id)
            ),
            deal=Deal.from_row(change.deal) if change.deal is not None else None,
            columns=columns,
            change=change,
        )

    result: BoardEvent = await shared_object(context, change, wrap)
    return result


@strawberry.type
class Subscription:
    @strawberry.subscription(
        description="Changes on one process's board as you see them; `after` resumes."
    )
    async def board_events(
        self, info: Info, process_id: strawberry.ID, after: str | None = None
    ) -> AsyncGenerator[BoardEvent, None]:
        context = info.context  # what `make` keeps: not `info`, which keeps the executor
        actor = await context.actor(together=True)
        pk = pk_of(process_id, "Process")
        if (
            pk is None
            or not access.reads_board(actor, pk)
            or not await live_process_exists(actor.workspace_id, pk)
        ):
            raise not_found("Process", ("processId",))

        async def make(change: Change) -> BoardEvent:
            assert isinstance(change, BoardChange)
            return await _board_event(context, change)

        async for event in _relayed(info, actor, BoardTopic(pk), after, make):
            yield event

    @strawberry.subscription(description="Every change of one deal you may see.")
    async def deal_events(
        self, info: Info, deal_id: strawberry.ID, after: str | None = None
    ) -> AsyncGenerator[DealEvent, None]:
        context = info.context  # what `make` keeps: not `info`, which keeps the executor
        actor = await context.actor(together=True)
        pk = pk_of(deal_id, "Deal")
        visible = (
            pk is not None and await access.visible_deals_and_trash(actor).filter(id=pk).exists()
        )
        if pk is None or not visible:
            raise not_found("Deal", ("dealId",))

        async def make(change: Change) -> DealEvent:
            assert isinstance(change, DealChange)
            return await _shared(context, change, lambda: DealEvent.from_row(change.event))

        async for event in _relayed(info, actor, DealTopic(pk), after, make):
            yield event

    @strawberry.subscription(
        description="The team's activity as it happens, through a filter, about what you "
        "may see as each change left it; `after` resumes."
    )
    async def activity_events(
        self, info: Info, filter: ActivityFilter | None = None, after: str | None = None
    ) -> AsyncGenerator[Activity, None]:
        context = info.context  # what `make` keeps: not `info`, which keeps the executor
        actor = await context.actor(together=True)
        topic = ActivityTopic(checked(activity_filter(filter)))

        async def make(change: Change) -> Activity:
            assert isinstance(change, ActivityChange)
            return await _shared(context, change, lambda: Activity.from_row(change.event))

        async for entry in _relayed(info, actor, topic, after, make):
            yield entry

    @strawberry.subscription(description="Your notifications as they are created.")
    async def notifications(
        self, info: Info, after: str | None = None
    ) -> AsyncGenerator[Notification, None]:
        context = info.context  # what `make` keeps: not `info`, which keeps the executor
        actor = await context.actor(together=True)

        async def make(change: Change) -> Notification:
            assert isinstance(change, NotificationChange)
            return await _shared(
                context, change, lambda: Notification.from_row(change.notification)
            )

        async for notification in _relayed(info, actor, NotificationTopic(), after, make):
            yield notification
