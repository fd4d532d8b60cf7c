"""Open WebSockets follow their session: a revoked or expired token, a deactivated user,
or a user whose role changed (what they may see changed with it) has its sockets
closed with 4403.

Two checks, both one query for many sockets, so they work whichever process made the
change and whether or not the bus is up:
- before handing out a batch of events, each feed checks its subscribers' sessions
  (`subscriptions.feeds`): nothing committed after a revocation reaches the socket;
- every `check_seconds`, each process checks all its sockets, those with no event
  coming too (the safety net, and what closes an idle socket).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import weakref
from dataclasses import dataclass
from typing import Protocol

from models.account import User
from resolvers.accounts import auth
from subscriptions.background import log_failure, stop_task

logger = logging.getLogger("dealflow.sessions")

SESSION_ENDED = 4403  # as for a refused connection_init
SESSION_ENDED_REASON = "Session ended: log in again."


class Socket(Protocol):
    """A client's connection as sessions see it. The server adapts its WebSockets
    (`server.session_sockets`): nothing here depends on the web framework."""

    def is_open(self) -> bool: ...

    async def close(self, code: int, reason: str) -> None: ...


async def close_ended(socket: Socket) -> None:
    """Close a socket whose session ended (once; a closed one stays as it is)."""
    with contextlib.suppress(Exception):
        await socket.close(SESSION_ENDED, SESSION_ENDED_REASON)


@dataclass(frozen=True)
class Session:
    token: str
    opened_as: auth.SessionUser


class Sessions:
    def __init__(self, check_seconds: float) -> None:
        self.check_seconds = check_seconds
        self._sockets: weakref.WeakKeyDictionary[Socket, Session] = weakref.WeakKeyDictionary()
        self._task: asyncio.Task[None] | None = None
        self._closing: set[asyncio.Task[None]] = set()

    def opened(self, socket: Socket, token: str, user: User) -> None:
        self._sockets[socket] = Session(token, auth.SessionUser.of(user))

    async def check_once(self) -> int:
        """Close the sockets whose session ended; how many were closed."""
        open_ = {ws: session for ws, session in list(self._sockets.items()) if ws.is_open()}
        for ws in set(self._sockets) - set(open_):
            self._sockets.pop(ws, None)
        if not open_:
            return 0
        live = await auth.live_session_users({session.token for session in open_.values()})
        ended = [
            ws
            for ws, session in open_.items()
            if not auth.session_is_live(session.opened_as, live.get(session.token))
        ]
        for ws in ended:
            self._sockets.pop(ws, None)
            await close_ended(ws)
        return len(ended)

    def end(self, tokens: set[str]) -> None:
        """Close this process's sockets of these sessions (a feed found them ended)."""
        for ws, session in list(self._sockets.items()):
            if session.token in tokens:
                self._sockets.pop(ws, None)
                task = asyncio.create_task(close_ended(ws), name="dealflow-session-ended")
                self._closing.add(task)
                task.add_done_callback(self._closing.discard)

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
