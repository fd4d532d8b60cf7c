"""The frames a live operation's events go out in (`schema.live.execution`'s frame
path): the group's payload, encoded once, spliced into each socket's frame with the
operation's id, and written as text.

One sink per operation, made when the operation starts: its frame's head (the id and
type, in its sub-protocol's shape) is encoded then, once; each event costs a string
join and the socket's write. Two ways to write: `next`, from the operation's own task
(the replay), which awaits the socket (uvicorn pauses a sender whose client does not
read, so a socket that falls behind fills its subscriber queue); and `next_now`, from
the live feed (direct delivery), which writes at once through uvicorn's protocol and is
refused once the socket's buffer is full. Either way a client that does not read is told
so (`SUBSCRIBER_TOO_SLOW`) instead of growing the server's buffers.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Protocol

from starlette.types import ASGIApp, Receive, Scope, Send
from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketState
from strawberry.http.exceptions import WebSocketDisconnected

from schema.live.execution import compact_json
from server.http_only import Frameless


def encode(message: object) -> str:
    """Any other message (acks, errors, `complete`), as compact JSON."""
    return compact_json(message)


class Completable(Protocol):
    """An operation that may be over (Strawberry's graphql-transport-ws `Operation`: it
    sends nothing after its `complete` or `error`)."""

    completed: bool


class FrameSink:
    """One operation's result frames on one socket (`schema.live.execution.FrameSink`).
    `operation`: whether it may still send (graphql-transport-ws; None: no such rule).

    Frames go to the server's own ASGI `send` (`RawSocketSend`), not through
    Starlette's socket and middleware wrappers: on the hot path, each wrapper is a call
    per frame per socket. `next` checks the socket's state as Starlette would; `next_now`
    leaves it to the protocol's writer (see `server.going_away.FrameWriter`).

    `next_now` is the server protocol's own writer for the operation (made here, once):
    no call of ours between the feed and the socket's write."""

    __slots__ = (
        "__weakref__",
        "head",
        "next_now",
        "operation",
        "send",
        "websocket",
        "writes_now",
    )

    def __init__(
        self,
        websocket: WebSocket,
        head: str,
        operation: Completable | None = None,
    ) -> None:
        self.websocket = websocket
        self.send: Send = websocket.scope.get(RAW_SEND) or websocket.send
        self.head = head
        self.operation = operation
        extensions = websocket.scope.get("extensions") or {}
        make_writer: MakeFrameWriter | None = extensions.get(FRAME_WRITER)
        self.writes_now = make_writer is not None
        self.next_now: WriteNow = (
            make_writer(head.encode(), operation).write
            if make_writer is not None
            else _cannot_write_now
        )

    @staticmethod
    def encoded(payload: str) -> bytes:
        """A payload as `next_now` takes it: its bytes and the frame's closing brace,
        shared by every socket it goes to (only the head differs between them)."""
        return f"{payload}}}".encode()

    async def next(self, payload: str) -> None:
        if self.operation is not None and self.operation.completed:
            return
        if self.websocket.application_state != WebSocketState.CONNECTED:
            raise WebSocketDisconnected
        try:
            await self.send({"type": "websocket.send", "text": f"{self.head}{payload}}}"})
        except (OSError, WebSocketDisconnect) as closed:  # uvicorn: ClientDisconnected
            raise WebSocketDisconnected from closed


class WriteNow(Protocol):
    """The frames of `encoded` payloads, in order, written at once and together by the
    server's protocol (`server.going_away.FrameWriter.write`); False when the socket's
    buffer is full (its client does not read). `frames`: one payload's whole frames,
    shared by the sockets it goes to."""

    def __call__(self, tails: Sequence[bytes], frames: dict[bytes, bytes] | None = None) -> bool:
        """Write them, or say why not."""


class FrameWriterLike(Protocol):
    """What the server's protocol makes for one operation (`server.going_away.FrameWriter`)."""

    def write(self, tails: Sequence[bytes], frames: dict[bytes, bytes] | None = None) -> bool:
        """See `WriteNow`."""


# The protocol's writer for one operation: its frames' head, and the operation.
MakeFrameWriter = Callable[[bytes, "Completable | None"], FrameWriterLike]


def _cannot_write_now(tails: Sequence[bytes], frames: dict[bytes, bytes] | None = None) -> bool:
    raise RuntimeError("this socket's server offers no synchronous write (see `writes_now`)")


RAW_SEND = "dealflow.raw_send"
# The ASGI extension under which `server.going_away`'s protocol offers synchronous writes.
FRAME_WRITER = "dealflow.websocket.frame_writer"


class RawSocketSend(Frameless):
    """ASGI middleware, outermost: a WebSocket's scope carries the server's own `send`
    (under `RAW_SEND`) for `FrameSink`. It keeps no frame of its own while the socket is
    open (`server.http_only`)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    def __call__(self, scope: Scope, receive: Receive, send: Send) -> Awaitable[None]:
        if scope["type"] == "websocket":
            scope[RAW_SEND] = send
        return self.app(scope, receive, send)


def transport_sink(websocket: WebSocket, operation_id: str, operation: Completable) -> FrameSink:
    """graphql-transport-ws: `{"id":…,"type":"next","payload":…}`."""
    head = f'{{"id":{encode(operation_id)},"type":"next","payload":'
    return FrameSink(websocket, head, operation)


def legacy_sink(websocket: WebSocket, operation_id: str) -> FrameSink:
    """graphql-ws (legacy): `{"type":"data","id":…,"payload":…}`."""
    return FrameSink(websocket, f'{{"type":"data","id":{encode(operation_id)},"payload":')
