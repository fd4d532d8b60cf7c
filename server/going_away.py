"""The WebSocket protocol `dealflow serve` gives uvicorn: uvicorn's own, except that a
server shutting down closes its open sockets with 1001 (going away) instead of 1012
(service restart), that the app may write a frame at once (`FrameWriter`: the live
feed's direct delivery, `subscriptions.feeds`), and that an open socket keeps less
(`GoingAwayWebSockets`: thousands of idle subscribers each keep one).

On SIGTERM uvicorn stops listening, then calls `shutdown()` on every connection at once
(WebSockets are closed there), then waits up to its graceful-shutdown timeout for the
HTTP requests still in flight. This hook is that `shutdown()`: it runs in every worker
of `--workers N` too, since uvicorn builds each connection from the class it is given.
A live-updates client that reads 1001 reconnects (the load balancer sends it to another
process) and resumes with its last cursor.
"""

from __future__ import annotations

import asyncio
import logging
import struct
from collections.abc import Coroutine, Sequence
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, TypeVar, cast

from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from websockets.frames import Frame
from websockets.http11 import Request
from websockets.protocol import State

from server.frames import FRAME_WRITER, Completable

if TYPE_CHECKING:  # uvicorn's private module, for types only
    from uvicorn._types import ASGIReceiveEvent, ASGISendEvent, ASGIVersions

logger = logging.getLogger("dealflow")

GOING_AWAY = 1001
GOING_AWAY_REASON = "Server shutting down: reconnect and resume from your last cursor."


# The most a socket's send buffer may hold before a frame written at once is refused
# (its subscriber is then dropped and told where to resume): well above a burst of
# events, well below what thousands of stuck sockets could make of the server's memory.
BUFFER_LIMIT = 1024 * 1024
# The longest between two firings of the keepalive timer (`Keepalives`), in seconds.
TICK = 1.0


class Inbox:
    """What uvicorn's protocol uses of an `asyncio.Queue` for the messages its app is
    to receive (`put_nowait`, `get`, `empty`), unbounded and first in, first out, in
    two lists: an `asyncio.Queue` is four deques and an event, some 3 KB for each open
    socket, which mostly holds nothing.

    `get(protocol)` also does what uvicorn's `receive` does once a message is taken: the
    protocol pauses reading its transport when it puts a message in, and reading
    resumes once the app has taken every message. So the protocol's `receive` returns
    `get`'s coroutine instead of awaiting it in one of its own, which an idle socket
    would keep suspended for as long as it waits (0.2 KB)."""

    __slots__ = ("_items", "_waiters")

    def __init__(self) -> None:
        self._items: list[ASGIReceiveEvent] = []
        self._waiters: list[asyncio.Future[None]] = []

    def empty(self) -> bool:
        return not self._items

    def qsize(self) -> int:
        return len(self._items)

    def put_nowait(self, item: ASGIReceiveEvent) -> None:
        self._items.append(item)
        self._wake_next()

    async def get(self, protocol: WebSocketsSansIOProtocol | None = None) -> ASGIReceiveEvent:
        while not self._items:
            waiter = asyncio.get_running_loop().create_future()
            self._waiters.append(waiter)
            try:
                await waiter
            except BaseException:
                # As asyncio.Queue does: a waiter woken but cancelled passes it on.
                waiter.cancel()
                if waiter in self._waiters:
                    self._waiters.remove(waiter)
                if self._items and not waiter.cancelled():
                    self._wake_next()
                raise
        message = self._items.pop(0)
        if protocol is not None and protocol.read_paused and not self._items:
            protocol.read_paused = False
            protocol.transport.resume_reading()
        return message

    def _wake_next(self) -> None:
        while self._waiters:
            waiter = self._waiters.pop(0)
            if not waiter.done():
                waiter.set_result(None)
                return


class Writable:
    """What uvicorn's protocol uses of the `asyncio.Event` that holds its sends while
    the transport's buffer is full (`set`, `clear`, `is_set`, `wait`): an Event keeps a
    deque, some 700 bytes for each open socket, and almost never has anyone waiting."""

    __slots__ = ("_open", "_waiters")

    def __init__(self) -> None:
        self._open = True
        self._waiters: list[asyncio.Future[None]] = []

    def is_set(self) -> bool:
        return self._open

    def set(self) -> None:
        self._open = True
        waiters, self._waiters = self._waiters, []
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(None)

    def clear(self) -> None:
        self._open = False

    async def wait(self) -> bool:
        if self._open:
            return True
        waiter = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            await waiter
        finally:
            if waiter in self._waiters:
                self._waiters.remove(waiter)
        return True


