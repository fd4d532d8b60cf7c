"""The event bus: broadcaster over `memory://` in one process, `redis://` across many."""

from __future__ import annotations

from types import TracebackType

from broadcaster import Broadcast


class Bus:
    """Opens and closes the broadcast with the app; publishing arrives with live updates."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.broadcast = Broadcast(url)

    async def __aenter__(self) -> Bus:
        await self.broadcast.connect()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.broadcast.disconnect()
