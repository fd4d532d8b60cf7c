"""Open WebSockets follow their session: a revoked or expired token, a deactivated user,
or a user whose role changed (what they may see changed with it) has its sockets
closed. Every process checks its own sockets' tokens in one query every few seconds, so
it works whichever process made the change and whether or not the bus is up.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import weakref
from dataclasses import dataclass

from starlette.websockets import WebSocket, WebSocketState

from models.account import User
from resolvers import auth
from subscriptions.background import log_failure, stop_task

logger = logging.getLogger("dealflow.sessions")

SESSION_ENDED = 4403  # as for a refused connection_init


@dataclass(frozen=True)
class Session:
    token: str
    user_id: int
    role: str


class Sessions:
    def __init__(self, check_seconds: float) -> None:
        self.check_seconds = check_seconds
        self._sockets: weakref.WeakKeyDictionary[WebSocket, Session] = weakref.WeakKeyDictionary()
        self._task: asyncio.Task[None] | None = None

    def opened(self, websocket: WebSocket, token: str, user: User) -> None:
        self._sockets[websocket] = Session(token, user.id, str(user.role))

    async def check_once(self) -> int:
        """Close the sockets whose session ended; how many were closed."""
        open_ = {
            ws: session
            for ws, session in list(self._sockets.items())
            if ws.application_state == WebSocketState.CONNECTED
            and ws.client_state == WebSocketState.CONNECTED
        }
        for ws in set(self._sockets) - set(open_):
            self._sockets.pop(ws, None)
        if not open_:
            return 0
        live = await auth.live_sessions({session.token for session in open_.values()})
        ended = [
            ws
            for ws, session in open_.items()
            if (user := live.get(session.token)) is None
            or user.id != session.user_id
            or str(user.role) != session.role
        ]
        for ws in ended:
            self._sockets.pop(ws, None)
            with contextlib.suppress(Exception):
                await ws.close(code=SESSION_ENDED, reason="Session ended: log in again.")
        return len(ended)

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.check_seconds)
            try:
                await self.check_once()
            except Exception:
                log_failure(logger, "checking WebSocket sessions failed; retrying")

    async def __aenter__(self) -> Sessions:
        self._task = asyncio.create_task(self._run(), name="dealflow-sessions")
        return self

    async def __aexit__(self, *exc: object) -> None:
        await stop_task(self._task)
