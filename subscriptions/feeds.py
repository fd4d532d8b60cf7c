"""Feeds: each server process tails the event log of every workspace that has
subscribers, and hands each subscriber what it may see, in order, once.

One task per workspace reads new events and notifications (woken by the bus, and in any
case every `poll_seconds`, so a bus outage only slows things down), builds each event's
change once per group of subscribers (`changes.group_of`), and puts it in each
subscriber's bounded queue. A subscriber that does not keep up overflows its queue: it
is dropped and told to resume from its cursor, and nobody else waits for it.

Sessions end before the next event: a subscriber carries its session's token, and
before handing out a batch of events or notifications the feed checks, in one query for
all its subscribers, that their sessions are still live (not logged out, deactivated,
password-reset or re-roled). The check runs after the batch was read, so anything a
revocation committed before an event of the batch is seen: an event committed after a
revocation never reaches the revoked subscriber, in whichever process either happened.
The revoked subscribers are ended (`SessionEnded`) and their sockets closed with 4403.

Resuming: a subscriber registers at the feed's position P (under the feed's lock, so no
event slips between), replays the log from its cursor up to P itself, then reads the
live events after P from its queue: no gap, no duplicate.

Direct delivery: a subscriber whose socket can take frames at once (a `Delivery`, from
the schema layer) is handed over once its replay and queue are done: from then on the
feed renders each change once per group and document and writes every such
subscriber's frame itself, in the order of the log, without waking the subscriber's
task. Its stream raises `HandedOver` then: the GraphQL execution that iterated it
unwinds, and the socket's operation only waits for the end (falling behind, its session
ending, a failure), with nothing of the execution kept for as long as the socket stays
open (for a wall screen, all day; per idle subscriber, 7-8 KB less of live objects).
A socket that does not read fills its buffer; past the socket's limit its write is
refused and the subscriber is dropped and told where to resume, as with a full queue.

What an event costs: subscribers are kept by audience and document (`Subscribers`:
topic and group, and the delivery's key, worked out when they subscribe), so an event
takes a step per audience and document it concerns and a write per socket; what the
events of a batch are shown with (the deal, its columns) is read once for the batch
(`changes.BatchReading`). Audiences go largest first, each written as soon as its frame is
rendered, so most sockets have the event before the last audience's change is built.
Events read in one batch (they came faster than they were fanned out) reach each socket
in one write (`Held`): a socket costs a system call per batch, not per event.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
from collections.abc import (
    AsyncIterator,
    Awaitable,
    Callable,
    Collection,
    Hashable,
    Iterator,
    Mapping,
    Sequence,
)
from dataclasses import dataclass, field
from typing import Protocol

from models.account import User, Workspace
from models.event import Event, Notification
from resolvers import access, tracing
from resolvers.accounts import auth
from resolvers.errors import ErrorCode, Refused
from resolvers.events import log
from resolvers.futures import started
from resolvers.pagination import IdCursor
from resolvers.processes.tree import ProcessTree
from subscriptions.background import log_failure, stop_task
from subscriptions.changes import (
    ActivityTopic,
    BatchReading,
    BoardTopic,
    Change,
    DealTopic,
    EventReading,
    NotificationChange,
    NotificationTopic,
    Topic,
    activity_change,
    board_change,
    board_processes,
    deal_change,
    group_of,
)
from subscriptions.metrics import EVENTS_FANNED_OUT, FEED_EVENT_SECONDS, SUBSCRIPTIONS

logger = logging.getLogger("dealflow.feeds")


class SubscriberTooSlow(Exception):
    """The subscriber's queue overflowed; it resumes from `cursor` (sealed)."""

    def __init__(self, cursor: str) -> None:
        super().__init__(cursor)
        self.cursor = cursor


class SessionEnded(Exception):
    """The subscriber's session ended (logout, deactivation, password reset, new role)."""


