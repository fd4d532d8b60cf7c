"""The API's WebSocket endpoint, reached in front of Starlette's exception middleware
and router.

Every layer a WebSocket passes through stays suspended while it is open (see
`server.http_only`). Starlette's exception middleware, its router and the route add five
coroutines to each socket's stack, some 2 KB for each idle subscriber, and do nothing
for this endpoint: it raises no `WebSocketException` (it closes sockets itself, with
its own codes), and an unexpected error reaches the server error middleware, and then
uvicorn (1011), as it did through them. Any other WebSocket path goes on to the router,
which closes it as it did.
"""

from __future__ import annotations

from collections.abc import Awaitable

from starlette.types import ASGIApp, Receive, Scope, Send

from server.http_only import Frameless


class SocketRoute(Frameless):
    """Middleware, innermost: WebSockets at `path` go straight to `endpoint`."""

    def __init__(self, app: ASGIApp, path: str, endpoint: ASGIApp) -> None:
        self.app = app
        self.path = path
        self.endpoint = endpoint

    def __call__(self, scope: Scope, receive: Receive, send: Send) -> Awaitable[None]:
        if scope["type"] == "websocket" and scope["path"] == scope.get("root_path", "") + self.path:
            return self.endpoint(scope, receive, send)
        return self.app(scope, receive, send)