class Keepalives:
    """The keepalive pings of every socket of an event loop, on one timer: uvicorn
    schedules a timer for each socket's next ping (a timer handle, a bound method and a
    copy of the context: some 0.5 KB for each open socket, for a ping every 20 s). Here
    each socket is an entry in a map of when its next ping is due, and one timer sends
    the pings that are due, those due within a tick included: it fires at most once a
    tick (`TICK`, or a quarter of the ping interval if that is shorter), each time going
    through the map once, so that ten thousand sockets cost a pass a second, not a pass
    per socket. What a ping is, when the next one is due and what a missing pong does
    stay uvicorn's (`send_keepalive_ping`, `handle_pong`, `keepalive_timeout`). A
    socket's entry goes when its ping is sent or its keepalive stops; a closed socket's
    ping is sent to nobody and schedules no other (as with uvicorn's timers). A ping
    that fails is logged, and the others are still sent."""

    __slots__ = ("_armed_for", "_due", "_loop", "_tick", "_timer")

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._due: dict[GoingAwayWebSockets, float] = {}
        self._timer: asyncio.TimerHandle | None = None
        self._armed_for = 0.0
        self._tick = TICK

    def schedule(self, socket: GoingAwayWebSockets, delay: float) -> None:
        if socket.ping_interval:
            self._tick = min(self._tick, socket.ping_interval / 4)
        when = self._loop.time() + delay
        self._due[socket] = when
        if self._timer is None or when < self._armed_for:
            self._arm(when)

    def cancel(self, socket: GoingAwayWebSockets) -> None:
        self._due.pop(socket, None)

    def _arm(self, when: float) -> None:
        if self._timer is not None:
            self._timer.cancel()
        self._timer = self._loop.call_at(when, self._ping_due)
        self._armed_for = when

    def _ping_due(self) -> None:
        self._timer = None
        horizon = self._loop.time() + self._tick
        due = [socket for socket, when in self._due.items() if when <= horizon]
        for socket in due:
            del self._due[socket]
        try:
            for socket in due:
                try:
                    socket.send_keepalive_ping()
                except Exception:
                    logger.exception("a WebSocket keepalive ping could not be sent")
        finally:
            if self._due and self._timer is None:
                earliest = min(self._due.values())
                self._arm(max(earliest, self._loop.time() + self._tick))


_keepalives: dict[asyncio.AbstractEventLoop, Keepalives] = {}


def keepalives(loop: asyncio.AbstractEventLoop) -> Keepalives:
    """The loop's keepalives (one per loop: a worker process has one; tests make many,
    and an entry goes with its loop once the loop is closed)."""
    found = _keepalives.get(loop)
    if found is None:
        for closed in [other for other in _keepalives if other.is_closed()]:
            del _keepalives[closed]
        found = _keepalives[loop] = Keepalives(loop)
    return found