class HandedOver(BaseException):
    """Not an error: from now on the feed writes this subscriber's frames itself (see
    the module's doc). Raised out of its stream, through whatever iterated it (the
    GraphQL execution, which then unwinds and keeps nothing of the subscription), to
    the socket's operation, which waits for `ended` in the stream's place (no task
    needed), then awaits `ending()`: it returns or raises as the stream would have ended
    (`SubscriberTooSlow`, `SessionEnded`, a failure to render). Cancelling `ended` (or a
    task awaiting it) ends the subscription. A BaseException, so
    that no `except Exception` on the way makes it an error result. The subscriber leaves
    its feed when it ends, whether or not anyone awaits `ending()`: keep `ending`, not the
    exception (its traceback holds every frame it went through)."""

    def __init__(self, subscriber: Subscriber) -> None:
        super().__init__()
        assert subscriber.ended is not None
        # Done when the subscription ends; cancelling it ends the subscription.
        self.ended: asyncio.Future[object] = subscriber.ended
        # Once `ended` is done: returns or raises as the stream would have ended.
        self.ending: Callable[[], Awaitable[None]] = _Ending(subscriber)


class _Ending:
    __slots__ = ("subscriber",)

    def __init__(self, subscriber: Subscriber) -> None:
        self.subscriber = subscriber

    async def __call__(self) -> None:
        ended = self.subscriber.ended
        assert ended is not None
        _end(self.subscriber, await ended)


_OVERFLOW = object()
_ENDED = object()

LiveSessions = Callable[[Collection[str]], Awaitable[Mapping[str, auth.SessionUser]]]
SessionsEnded = Callable[[set[str]], None]


def _ignore(tokens: set[str]) -> None:
    return None


class Delivery(Protocol):
    """How the feed writes a subscriber's frames itself (`schema.live.execution`)."""

    @property
    def key(self) -> Hashable:
        """Subscribers of one group with equal keys (the same document and variables)
        get the same frame payload."""

    async def render(self, change: Change) -> bytes:
        """The change's frame payload, encoded as the sockets' frames carry it (the same
        for every subscriber with an equal key; what it holds is the delivery's)."""

    def write(self, payloads: Sequence[bytes], frames: dict[bytes, bytes] | None = None) -> bool:
        """Write their frames now, in order and together (keeping nothing of
        `payloads`); False when the socket cannot take them (too far behind). `frames`,
        for one payload written to a whole group: the frames made for it so far, which
        the delivery may reuse and add to (sockets whose frames are alike share one)."""


# The subscribers of one topic and group (`changes.group_of`): each event means the
# same change to all of them.
Audience = tuple[Topic, Hashable]
# A session subscribers hold: its token, and who it was as they subscribed.
Session = tuple[str, auth.SessionUser]


