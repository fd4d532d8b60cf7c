"""Turns for setting sockets up: at most so many WebSocket operations (and
`connection_init`s) of one server process are being set up at once; the others wait
their turn, each in a coroutine of a few hundred bytes.

Why: a reconnect storm (a deploy, a network blip: every wall screen and browser of a
company reconnects within a second) starts thousands of setups at once. Each waits for
the database with its whole execution in memory (the document's execution, Strawberry's
extensions, the resolvers' frames: some 12 KB), and the memory the process peaks at
stays with it once they are done (freed, but fragmented). Measured with
`bench/fanout.py`'s subscribers, 1,000 at once on one process: 41 KB of resident memory
per idle subscriber without turns, 29 KB with 32 turns. The database serves them at the
pace of its pool either way.

A turn is held until the operation's stream is open (a subscription: registered with its
feed, `schema.live.execution.stream_opened`), until it first sends something (a query or
a mutation sent over the socket, a subscription refused: a client that does not read
must not hold a turn while its send waits), or until it ends. A `connection_init` that
waits for its turn has come in time: its timeout is cancelled first.
"""

from __future__ import annotations

import asyncio
from types import TracebackType


class SetupTurns:
    """One process's turns (`at_once`: how many at once; 0: no limit)."""

    __slots__ = ("_semaphore",)

    def __init__(self, at_once: int) -> None:
        self._semaphore = asyncio.Semaphore(at_once) if at_once > 0 else None

    def turn(self) -> Turn:
        return Turn(self._semaphore)


class Turn:
    """One setup's turn: `async with` waits for it and gives it back on leaving, unless
    `done()` gave it back before."""

    __slots__ = ("_held", "_semaphore")

    def __init__(self, semaphore: asyncio.Semaphore | None) -> None:
        self._semaphore = semaphore
        self._held = False

    async def __aenter__(self) -> Turn:
        if self._semaphore is not None:
            await self._semaphore.acquire()
            self._held = True
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.done()

    def done(self) -> None:
        """The setup is over: the next may start (once; later calls do nothing)."""
        if self._held:
            self._held = False
            assert self._semaphore is not None
            self._semaphore.release()
