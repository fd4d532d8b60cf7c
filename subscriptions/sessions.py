"""Open WebSockets follow their session: a revoked or expired token, a deactivated user,
or a user whose role changed (what they may see changed with it) has its sockets
closed with 4403.

Two checks, both one query for many sockets, so they work whichever process made the
change and whether or not the bus is up:
- before handing out a batch of events, each feed checks its subscribers' sessions
  (`subscriptions.feeds`): nothing committed after a revocation reaches the socket;
- every `check_seconds`, each process checks all its sockets, those with no event
  coming too (the safety net, and what closes an idle socket).

Sockets are kept by session (a thousand sockets of a wall of screens are a dozen
sessions): a check costs a step per session, and goes through sockets only of the
sessions that ended.
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
        # Weak: a socket goes from here when it is gone (its adapter lives on the socket).
        self._sockets: weakref.WeakKeyDictionary[Socket, Session] = weakref.WeakKeyDictionary()
        self._by_session: dict[Session, weakref.WeakSet[Socket]] = {}
        self._task: asyncio.Task[None] | None = None
        self._closing: set[asyncio.Task[None]] = set()

    def opened(self, socket: Socket, token: str, user: User) -> None:
        session = Session(token, auth.SessionUser.of(user))
        before = self._sockets.get(socket)
        if before is not None and before != session:
            self._by_session.get(before, weakref.WeakSet()).discard(socket)
        self._sockets[socket] = session
        self._by_session.setdefault(session, weakref.WeakSet()).add(socket)

    def _take(self, session: Session) -> list[Socket]:
        """The session's sockets, no longer kept here."""
        sockets = list(self._by_session.pop(session, ()))
        for ws in sockets:
            self._sockets.pop(ws, None)
        return sockets

    async def check_once(self) -> int:
        """Close the sockets whose session ended; how many open ones were closed."""
        for session in [s for s, sockets in self._by_session.items() if not sockets]:
            del self._by_session[session]  # its sockets are all gone
        if not self._by_session:
            return 0
        live = await auth.live_session_users({session.token for session in self._by_session})
        ended = [
            session
            for session in list(self._by_session)
            if not auth.session_is_live(session.opened_as, live.get(session.token))
        ]
        closed = 0
        for session in ended:
            for ws in self._take(session):
                if ws.is_open():
                    await close_ended(ws)
                    closed += 1
        return closed

    def end(self, tokens: set[str]) -> None:
        """Close this process's sockets of these sessions (a feed found them ended)."""
        for session in [s for s in self._by_session if s.token in tokens]:
            for ws in self._take(session):
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
