"""What one event means to one group of subscribers: the board change, the deal event,
the notification. A group is everyone who would get the same answer (all managers and
admins of a workspace; each salesperson alone), and its change is built once per event,
whatever the number of sockets in the group.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable, Iterable, Set
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Literal, TypeVar

from tortoise.queryset import QuerySet, ValuesQuery

from models.account import User, Workspace
from models.deal import Deal, DealParticipant
from models.event import Event, EventKind, Notification
from resolvers import access
from resolvers.board.kanban import BoardScope, ColumnFigures, column_figures, figures_by_salesperson
from resolvers.clock import now_utc
from resolvers.events.activity import ActivityFilter, sees_event
from resolvers.events.log import BoardFacts, facts_of
from resolvers.futures import shared_result, started
from resolvers.processes.tree import ProcessTree, load_process_tree
from resolvers.statements import Statement

T = TypeVar("T")


class BoardEventKind(StrEnum):
    DEAL_ADDED = "DEAL_ADDED"
    DEAL_UPDATED = "DEAL_UPDATED"
    DEAL_MOVED = "DEAL_MOVED"
    DEAL_REMOVED = "DEAL_REMOVED"
    PROCESS_CHANGED = "PROCESS_CHANGED"


@dataclass(frozen=True)
class BoardTopic:
    process_id: int


@dataclass(frozen=True)
class DealTopic:
    deal_id: int


@dataclass(frozen=True)
class NotificationTopic:
    pass


@dataclass(frozen=True)
class ActivityTopic:
    """The team's activity through a filter (subscribers with one filter share it)."""

    activity_filter: ActivityFilter


Topic = BoardTopic | DealTopic | NotificationTopic | ActivityTopic


def group_of(viewer: User, topic: Topic, personal: bool = False) -> Hashable:
    """Subscribers with the same group get the same answer to every event. `personal`:
    the subscriber's document asks for what only its viewer's answer can say
    (`schema.live.personal`), so it is a group of one whoever the viewer."""
    if personal or isinstance(topic, NotificationTopic) or not access.sees_every_deal(viewer):
        return ("user", viewer.id)
    return ("everyone",)


@dataclass(eq=False)
class GroupShare:
    """What the subscribers of one group share of one change, filled in by the schema
    layer (`schema.live.execution`): the change's GraphQL object, made once, the
    context it was made in, and each document's execution result and its frame's
    payload encoded as JSON, by the document's key (document, variables, operation
    name). Typed loosely here: this layer knows nothing of GraphQL.
    """

    made: asyncio.Future[Any] | None = None
    context: Any = None
    results: dict[tuple[int, str, str | None], Any] = field(default_factory=dict)
    payloads: dict[tuple[int, str, str | None], asyncio.Future[str]] = field(default_factory=dict)


@dataclass(eq=False)
class EventShare:
    """What every group's change of the events of one batch shares (`BatchReading`):
    the workspace as the feed read it, and the schema layer's loaders (given that
    workspace), so that the rows the batch's events are shown with are read once for
    all its events and groups."""

    workspace: Workspace | None = None
    loaders: Any = None


@dataclass(eq=False)
class Change:
    """One event as one group sees it, with what the group shares of it."""

    cursor: int
    viewer: User
    shared: GroupShare = field(default_factory=GroupShare, kw_only=True)
    event_shared: EventShare = field(default_factory=EventShare, kw_only=True)


@dataclass(eq=False)
class BoardChange(Change):
    """`figures` are the columns the event changed, as they were when its batch was
    handed out (`BatchReading`); `board()` reads the whole board, only if a
    subscriber's document asks for it."""

    kind: BoardEventKind
    process_id: int
    deal_id: int | None
    deal: Deal | None
    scope: BoardScope | None
    figures: dict[int, ColumnFigures]
    reading: EventReading = field(kw_only=True, repr=False)

    async def board(self) -> tuple[BoardScope, dict[int, ColumnFigures]] | None:
        """Every column of the board as this group sees it now; None once the process
        is gone."""
        scope = self.scope
        if scope is None:
            tree = await self.reading.tree(self.process_id)
            if tree is None:
                return None
            scope = BoardScope(self.viewer, tree, None, self.reading.now, self.reading.timezone)
        return scope, await self.reading.board_figures(scope)


