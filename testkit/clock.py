"""The project's clock, stopped."""

from __future__ import annotations

from datetime import datetime


class FrozenClock:
    """`resolvers.clock` stopped at a moment the test chooses (and moves)."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now