@dataclass(eq=False)
class Subscriber:
    viewer: User
    topic: Topic
    queue_size: int
    token: str | None = None  # its session's; None: not checked (no socket behind it)
    last_sent: int = 0
    dropped: bool = field(default=False)
    delivery: Delivery | None = None
    # Handed over: the feed writes its frames (`Delivery`); `ended` says how it ends.
    direct: bool = False
    # Its document asks for what only its viewer's answer says (`changes.group_of`).
    personal: bool = False
    ended: asyncio.Future[object] | None = None
    # Made when first needed: a subscriber the feed writes for never needs one (an
    # asyncio queue is some 3 KB, for each of thousands of idle subscribers).
    _queue: asyncio.Queue[Change | object] | None = None
    # Worked out once: who gets the same change of every event, and who its session
    # must still be (`auth.session_is_live`).
    audience: Audience = field(init=False)
    opened: auth.SessionUser = field(init=False)
    # Which of its audience get the same frames (`Delivery.key`; None: no delivery).
    frames_key: Hashable = field(init=False)

    def __post_init__(self) -> None:
        self.audience = (self.topic, group_of(self.viewer, self.topic, self.personal))
        self.opened = auth.SessionUser.of(self.viewer)
        self.frames_key = self.delivery.key if self.delivery is not None else None

    @property
    def queue(self) -> asyncio.Queue[Change | object]:
        """What its task reads: the live changes while it replays, then always unless
        the feed writes for it; and how it ends."""
        if self._queue is None:
            self._queue = asyncio.Queue(self.queue_size)
        return self._queue

    @property
    def session(self) -> Session | None:
        """The session it holds (None: not checked), as `Subscribers` counts it."""
        return None if self.token is None else (self.token, self.opened)

    def queued(self) -> int:
        """How many changes wait in its queue (making none)."""
        return self._queue.qsize() if self._queue is not None else 0

    def offer(self, change: Change) -> bool:
        """Queue a live change; False when the queue overflowed (then it is dropped)."""
        if self.dropped:
            return False
        try:
            self.queue.put_nowait(change)
        except asyncio.QueueFull:
            self.dropped = True
            while not self.queue.empty():
                self.queue.get_nowait()
            self.queue.put_nowait(_OVERFLOW)
            return False
        return True

    def end_session(self) -> None:
        """Nothing more for it, not even what is queued: it ends with `SessionEnded`."""
        self.end(_ENDED)

    def end(self, how: object) -> None:
        """It ends (`_ENDED`, `_OVERFLOW`, or an exception to raise), whether its task
        reads its queue or waits while the feed writes for it."""
        self.dropped = True
        if self.direct:
            assert self.ended is not None
            if not self.ended.done():
                self.ended.set_result(how)
            return
        while not self.queue.empty():
            self.queue.get_nowait()
        self.queue.put_nowait(how)

    def hand_over(self) -> asyncio.Future[object]:
        """From now on the feed writes its frames (its queue is empty, and goes)."""
        self.ended = asyncio.get_running_loop().create_future()
        self.direct = True
        self._queue = None
        return self.ended


class Subscribers:
    """A feed's subscribers, by audience and, within an audience, by the frames they get
    (their delivery's key: the same document and variables), each in the order it came:
    kept so as they come and go, so that an event costs a step per audience and document
    that it concerns and only the write (or the queueing) per subscriber."""

    __slots__ = ("_audiences", "_sessions", "here")

    def __init__(self) -> None:
        self._audiences: dict[Audience, dict[Hashable, dict[Subscriber, None]]] = {}
        # Every subscriber here, by identity: what the feed asks of each socket it
        # writes to (`in`, a dictionary's own lookup, no method of ours on the way).
        self.here: dict[Subscriber, None] = {}
        # How many subscribers here hold each session (its token, and who it was as
        # they subscribed): what the feed checks before each batch, a step per session.
        self._sessions: dict[Session, int] = {}

    def add(self, subscriber: Subscriber) -> None:
        if subscriber in self.here:
            return
        self.here[subscriber] = None
        groups = self._audiences.setdefault(subscriber.audience, {})
        groups.setdefault(subscriber.frames_key, {})[subscriber] = None
        session = subscriber.session
        if session is not None:
            self._sessions[session] = self._sessions.get(session, 0) + 1

    def discard(self, subscriber: Subscriber) -> None:
        if subscriber not in self.here:
            return
        del self.here[subscriber]
        groups = self._audiences[subscriber.audience]
        members = groups[subscriber.frames_key]
        del members[subscriber]
        if not members:
            del groups[subscriber.frames_key]
            if not groups:
                del self._audiences[subscriber.audience]
        session = subscriber.session
        if session is not None:
            left = self._sessions[session] - 1
            if left:
                self._sessions[session] = left
            else:
                del self._sessions[session]

    def sessions(self) -> list[Session]:
        """The sessions the subscribers here hold (each once)."""
        return list(self._sessions)

    def __contains__(self, subscriber: object) -> bool:
        return subscriber in self.here

    def __iter__(self) -> Iterator[Subscriber]:
        """Those here now (leaving while iterated over changes nothing of it)."""
        return iter(list(self.here))

    def __len__(self) -> int:
        return len(self.here)

    def any_topic(self, kind: type[Topic]) -> bool:
        """Whether anyone here has a topic of this kind (a step per audience, not per
        subscriber: asked before every batch of events)."""
        return any(isinstance(topic, kind) for topic, _ in self._audiences)

    def audiences(self) -> list[tuple[Audience, list[list[Subscriber]]]]:
        """Each audience with its subscribers, as they are now: a list per frames key."""
        return [
            (audience, [list(members) for members in groups.values()])
            for audience, groups in self._audiences.items()
        ]


