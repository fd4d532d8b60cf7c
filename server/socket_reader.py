"""A socket's messages as Strawberry's protocol handlers read them (`async for message
in websocket.iter_json()`), read one coroutine deep.

Strawberry's `iter_json` is an async generator over Starlette's `receive_text`, which
awaits Starlette's `receive`, which awaits the server's: an idle subscriber, which
spends its life waiting for its next message, kept that whole chain suspended (the
generator, its `asend`, two Starlette coroutines and the generator's entry in the
loop's weak set of async generators: some 0.9 KB a socket). `JsonMessages` is an
iterator whose `__anext__` awaits the server's `receive` itself, and keeps nothing
between two messages.

What it does is theirs, in their order: a socket the app has closed yields nothing
more; a disconnect ends the messages (Starlette's client state turns to disconnected,
as its `receive` would set it); a message that is not text raises
`NonTextMessageReceived`, one that is not JSON `NonJsonMessageReceived` unless parsing
errors are ignored; and the message's text is not kept once decoded (an idle socket
keeps no copy of its last message).
"""

from __future__ import annotations

from collections.abc import Callable
from json import JSONDecodeError

from starlette.types import Receive
from starlette.websockets import WebSocket, WebSocketState
from strawberry.http.exceptions import NonJsonMessageReceived, NonTextMessageReceived


class JsonMessages:
    """The decoded messages of `socket`, read from `receive` (the server's ASGI
    `receive` the socket was made with)."""

    __slots__ = ("_decode", "_ignore_parsing_errors", "_receive", "_socket")

    def __init__(
        self,
        socket: WebSocket,
        receive: Receive,
        decode: Callable[[str], object],
        ignore_parsing_errors: bool,
    ) -> None:
        self._socket = socket
        self._receive = receive
        self._decode = decode
        self._ignore_parsing_errors = ignore_parsing_errors

    def __aiter__(self) -> JsonMessages:
        return self

    async def __anext__(self) -> object:
        socket = self._socket
        while (
            socket.application_state is not WebSocketState.DISCONNECTED
            and socket.client_state is WebSocketState.CONNECTED
        ):
            message = await self._receive()
            kind = message["type"]
            if kind == "websocket.disconnect":
                socket.client_state = WebSocketState.DISCONNECTED
                break
            if kind != "websocket.receive":
                raise RuntimeError(f"Unexpected ASGI message {kind!r} on an open WebSocket")
            try:
                text = message["text"]
            except KeyError as error:
                raise NonTextMessageReceived from error
            del message
            try:
                return self._decode(text)
            except JSONDecodeError as error:
                if not self._ignore_parsing_errors:
                    raise NonJsonMessageReceived from error
        raise StopAsyncIteration