class GoingAwayWebSockets(WebSocketsSansIOProtocol):
    """uvicorn's default implementation (`--ws auto`, `websockets-sansio`), which also
    offers the app synchronous writes (`frame_writer`, in the scope's extensions), so
    that a live feed writes thousands of sockets' frames without waking a task for each.

    For an open socket it keeps less than uvicorn does: its app's messages wait in an
    `Inbox` instead of an `asyncio.Queue` (the app waiting for one waits in the inbox's
    `get`, not in a `receive` of the protocol's around it), its sends wait for room in
    the transport's buffer on a `Writable` instead of an `asyncio.Event`, and the
    handshake's request and response (their headers parsed into objects, some 5 KB) go
    once the handshake is answered (uvicorn reads them only until then; the app has its
    scope): uvicorn's references to them, and the request's headers, which websockets
    would keep. The scope's headers go then too: code that needs a header of a socket
    reads it before accepting. What every socket's scope holds alike (its ASGI version,
    the server's address, the empty `websocket.http.response` extension) is one
    read-only value for them all (`_shared`: 0.3 KB a socket). A message's data goes
    once uvicorn has handed it to the app (websockets' parser keeps the last frame it
    read until the next comes: for an idle subscriber, its subscribe message, some 0.4
    KB), and its keepalive pings share one timer with every other socket's
    (`Keepalives`).

    Every attribute uvicorn's protocol sets lives in a slot (`__slots__`; 37 names, the
    handshake's request and response among them): the 35 an open socket keeps would
    otherwise make an instance dictionary of 1.6 KB a socket (more than 30 keys: no keys
    shared between instances), against 8 bytes a slot. The class keeps uvicorn's
    `__dict__` for anything else; a test fails when uvicorn sets an attribute that is
    not in a slot (`test_an_open_socket_keeps_its_protocol_state_in_slots`)."""

    __slots__ = (
        "app",
        "app_state",
        "asgi_version",
        "client",
        "close_sent",
        "close_timeout",
        "close_timer",
        "config",
        "conn",
        "connections",
        "curr_msg_data_type",
        "default_headers",
        "disconnected",
        "frames",
        "handshake_complete",
        "handshake_initiated",
        "initial_response",
        "last_ping_rtt",
        "logger",
        "loop",
        "pending_ping_payload",
        "ping_interval",
        "ping_sent_at",
        "ping_timeout",
        "ping_timer",
        "pong_timer",
        "queue",
        "read_paused",
        "request",
        "response",
        "root_path",
        "scheme",
        "scope",
        "server",
        "tasks",
        "transport",
        "writable",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.queue = cast("asyncio.Queue[ASGIReceiveEvent]", Inbox())
        self.writable = cast("asyncio.Event", Writable())

    def receive(self) -> Coroutine[Any, Any, ASGIReceiveEvent]:
        return cast("Inbox", self.queue).get(self)

    async def send(self, message: ASGISendEvent) -> None:
        await super().send(message)
        if message["type"] == "websocket.accept" and self.handshake_complete:
            # websockets' parser keeps the request as long as the socket is open (a local
            # of its generator): its headers, some 2.5 KB, go at least.
            self.request.headers.clear()
            del self.request, self.response
            # The app has read what it needs of the headers while connecting (the
            # origin, the request id, the client's address): from now on the scope
            # keeps none (a browser's cookies alone can be kilobytes).
            cast("list[tuple[bytes, bytes]]", self.scope["headers"]).clear()

    def handle_text(self, event: Frame) -> None:
        super().handle_text(event)
        event.data = b""  # uvicorn has its bytes; only websockets' parser keeps the frame

    def handle_bytes(self, event: Frame) -> None:
        super().handle_bytes(event)
        event.data = b""

    def handle_cont(self, event: Frame) -> None:
        super().handle_cont(event)
        event.data = b""

    def schedule_ping(self) -> None:
        assert self.ping_interval is not None
        keepalives(self.loop).schedule(self, max(0.0, self.ping_interval - self.last_ping_rtt))

    def stop_keepalive(self) -> None:
        keepalives(self.loop).cancel(self)
        super().stop_keepalive()

    def handle_connect(self, event: Request) -> None:
        super().handle_connect(event)
        scope = getattr(self, "scope", None)
        if scope is not None:  # accepted: the app's task starts on the next loop turn
            scope["extensions"][FRAME_WRITER] = self.frame_writer
            # What every socket's scope holds alike is held once, read-only.
            scope["asgi"] = cast("ASGIVersions", _shared(MappingProxyType(scope["asgi"])))
            scope["extensions"]["websocket.http.response"] = _shared(MappingProxyType({}))
            if self.server is not None:
                self.server = scope["server"] = _shared(self.server)

    def frame_writer(self, head: bytes, operation: Completable | None) -> FrameWriter:
        """Writes at once for one operation on this socket, its frames' head `head`
        (made when the operation starts: the socket is open and its extensions agreed)."""
        return FrameWriter(self, head, operation)

    def shutdown(self) -> None:
        if self.handshake_complete and not self.close_sent and not self.transport.is_closing():
            # As uvicorn does with 1012: the app hears the disconnect, the client the close.
            self.queue.put_nowait({"type": "websocket.disconnect", "code": GOING_AWAY})
            self.conn.send_close(GOING_AWAY, GOING_AWAY_REASON)
            self.transport.write(b"".join(self.conn.data_to_send()))
            self.close_sent = True
        super().shutdown()  # a close already sent: uvicorn only closes the transport


# Values that every socket of a process holds alike, held once: a few at most (an ASGI
# version, an address per listening socket), and never more than this many.
_SHARED_AT_MOST = 64
_T = TypeVar("_T")
_shared_values: dict[Any, Any] = {}


def _shared(value: _T) -> _T:
    """`value`, or an equal one already kept for every socket that holds it alike (a
    read-only one: `MappingProxyType`, tuples of strings and numbers)."""
    key = tuple(value.items()) if isinstance(value, MappingProxyType) else value
    kept = _shared_values.get(key)
    if kept is None:
        if len(_shared_values) >= _SHARED_AT_MOST:
            return value
        kept = _shared_values[key] = value
    return cast("_T", kept)


class FrameWriter:
    """One operation's frames written at once on one socket (`write`): the live feed's
    call for each of thousands of sockets an event goes to, so it reads as little as it
    can, all of it kept here when the operation starts.

    It writes nothing to an operation that is over (`operation.completed`: its
    `complete` or `error` was sent) or to a socket that is closing: uvicorn has sent its
    close frame (`close_sent`: the app closed it, its keepalive timed out, its client
    broke the protocol, the server is going away), or has lost the connection
    (`disconnected`), or has closed the transport (the client's close frame answered).
    Every way out of websockets' open state goes through one of those, so the
    connection's state is not read for each frame (only before websockets frames one,
    with an extension: it would refuse); neither is Starlette's view of the
    socket (its app-side state turns to disconnected when the app sends its close, on
    the way to uvicorn setting `close_sent`: a frame written in between goes before
    the close frame, as any frame sent before it would).

    Without extensions (per-message compression is off unless configured), a server's
    text frame is its header and its bytes as they are (RFC 6455 5.2: no mask): written
    so, a group's encoded tail is shared by all its sockets instead of each building a
    websockets frame of its own. With an extension, websockets frames them."""

    __slots__ = ("framed", "head", "operation", "protocol", "transport")

    def __init__(
        self, protocol: GoingAwayWebSockets, head: bytes, operation: Completable | None
    ) -> None:
        self.protocol = protocol
        self.transport = protocol.transport
        self.head = head
        self.operation = operation
        self.framed = bool(protocol.conn.extensions)

    def write(self, tails: Sequence[bytes], frames: dict[bytes, bytes] | None = None) -> bool:
        """The text frames `head + tail`, one per tail (UTF-8), written at once, in one
        write; False (nothing written) when the socket's send buffer is over
        `BUFFER_LIMIT`. An operation that is over, or a socket going away, takes nothing
        and says True: the app hears of their end its own way.

        `frames`, for one tail written to many sockets (a group's event): its whole
        frames by head, each made by the first socket of that head and written as it
        is by the others (a group's operations mostly share their id, so mostly one)."""
        operation = self.operation
        if operation is not None and operation.completed:
            return True
        protocol, transport = self.protocol, self.transport
        if protocol.close_sent or protocol.disconnected or transport.is_closing():
            return True
        if transport.get_write_buffer_size() > BUFFER_LIMIT:
            return False
        head = self.head
        if self.framed:
            conn = protocol.conn
            if conn.state is not State.OPEN:
                return True  # as above; websockets would refuse to frame it
            for tail in tails:
                conn.send_text(head + tail)
            transport.write(b"".join(conn.data_to_send()))
        elif len(tails) == 1:
            frame = None if frames is None else frames.get(head)
            if frame is None:
                tail = tails[0]
                frame = b"".join((_text_header(len(head) + len(tail)), head, tail))
                if frames is not None:
                    frames[head] = frame
            transport.write(frame)
        else:
            transport.write(
                b"".join(
                    part
                    for tail in tails
                    for part in (_text_header(len(head) + len(tail)), head, tail)
                )
            )
        return True


# The headers of frames under 126 bytes (most of a board's events), made once.
_SHORT_HEADERS = tuple(bytes((0x81, length)) for length in range(126))


def _text_header(length: int) -> bytes:
    """A final, unmasked text frame's header for `length` bytes (RFC 6455 5.2)."""
    if length < 126:
        return _SHORT_HEADERS[length]
    if length < 65536:
        return struct.pack("!BBH", 0x81, 126, length)
    return struct.pack("!BBQ", 0x81, 127, length)


# `--ws` choices, as uvicorn import strings: the older implementation's module warns
# that `websockets.legacy` is deprecated as soon as it is imported, so it is imported
# only when chosen.
WS_PROTOCOLS = {
    "auto": "server.going_away:GoingAwayWebSockets",
    "websockets-sansio": "server.going_away:GoingAwayWebSockets",
    "websockets": "server.going_away_legacy:GoingAwayLegacyWebSockets",
}