class Held:
    """The frames of a batch of events read together, held for each handed-over
    subscriber until the batch's last event (`last`): its socket then gets all of them
    in one write (one system call), however many events the batch holds. Events that
    come faster than they are fanned out cost a write per socket per batch, not per
    event."""

    __slots__ = ("cursors", "frames", "last")

    def __init__(self) -> None:
        self.frames: dict[Subscriber, list[bytes]] = {}
        self.cursors: dict[Subscriber, int] = {}
        self.last = True

    def hold(self, subscriber: Subscriber, payload: bytes, cursor: int) -> None:
        frames = self.frames.get(subscriber)
        if frames is None:
            self.frames[subscriber] = [payload]
        else:
            frames.append(payload)
        self.cursors[subscriber] = cursor

    def holds_nothing(self) -> bool:
        return not self.frames

    def take(self, subscriber: Subscriber) -> tuple[list[bytes], int]:
        """What is held for the subscriber, and the cursor of its last (no longer held)."""
        if not self.frames:
            return [], 0
        return self.frames.pop(subscriber, []), self.cursors.pop(subscriber, 0)

    def taken(self) -> list[tuple[Subscriber, list[bytes], int]]:
        """Everything held, for each subscriber (no longer held)."""
        every = [(s, frames, self.cursors[s]) for s, frames in self.frames.items()]
        self.frames, self.cursors = {}, {}
        return every


