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

import asyncio
import inspect
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from starlette.applications import Starlette
from starlette.middleware.errors import ServerErrorMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

Function = TypeVar("Function", bound=Callable[..., Any])


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


def _taken_for_a_coroutine_function(function: Function) -> Function:
    """`function`, which returns an awaitable, marked so that servers that tell ASGI 3
    apps by `iscoroutinefunction(app.__call__)` (uvicorn's `--interface auto`) take it
    for one: `inspect.markcoroutinefunction` from Python 3.12, asyncio's own marker
    before (what asgiref's `markcoroutinefunction` does)."""
    mark = getattr(inspect, "markcoroutinefunction", None)
    if mark is not None:
        return mark(function)  # type: ignore[no-any-return]
    function._is_coroutine = asyncio.coroutines._is_coroutine  # type: ignore[attr-defined]
    return function


class FramelessStarlette(Starlette):
    """Starlette, whose `__call__` keeps no frame of its own while a WebSocket is open,
    nor its server error middleware's: for each idle subscriber, two coroutines (some
    0.5 KB). Starlette's `__call__` sets `scope["app"]`, builds the middleware stack once
    and awaits it; this one does the same and returns the stack's awaitable. A
    WebSocket goes past `ServerErrorMiddleware`, which hands anything but HTTP on as it
    is, without a `try` of its own (an error still reaches uvicorn, which closes the
    socket with 1011, as before)."""

    _asgi_single_callable = True  # see `Frameless`

    @_taken_for_a_coroutine_function
    def __call__(  # type: ignore[override]
        self, scope: Scope, receive: Receive, send: Send
    ) -> Awaitable[None]:
        scope["app"] = self
        stack = self.middleware_stack
        if stack is None:
            stack = self.middleware_stack = self.build_middleware_stack()
        if scope["type"] == "websocket" and type(stack) is ServerErrorMiddleware:
            return stack.app(scope, receive, send)
        return stack(scope, receive, send)
