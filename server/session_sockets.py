"""Starlette's WebSockets as `subscriptions.sessions.Socket`s, so that live updates
close a socket whose session ended without depending on the web framework."""

from __future__ import annotations

from starlette.websockets import WebSocket, WebSocketState


class StarletteSocket:
    """One WebSocket, kept on the socket's own state (`session_socket`): it lives as long
    as the socket does, which is what the sessions' weak registry relies on."""

    __slots__ = ("__weakref__", "websocket")

    def __init__(self, websocket: WebSocket) -> None:
        self.websocket = websocket

    def is_open(self) -> bool:
        return (
            self.websocket.application_state == WebSocketState.CONNECTED
            and self.websocket.client_state == WebSocketState.CONNECTED
        )

    async def close(self, code: int, reason: str) -> None:
        await self.websocket.close(code=code, reason=reason)


def session_socket(websocket: WebSocket) -> StarletteSocket:
    """The socket's adapter, made on first use."""
    socket = getattr(websocket.state, "session_socket", None)
    if not isinstance(socket, StarletteSocket):
        socket = websocket.state.session_socket = StarletteSocket(websocket)
    return socket