class WorkspaceFeed:
    def __init__(
        self,
        workspace_id: int,
        poll_seconds: float,
        live_sessions: LiveSessions = auth.live_session_users,
        sessions_ended: SessionsEnded = _ignore,
    ) -> None:
        self.workspace_id = workspace_id
        self.poll_seconds = poll_seconds
        self.live_sessions = live_sessions
        self.sessions_ended = sessions_ended
        self.subscribers = Subscribers()
        self.lock = asyncio.Lock()
        self.woken = asyncio.Event()
        self.events_seen = 0
        self.notifications_seen = 0
        # Process trees, kept from batch to batch (`changes.BatchReading`).
        self.trees: dict[int, ProcessTree | None] = {}
        self._workspace: Workspace | None = None
        self.task: asyncio.Task[None] | None = None
        self._started: asyncio.Future[None] | None = None

    def start(self) -> asyncio.Future[None]:
        """Started once: every subscriber that arrives meanwhile waits for the same
        start, and learns with it if it failed."""
        if self._started is None:
            # A failed start is told to the subscribers waiting for it, if any still are.
            # A context of its own, as the feed's task: kept with the feed, a copy of the
            # first subscriber's would keep its socket (its frame sink) as long.
            self._started = started(self._start(), contextvars.Context())
        return self._started

    async def _start(self) -> None:
        await self.fast_forward()
        # A context of its own: the feed outlives the request that started it (its log
        # lines must not carry that request's id).
        self.task = asyncio.create_task(
            self._run(), name=f"feed-{self.workspace_id}", context=contextvars.Context()
        )

    def wake(self) -> None:
        self.woken.set()

    async def fast_forward(self) -> None:
        """With nobody listening, what happened meanwhile concerns nobody (and the
        trees kept may have changed unheard)."""
        self.trees.clear()
        self.events_seen = await log.latest_event_id(self.workspace_id)
        self.notifications_seen = await log.latest_notification_id(self.workspace_id)

    async def _run(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.woken.wait(), self.poll_seconds)
            self.woken.clear()
            if not self.subscribers:
                continue  # nobody listens: `stream` fast-forwards before the next one does
            try:
                await self.catch_up()
            except Exception:
                log_failure(logger, "feed of workspace %s failed; retrying", self.workspace_id)
                await asyncio.sleep(self.poll_seconds)

    async def workspace(self) -> Workspace:
        """The workspace's row, read once and kept: what events are shown with (its time
        zone, currency and name) is set when the workspace is made and nothing changes
        it (`models.account.Workspace`)."""
        if self._workspace is None:
            self._workspace = await Workspace.get(id=self.workspace_id)
        return self._workspace

    def reads_notifications(self) -> bool:
        """Whether anyone here listens to notifications (else they are not read)."""
        return self.subscribers.any_topic(NotificationTopic)

    async def catch_up(self) -> None:
        async with self.lock:
            while True:
                events = await log.events_between(self.workspace_id, self.events_seen)
                notifications = (
                    await log.notifications_between(self.workspace_id, self.notifications_seen)
                    if self.reads_notifications()
                    else []
                )
                if events or notifications:
                    await self.end_revoked_sessions()
                held = Held()
                batch = BatchReading(await self.workspace(), self.trees)
                try:
                    for event in events:
                        held.last = event is events[-1]
                        await self._dispatch_event(event, batch, held)
                        self.events_seen = event.id
                finally:
                    self._write_held(held)
                for notification in notifications:
                    self._dispatch_notification(notification)
                    self.notifications_seen = notification.id
                if max(len(events), len(notifications)) < log.REPLAY_BATCH:
                    return

    async def end_revoked_sessions(self) -> None:
        """End the subscribers whose session ended (see the module's doc): one query,
        then a step per session held here; the subscribers are gone through only when
        one ended (a thousand sockets of a dozen people are a dozen sessions)."""
        sessions = self.subscribers.sessions()
        if not sessions:
            return
        live = await self.live_sessions({token for token, _ in sessions})
        ended = {
            (token, opened)
            for token, opened in sessions
            if not auth.session_is_live(opened, live.get(token))
        }
        if not ended:
            return
        for subscriber in self.subscribers:
            if subscriber.session in ended:
                subscriber.end_session()
                self.subscribers.discard(subscriber)
        self.sessions_ended({token for token, _ in ended})

    async def _dispatch_event(self, event: Event, batch: BatchReading, held: Held) -> None:
        ids = {
            "dealflow.workspace.id": self.workspace_id,
            "dealflow.event.id": event.id,
            "dealflow.event.kind": str(event.kind),
        }
        with FEED_EVENT_SECONDS.time(), tracing.span("live event", ids) as span:
            handed = await self._dispatch_event_timed(event, batch, held)
            tracing.annotate(span, {"dealflow.subscribers": handed})

    async def _dispatch_event_timed(self, event: Event, batch: BatchReading, held: Held) -> int:
        """Hands the event to the subscribers it concerns, audience by audience (the
        largest first): the audience's change is built, then each of its documents'
        frames rendered and written, before the next audience's (unless the batch has
        more events: then held, to be written with theirs). How many got it."""
        batch.follow(event)  # a process changed: its tree is read again when next needed
        boards = board_processes(event)
        audiences = [
            (topic, groups)
            for (topic, _), groups in self.subscribers.audiences()
            if _concerns(topic, event, boards)
        ]
        if not audiences:
            return 0
        salespeople = {
            (topic.process_id, groups[0][0].viewer)
            for topic, groups in audiences
            if isinstance(topic, BoardTopic) and not access.sees_every_deal(groups[0][0].viewer)
        }
        workspace = await self.workspace()
        reading = EventReading(event, workspace, {v.id for _, v in salespeople}, batch=batch)
        audiences.sort(key=lambda audience: sum(map(len, audience[1])), reverse=True)
        # Started now, so that its statements are under way while the first audiences'
        # changes are built: a read started later, just before a write loop, would not
        # even begin until the loop is over (writing does not yield to the event loop).
        reading.foresee_figures(salespeople)
        handed = 0
        for topic, groups in audiences:
            change = await change_for(reading, topic, groups[0][0].viewer)
            if change is None:
                continue
            for members in groups:
                payload = await self._rendered(change, members)
                handed += self._hand(change, members, payload, held)
        EVENTS_FANNED_OUT.inc(handed)
        return handed

    def _hand(
        self,
        change: Change,
        subscribers: list[Subscriber],
        payload: bytes | Exception | None,
        held: Held,
    ) -> int:
        """Hand the change to each subscriber still here, of one frames key: write its
        frame (after what was held for it) or hold it, if the feed writes for it (or end
        it with the error its frame could not be rendered for); else queue the change.
        How many got it.

        The hot path (an event read alone, thousands of sockets): a membership test,
        an attribute or two and the socket's write per subscriber, nothing more."""
        handed = 0
        cursor, here = change.cursor, self.subscribers.here
        if isinstance(payload, bytes) and held.last and held.holds_nothing():
            frame = (payload,)
            shared: dict[bytes, bytes] = {}  # the whole frame, made once per operation id
            for subscriber in subscribers:
                if subscriber not in here:
                    continue  # ended meanwhile (its task is going)
                if not subscriber.direct:
                    handed += self._offer(subscriber, change)
                elif subscriber.delivery.write(frame, shared):  # type: ignore[union-attr]
                    if cursor > subscriber.last_sent:
                        subscriber.last_sent = cursor
                    handed += 1
                else:
                    self._overflowed(subscriber)
            return handed
        for subscriber in subscribers:
            if subscriber not in here:
                continue
            if not subscriber.direct:
                handed += self._offer(subscriber, change)
                continue
            assert payload is not None  # it has a delivery, so its frames key a payload
            if isinstance(payload, Exception):
                if self._send(subscriber, *held.take(subscriber)):
                    subscriber.end(payload)
                    self.subscribers.discard(subscriber)
            elif not held.last:
                held.hold(subscriber, payload, cursor)
                handed += 1
            else:
                frames, _ = held.take(subscriber)
                frames.append(payload)
                handed += self._send(subscriber, frames, cursor)
        return handed

    async def _rendered(
        self, change: Change, subscribers: list[Subscriber]
    ) -> bytes | Exception | None:
        """The change's frame payload for the subscribers' document (rendered once), or
        why it cannot be (each subscriber's task raises it: its client is told); None
        when the feed writes for none of them (those still replaying get the change
        queued)."""
        here = self.subscribers.here
        writer = next((s for s in subscribers if s.direct and s in here), None)
        if writer is None or writer.delivery is None:
            return None
        try:
            return await writer.delivery.render(change)
        except Exception as error:
            return error

    def _offer(self, subscriber: Subscriber, change: Change) -> bool:
        """Queue the change for a subscriber whose task reads its queue (replaying, or
        with no delivery); one that overflows leaves."""
        if subscriber.offer(change):
            return True
        self.subscribers.discard(subscriber)
        return False

    def _send(self, subscriber: Subscriber, payloads: list[bytes], cursor: int) -> bool:
        """Write the subscriber's frames; if its socket cannot take them, it is dropped
        and told to resume after what it had before them. Whether they were written."""
        if not payloads:
            return True
        assert subscriber.delivery is not None
        if subscriber.delivery.write(payloads):
            subscriber.last_sent = max(subscriber.last_sent, cursor)
            return True
        self._overflowed(subscriber)
        return False

    def _overflowed(self, subscriber: Subscriber) -> None:
        """Its socket could not take its frames: it ends, told where to resume."""
        subscriber.end(_OVERFLOW)
        self.subscribers.discard(subscriber)

    def _write_held(self, held: Held) -> None:
        """What is held for each subscriber still here, written."""
        for subscriber, payloads, cursor in held.taken():
            if subscriber in self.subscribers.here:
                self._send(subscriber, payloads, cursor)

    def _dispatch_notification(self, notification: Notification) -> None:
        for subscriber in list(self.subscribers):
            if (
                isinstance(subscriber.topic, NotificationTopic)
                and subscriber.viewer.id == notification.recipient_id
            ):
                change = NotificationChange(notification.id, subscriber.viewer, notification)
                self._offer(subscriber, change)