@dataclass(eq=False)
class DealChange(Change):
    event: Event


@dataclass(eq=False)
class ActivityChange(Change):
    event: Event


@dataclass(eq=False)
class NotificationChange(Change):
    notification: Notification


def _deal_of(workspace_id: int, deal_id: int) -> QuerySet[Deal]:
    return access.workspace_deals(workspace_id).filter(id=deal_id)


def _participants_of(deal_id: int) -> ValuesQuery[Literal[False]]:
    return DealParticipant.filter(deal_id=deal_id).values("user_id")


# Read for every event: rendered once (`resolvers.statements`).
_DEAL_OF = Statement(_deal_of)
_PARTICIPANTS_OF = Statement(_participants_of)


class BatchReading:
    """What the events of one batch (read from the log together) are shown with, read
    once for all of them: each deal as it is now, with who takes part in it, the column
    figures of each board and group as they are now, and the schema layer's loaders
    (`EventShare`). An event's change shows things as they are when it is handed out
    (`board_change`: the card as it is now; a later event says what changed since), so
    the events handed out together share one reading of them: a burst of events on one
    deal reads the deal and its columns once, not once an event. Everything read here
    was read after the batch's events were: it shows them all.

    `trees` is the feed's cache of process trees, kept from batch to batch: a tree is
    read once and kept until the log says its process changed (`process_changed`, in
    log order), or until a deal or an event names a stage the kept tree does not have
    (a stage made since: read again)."""

    def __init__(
        self, workspace: Workspace, trees: dict[int, ProcessTree | None] | None = None
    ) -> None:
        self.workspace = workspace
        self.workspace_id = workspace.id
        self.timezone = workspace.timezone
        self.now = now_utc()
        self.trees: dict[int, ProcessTree | None] = trees if trees is not None else {}
        self.shared = EventShare(workspace)
        self._read: dict[Hashable, asyncio.Future[Any]] = {}

    def follow(self, event: Event) -> None:
        """Called with each of the batch's events in log order, before it is shown: a
        change of a process (`PROCESS_CHANGED`) makes the events after it read the
        process's tree again."""
        if event.kind == EventKind.PROCESS_CHANGED:
            self.process_changed(board_processes(event))

    def process_changed(self, process_ids: Iterable[int]) -> None:
        """An event of the batch changed these processes: the events after it read
        their trees again, and get loaders of their own (the ones before hold the old
        trees, which the events before it are shown with)."""
        for process_id in process_ids:
            self.trees.pop(process_id, None)
        self.shared = EventShare(self.workspace)

    def once(self, key: Hashable, read: Callable[[], Awaitable[T]]) -> asyncio.Future[T]:
        """What `read` reads, started at the first asking for `key` in the batch (a read
        that failed is not kept: the next asking reads again)."""
        found = self._read.get(key)
        if found is None:
            found = self._read[key] = started(read())
            found.add_done_callback(lambda done: self._forget_failed(key, done))
        return found

    def _forget_failed(self, key: Hashable, done: asyncio.Future[Any]) -> None:
        if (done.cancelled() or done.exception() is not None) and self._read.get(key) is done:
            del self._read[key]

    async def deal(self, deal_id: int) -> tuple[Deal | None, set[int]]:
        """The deal (deleted or not) and the ids of those who take part in it, now."""
        return await shared_result(self.once(("deal", deal_id), lambda: self._deal(deal_id)))

    async def _deal(self, deal_id: int) -> tuple[Deal | None, set[int]]:
        found = await _DEAL_OF.all(self.workspace_id, deal_id)
        if not found:
            return None, set()
        participants = await _PARTICIPANTS_OF.all(deal_id)
        return found[0], {int(row["user_id"]) for row in participants}

    async def tree(self, process_id: int, stage_ids: Set[int] = frozenset()) -> ProcessTree | None:
        """The process's tree, with `stage_ids` in it if they exist (read again when
        the kept tree lacks one)."""
        kept = self.trees.get(process_id)
        if process_id not in self.trees or (
            kept is not None and any(kept.stage(stage_id) is None for stage_id in stage_ids)
        ):
            self.trees[process_id] = await load_process_tree(self.workspace_id, process_id)
        return self.trees[process_id]


