"""The event log as live updates read it: ordering, what each event says about who may
see its deal, the cursor rules and retention.

Three guarantees make the log safe to tail:
- within a workspace, event ids increase in commit order: every transaction that writes
  events or notifications takes the workspace's log lock (PostgreSQL; SQLite has a
  single writer anyway) before its first write and holds it to commit, so a reader that
  saw id N will never later find a smaller id appear;
- each deal event carries the deal's *board facts* before and after the change
  (process, stage, open or not, public, owner, participants), so that whether a given
  viewer could see the deal before and after is a pure function of the row. The facts
  before are the deal's as the mutation locked it (`resolvers.deals.state`), never read
  back from the log, which may have been purged since the deal last changed;
- the ids a request wrote are collected, so that they can be announced on the bus once
  the transaction has committed.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from tortoise import connections
from tortoise.queryset import QuerySet

from models.account import User, Workspace
from models.deal import Deal, DealStatus
from models.event import Event, Notification
from models.webhook import Webhook
from resolvers import access
from resolvers.errors import ErrorCode, Refused
from resolvers.statements import Statement

# pg_advisory_xact_lock(class, workspace id): the class number names the event log.
_LOG_LOCK_CLASS = 4_1_0_7
REPLAY_BATCH = 500


@dataclass(frozen=True)
class BoardFacts:
    """What decides who sees a deal and where: the part of a deal live updates need."""

    process_id: int
    stage_id: int | None
    open: bool  # open and not in the trash: on its process's board
    in_trash: bool
    is_public: bool
    owner_id: int
    participant_ids: frozenset[int]

    def to_json(self) -> dict[str, Any]:
        return {
            "process": self.process_id,
            "stage": self.stage_id,
            "open": self.open,
            "trash": self.in_trash,
            "public": self.is_public,
            "owner": self.owner_id,
            "participants": sorted(self.participant_ids),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> BoardFacts | None:
        if not data:
            return None
        return cls(
            process_id=int(data["process"]),
            stage_id=data["stage"],
            open=bool(data["open"]),
            in_trash=bool(data["trash"]),
            is_public=bool(data["public"]),
            owner_id=int(data["owner"]),
            participant_ids=frozenset(int(i) for i in data["participants"]),
        )

    def visible_to(self, viewer: User) -> bool:
        """Whether `viewer` (of the event's workspace) saw or sees the deal as these
        facts have it."""
        return access.sees(
            viewer,
            owner_id=self.owner_id,
            is_public=self.is_public,
            participant_ids=self.participant_ids,
        )

    def on_board(self, process_id: int, viewer: User) -> bool:
        return self.open and self.process_id == process_id and self.visible_to(viewer)


def facts_from(deal: Deal, participant_ids: Iterable[int]) -> BoardFacts:
    return BoardFacts(
        process_id=deal.process_id,
        stage_id=deal.stage_id,
        open=deal.status == DealStatus.OPEN and deal.deleted_at is None,
        in_trash=deal.deleted_at is not None,
        is_public=deal.is_public,
        owner_id=deal.owner_id,
        participant_ids=frozenset(participant_ids),
    )


def facts_of(event: Event) -> tuple[BoardFacts | None, BoardFacts | None]:
    """The deal's board facts before and after the event (None: it did not exist)."""
    data = event.data or {}
    return BoardFacts.from_json(data.get("before")), BoardFacts.from_json(data.get("after"))


# The workspaces whose logs the current request wrote to, with the highest event id
# written (0 for notifications only), for the after-commit announcement.
_written: ContextVar[dict[int, int] | None] = ContextVar("dealflow_written", default=None)


@contextmanager
def collecting_writes() -> Iterator[dict[int, int]]:
    """Within this block, every log write notes its workspace (and event id)."""
    written: dict[int, int] = {}
    token = _written.set(written)
    try:
        yield written
    finally:
        _written.reset(token)


def note_writes(written: dict[int, int]) -> None:
    """Writes collected by an inner `collecting_writes` block whose transaction
    committed: announced with the rest of the request's (an import that rolled back
    leaves its own out)."""
    outer = _written.get()
    if outer is not None:
        for workspace_id, event_id in written.items():
            outer[workspace_id] = max(outer.get(workspace_id, 0), event_id)


async def before_log_write(workspace_id: int) -> None:
    """Call before writing an event or notification, inside its transaction."""
    written = _written.get()
    if written is not None:
        written.setdefault(workspace_id, 0)
    connection = connections.get("default")
    if connection.capabilities.dialect == "postgres":
        await connection.execute_query(
            "SELECT pg_advisory_xact_lock($1, $2)", [_LOG_LOCK_CLASS, workspace_id]
        )


def note_event_written(event: Event) -> None:
    written = _written.get()
    if written is not None:
        written[event.workspace_id] = max(written.get(event.workspace_id, 0), event.id)


async def check_not_expired(workspace_id: int, after: int) -> None:
    """A cursor from before the retained events cannot be resumed from."""
    workspace = await Workspace.get(id=workspace_id)
    if after < workspace.events_purged_through:
        raise Refused.one(
            ErrorCode.CURSOR_EXPIRED,
            "This cursor is older than the events kept for resuming: reload and "
            "subscribe again without `after`.",
            ("after",),
        )


async def latest_event_id(workspace_id: int) -> int:
    last = await Event.filter(workspace_id=workspace_id).order_by("-id").only("id").first()
    return last.id if last is not None else 0


async def latest_notification_id(workspace_id: int) -> int:
    last = await Notification.filter(workspace_id=workspace_id).order_by("-id").only("id").first()
    return last.id if last is not None else 0


async def continue_event_ids_after(event_id: int) -> None:
    """Make every event written from now on get an id above `event_id` (ids are shared
    by all workspaces, so this only ever skips ids). Inside the caller's transaction on
    SQLite; on PostgreSQL a sequence does not roll back, which only leaves a gap."""
    connection = connections.get("default")
    if connection.capabilities.dialect == "postgres":
        await connection.execute_query(
            "SELECT setval(pg_get_serial_sequence('event', 'id'), "
            "GREATEST($1, nextval(pg_get_serial_sequence('event', 'id'))))",
            [event_id],
        )
        return
    # AUTOINCREMENT keeps its high-water mark in sqlite_sequence (one row per table,
    # written at the table's first insert).
    await connection.execute_query(
        "UPDATE sqlite_sequence SET seq = MAX(seq, ?) WHERE name = 'event'", [event_id]
    )
    await connection.execute_query(
        "INSERT INTO sqlite_sequence (name, seq) SELECT 'event', ? "
        "WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'event')",
        [event_id],
    )


async def events_between(workspace_id: int, after: int, up_to: int | None = None) -> list[Event]:
    """The workspace's events after `after` (and up to `up_to`), oldest first, one batch."""
    if up_to is None:  # what every feed reads on every wake: rendered once
        return await _EVENTS_AFTER.all(workspace_id, after)
    return await _events_after(workspace_id, after).filter(id__lte=up_to)


def _events_after(workspace_id: int, after: int) -> QuerySet[Event]:
    return Event.filter(workspace_id=workspace_id, id__gt=after).order_by("id").limit(REPLAY_BATCH)


_EVENTS_AFTER = Statement(_events_after)


async def notifications_between(
    workspace_id: int, after: int, up_to: int | None = None, recipient_id: int | None = None
) -> list[Notification]:
    query = Notification.filter(workspace_id=workspace_id, id__gt=after)
    if up_to is not None:
        query = query.filter(id__lte=up_to)
    if recipient_id is not None:
        query = query.filter(recipient_id=recipient_id)
    return await query.order_by("id").limit(REPLAY_BATCH)


async def purge_events(retention: timedelta, now: datetime) -> int:
    """Delete events older than the retention, and remember per workspace how far.

    Events an active webhook has not made into deliveries yet are kept whatever their
    age (the worker may have been stopped for longer than the retention): webhooks
    lose nothing. A disabled webhook does not hold the log; re-enabled after longer
    than the retention, it resumes from the oldest event still kept."""
    cutoff = now - retention
    purged = 0
    for workspace in await Workspace.all():
        doomed = Event.filter(workspace_id=workspace.id, at__lt=cutoff)
        held = await _held_by_webhooks(workspace.id)
        if held is not None:
            doomed = doomed.filter(id__lte=held)
        newest = await doomed.order_by("-id").only("id").first()
        if newest is None:
            continue
        purged += await doomed.delete()
        workspace.events_purged_through = max(workspace.events_purged_through, newest.id)
        await workspace.save(update_fields=["events_purged_through"])
    return purged


async def _held_by_webhooks(workspace_id: int) -> int | None:
    """The position of the workspace's active webhook (of an active owner) furthest
    behind in the log, if any."""
    positions = await Webhook.filter(
        workspace_id=workspace_id, active=True, owner__active=True
    ).values_list("last_event_id", flat=True)
    return min((int(p) for p in positions), default=None)  # type: ignore[call-overload]