def _concerns(topic: Topic, event: Event, boards: set[int] | None = None) -> bool:
    if isinstance(topic, BoardTopic):
        return topic.process_id in (boards if boards is not None else board_processes(event))
    if isinstance(topic, DealTopic):
        return event.deal_id == topic.deal_id
    if isinstance(topic, ActivityTopic):
        return topic.activity_filter.matches(event)
    return False


async def change_for(reading: EventReading, topic: Topic, viewer: User) -> Change | None:
    if isinstance(topic, BoardTopic):
        return await board_change(reading, topic.process_id, viewer)
    if isinstance(topic, DealTopic):
        return deal_change(reading, viewer)
    if isinstance(topic, ActivityTopic):
        return activity_change(reading, viewer)
    return None


class Hub:
    """This process's feeds, one per workspace with subscribers."""

    def __init__(
        self,
        poll_seconds: float = 2.0,
        queue_size: int = 100,
        live_sessions: LiveSessions = auth.live_session_users,
        sessions_ended: SessionsEnded = _ignore,
    ) -> None:
        self.poll_seconds = poll_seconds
        self.queue_size = queue_size
        self.live_sessions = live_sessions
        self.sessions_ended = sessions_ended
        self.feeds: dict[int, WorkspaceFeed] = {}

    def wake(self, workspace_id: int) -> None:
        feed = self.feeds.get(workspace_id)
        if feed is not None:
            feed.wake()

    async def wake_all(self) -> None:
        for feed in list(self.feeds.values()):
            feed.wake()

    async def _feed(self, workspace_id: int) -> WorkspaceFeed:
        feed = self.feeds.get(workspace_id)
        if feed is None:
            feed = self.feeds[workspace_id] = WorkspaceFeed(
                workspace_id, self.poll_seconds, self.live_sessions, self.sessions_ended
            )
        try:
            await asyncio.shield(feed.start())
        except Exception:
            # Not started (the database out of reach?): the next subscriber starts the
            # feed anew, instead of waiting forever for this one.
            if self.feeds.get(workspace_id) is feed:
                del self.feeds[workspace_id]
            raise
        return feed

    async def stream(
        self,
        viewer: User,
        topic: Topic,
        after: str | None,
        token: str | None = None,
        delivery: Delivery | None = None,
        personal: bool = False,
    ) -> AsyncIterator[Change]:
        """Check the cursor, register, and return the subscriber's changes: the replay
        from `after`, then live ones. Raises `Refused` for a bad or expired cursor.
        With the session's `token`, the subscriber ends when its session does. With a
        `delivery`, live changes after the replay are written by the feed (see the
        module's doc): the stream then yields nothing more, and ends as it would.
        `personal`: its document asks for what only its viewer's answer says."""
        cursor = _cursor_kind(topic).read(after) if after is not None else None
        if cursor is not None and not isinstance(topic, NotificationTopic):
            await log.check_not_expired(viewer.workspace_id, cursor)
        feed = await self._feed(viewer.workspace_id)
        subscriber = Subscriber(
            viewer,
            topic,
            self.queue_size,
            token,
            delivery=None if isinstance(topic, NotificationTopic) else delivery,
            personal=personal,
        )
        async with feed.lock:
            notes = isinstance(topic, NotificationTopic)
            if not feed.subscribers:
                await feed.fast_forward()
            elif notes and not feed.reads_notifications():
                # The feed has not been reading notifications: it starts from now.
                feed.notifications_seen = await log.latest_notification_id(feed.workspace_id)
            position = feed.notifications_seen if notes else feed.events_seen
            # What it has had so far: its cursor, or everything up to now.
            subscriber.last_sent = cursor if cursor is not None else position
            feed.subscribers.add(subscriber)
        if token is not None and cursor is not None:
            # The replay reads the log up to `position` without the feed's check: the
            # session is checked after registering, so after anything the replay sends.
            live = await self.live_sessions({token})
            if not auth.session_is_live(auth.SessionUser.of(viewer), live.get(token)):
                feed.subscribers.discard(subscriber)
                self.sessions_ended({token})
                raise SessionEnded
        return self._changes(feed, subscriber, cursor, position)

    async def _changes(
        self, feed: WorkspaceFeed, subscriber: Subscriber, cursor: int | None, position: int
    ) -> AsyncIterator[Change]:
        active = SUBSCRIPTIONS.labels(topic_kind(subscriber.topic))
        active.inc()

        def leave(_: object = None) -> None:
            active.dec()
            feed.subscribers.discard(subscriber)

        handed_over = False
        try:
            if cursor is not None:
                async for change in _replay(feed, subscriber, cursor, position):
                    subscriber.last_sent = change.cursor
                    yield change
            subscriber.last_sent = max(subscriber.last_sent, position)
            while True:
                if subscriber.delivery is not None and not subscriber.queued():
                    # Nothing queued, nothing being sent: the feed writes from now on.
                    handed_over = True
                    subscriber.hand_over().add_done_callback(leave)
                    raise HandedOver(subscriber)
                item = await subscriber.queue.get()
                _end(subscriber, item)
                assert isinstance(item, Change)
                if item.cursor <= subscriber.last_sent:
                    continue
                subscriber.last_sent = item.cursor
                yield item
        finally:
            if not handed_over:
                leave()

    async def close(self) -> None:
        for feed in self.feeds.values():
            await stop_task(feed.task)