class EventReading:
    """One event of a batch, and what its groups' changes are read from: the batch's
    reading (`BatchReading`; without one, a batch of its own, with `trees` kept), and
    the column figures of every salesperson watching (`salespeople`), read together
    for all of them."""

    def __init__(
        self,
        event: Event,
        workspace: Workspace,
        salespeople: Set[int] = frozenset(),
        trees: dict[int, ProcessTree | None] | None = None,
        batch: BatchReading | None = None,
    ) -> None:
        self.event = event
        self.batch = batch if batch is not None else BatchReading(workspace, trees)
        self.timezone = self.batch.timezone
        self.now = self.batch.now
        self.shared = self.batch.shared
        self.salespeople = frozenset(salespeople)

    async def deal_for(self, viewer: User) -> Deal | None:
        """The deal as it is now, if `viewer` may see it now."""
        if self.event.deal_id is None:
            return None
        deal, participant_ids = await self.batch.deal(self.event.deal_id)
        if deal is None or deal.deleted_at is not None:
            return None
        return deal if access.can_see(viewer, deal, participant_ids) else None

    async def figures(self, scope: BoardScope, stage_ids: set[int]) -> dict[int, ColumnFigures]:
        """The columns `stage_ids` as the scope's viewer sees them."""
        viewer, process_id = scope.viewer, scope.tree.row.id
        if access.sees_every_deal(viewer) or viewer.id not in self.salespeople:
            group = group_of(viewer, BoardTopic(process_id))
            key = ("columns", process_id, group, frozenset(stage_ids))
            return await shared_result(
                self.batch.once(key, lambda: column_figures(scope, stage_ids))
            )
        seen = (await shared_result(self._salespeople_figures(process_id)))[viewer.id]
        return {stage_id: seen.get(stage_id, ColumnFigures()) for stage_id in stage_ids}

    def foresee_figures(self, watching: Iterable[tuple[int, User]]) -> None:
        """Start reading the salespeople's figures of each board (process id) a watching
        salesperson sees the event's deal on, before or after: the statements run while
        the feed builds the other audiences' changes and writes their frames."""
        before, after = facts_of(self.event)
        for process_id, viewer in watching:
            if any(f is not None and f.on_board(process_id, viewer) for f in (before, after)):
                self._salespeople_figures(process_id)

    def _salespeople_figures(
        self, process_id: int
    ) -> asyncio.Future[dict[int, dict[int, ColumnFigures]]]:
        """The columns the event changed on the board, as each salesperson sees them:
        read once, for all of them (and for the batch's other events on those columns)."""
        stages = frozenset(
            facts.stage_id
            for facts in facts_of(self.event)
            if facts is not None and facts.process_id == process_id and facts.stage_id
        )
        return self.batch.once(
            ("salespeople's columns", process_id, stages, self.salespeople),
            lambda: figures_by_salesperson(
                self.event.workspace_id, process_id, stages, self.salespeople, self.now
            ),
        )

    async def board_figures(self, scope: BoardScope) -> dict[int, ColumnFigures]:
        """Every column of the scope's (unfiltered) board as its viewer sees it: read
        once per batch and group, and for every watching salesperson together (the
        same three statements as `figures`, over all the stages)."""
        viewer, process_id = scope.viewer, scope.tree.row.id
        stage_ids = tuple(stage.row.id for stage in scope.tree.stages)
        if access.sees_every_deal(viewer) or viewer.id not in self.salespeople:
            key = ("board", process_id, group_of(viewer, BoardTopic(process_id)), stage_ids)
            return await shared_result(self.batch.once(key, lambda: column_figures(scope)))
        seen = await shared_result(
            self.batch.once(
                ("salespeople's board", process_id, stage_ids, self.salespeople),
                lambda: figures_by_salesperson(
                    self.event.workspace_id, process_id, stage_ids, self.salespeople, self.now
                ),
            )
        )
        return seen[viewer.id]

    async def tree(self, process_id: int, stage_ids: Set[int] = frozenset()) -> ProcessTree | None:
        return await self.batch.tree(process_id, stage_ids)


