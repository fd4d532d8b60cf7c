"""Middleware that keeps no frame of its own while a WebSocket is open, and the base of
those that concern HTTP only.

A middleware written `async def __call__(...): await self.app(...)` stays suspended,
a coroutine frame of some 300-500 bytes, for as long as what passes through it lasts:
for a WebSocket, as long as the socket is open, and thousands of idle subscribers each
kept one per layer. A `Frameless` layer's `__call__` is a plain function that returns
the awaitable of the app it wraps (its caller awaits it: ASGI asks for an awaitable,
not a coroutine function), so a WebSocket's stack holds none of these layers. `HTTPOnly`
hands everything but HTTP on that way; a layer that does something for WebSockets too
(`server.frames.RawSocketSend`, `server.logs.RequestIds`) does it and returns the app's
awaitable the same way.
"""

from __future__ import annotations

from collections.abc import Awaitable

from starlette.types import ASGIApp, Receive, Scope, Send


class Frameless:
    """A middleware whose `__call__` returns an awaitable instead of being a coroutine
    function."""

    # asgiref, which OpenTelemetry's middleware uses on the app it wraps, takes an object
    # whose `__call__` is not a coroutine function for an ASGI 2 app unless told so.
    _asgi_single_callable = True


class HTTPOnly(Frameless):
    """Subclasses handle HTTP in `http`; everything else goes to `app` as it is."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    def __call__(self, scope: Scope, receive: Receive, send: Send) -> Awaitable[None]:
        if scope["type"] != "http":
            return self.app(scope, receive, send)
        return self.http(scope, receive, send)

    def http(self, scope: Scope, receive: Receive, send: Send) -> Awaitable[None]:
        """The HTTP request's handling (usually an `async def`)."""
        raise NotImplementedError