def _end(subscriber: Subscriber, item: object) -> None:
    """Raise what ends the subscriber, if `item` says it ends."""
    if item is _OVERFLOW:
        raise SubscriberTooSlow(_cursor_kind(subscriber.topic).of(subscriber.last_sent))
    if item is _ENDED:
        raise SessionEnded
    if isinstance(item, BaseException):
        raise item


async def _replay(
    feed: WorkspaceFeed, subscriber: Subscriber, cursor: int, position: int
) -> AsyncIterator[Change]:
    """The subscriber's changes in (cursor, position], read from the log in batches."""
    workspace_id, topic, viewer = feed.workspace_id, subscriber.topic, subscriber.viewer
    if isinstance(topic, NotificationTopic):
        while cursor < position:
            rows = await log.notifications_between(
                workspace_id, cursor, position, recipient_id=viewer.id
            )
            for row in rows:
                yield NotificationChange(row.id, viewer, row)
            if len(rows) < log.REPLAY_BATCH:
                return
            cursor = rows[-1].id
        return
    workspace = await feed.workspace()
    while cursor < position:
        events = await log.events_between(workspace_id, cursor, position)
        batch = BatchReading(workspace)
        for event in events:
            batch.follow(event)
            if _concerns(topic, event):
                reading = EventReading(event, workspace, batch=batch)
                change = await change_for(reading, topic, viewer)
                if change is not None:
                    yield change
        if len(events) < log.REPLAY_BATCH:
            return
        cursor = events[-1].id


def topic_kind(topic: Topic) -> str:
    """A topic as the API names its subscription field (a metric's label)."""
    if isinstance(topic, BoardTopic):
        return "boardEvents"
    if isinstance(topic, NotificationTopic):
        return "notifications"
    if isinstance(topic, ActivityTopic):
        return "activityEvents"
    return "dealEvents"


def _cursor_kind(topic: Topic) -> IdCursor:
    return IdCursor.NOTIFICATION if isinstance(topic, NotificationTopic) else IdCursor.EVENT


def too_slow(error: SubscriberTooSlow) -> Refused:
    return Refused.one(
        ErrorCode.SUBSCRIBER_TOO_SLOW,
        "This subscription fell too far behind and was closed: subscribe again with "
        f'after: "{error.cursor}" to get everything since.',
    )