def board_processes(event: Event) -> set[int]:
    """The boards an event may concern."""
    if event.kind == EventKind.PROCESS_CHANGED:
        return {int(event.data["process"])}
    return {facts.process_id for facts in facts_of(event) if facts is not None}


def _board_kind(
    before: BoardFacts | None, after: BoardFacts | None, was: bool, is_: bool
) -> BoardEventKind:
    if was and is_:
        moved = before is not None and after is not None and before.stage_id != after.stage_id
        return BoardEventKind.DEAL_MOVED if moved else BoardEventKind.DEAL_UPDATED
    return BoardEventKind.DEAL_ADDED if is_ else BoardEventKind.DEAL_REMOVED


async def board_change(reading: EventReading, process_id: int, viewer: User) -> BoardChange | None:
    """The event on `process_id`'s board as `viewer` (and their group) sees it."""
    event = reading.event
    if event.kind == EventKind.PROCESS_CHANGED:
        return BoardChange(
            event.id,
            viewer,
            BoardEventKind.PROCESS_CHANGED,
            process_id,
            None,
            None,
            None,
            {},
            event_shared=reading.shared,
            reading=reading,
        )
    before, after = facts_of(event)
    was = before is not None and before.on_board(process_id, viewer)
    is_ = after is not None and after.on_board(process_id, viewer)
    if not was and not is_:
        return None
    stages = {f.stage_id for f, on in ((before, was), (after, is_)) if f and on and f.stage_id}
    # The card as it is now; if it has since gone out of sight, a later event says so.
    deal = await reading.deal_for(viewer) if is_ else None
    current = {deal.stage_id} if deal is not None and deal.stage_id else set()
    tree = await reading.tree(process_id, stages | current)
    if tree is None:
        return None
    scope = BoardScope(viewer, tree, None, reading.now, reading.timezone)
    figures = await reading.figures(scope, stages)
    return BoardChange(
        event.id,
        viewer,
        _board_kind(before, after, was, is_),
        process_id,
        event.deal_id,
        deal,
        scope,
        {stage_id: figures.get(stage_id, ColumnFigures()) for stage_id in stages},
        event_shared=reading.shared,
        reading=reading,
    )


def activity_change(reading: EventReading, viewer: User) -> ActivityChange | None:
    """An entry of the team's activity, for someone who may see what it is about as the
    change left it (`resolvers.events.activity`)."""
    if sees_event(viewer, reading.event):
        return ActivityChange(reading.event.id, viewer, reading.event, event_shared=reading.shared)
    return None


def deal_change(reading: EventReading, viewer: User) -> DealChange | None:
    """A deal's event, for someone who could see the deal before or after it (once they
    lose sight of it, the event that took it away is the last they hear of it)."""
    event = reading.event
    before, after = facts_of(event)
    if any(facts is not None and facts.visible_to(viewer) for facts in (before, after)):
        return DealChange(event.id, viewer, event, event_shared=reading.shared)
    return None
