"""Everything live updates need in one server process, opened and closed with the app:
the bus, the feeds, the outbox and its relay, the session checks and the task clock."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from types import TracebackType

from resolvers.clock import now_utc
from resolvers.deals.rot_clock import record_rotten_deals
from resolvers.events.log import collecting_writes
from resolvers.tasks.clock import record_due_tasks
from subscriptions.background import log_failure, stop_task
from subscriptions.bus import Bus
from subscriptions.channels import LOG_CHANNEL, read_log_grew
from subscriptions.feeds import Hub
from subscriptions.outbox import Outbox
from subscriptions.sessions import Sessions

logger = logging.getLogger("dealflow.live")

# After a restart, transitions of the last few minutes are written if nobody did.
CLOCK_LOOKBACK = timedelta(minutes=5)


@dataclass(frozen=True)
class LiveSettings:
    broadcast_url: str = "memory://"
    poll_seconds: float = 2.0
    queue_size: int = 100
    session_check_seconds: float = 5.0
    clock_seconds: float = 1.0
    relay_seconds: float = 1.0
    event_retention: timedelta = timedelta(days=7)


class LiveUpdates:
    def __init__(self, settings: LiveSettings) -> None:
        self.settings = settings
        self.bus = Bus(settings.broadcast_url)
        self.sessions = Sessions(settings.session_check_seconds)
        self.hub = Hub(settings.poll_seconds, settings.queue_size, sessions_ended=self.sessions.end)
        self.origin = secrets.token_hex(8)
        self.outbox = Outbox(
            self.bus, self._wake, settings.event_retention, settings.relay_seconds, self.origin
        )
        # Others who want to know that a workspace's log grew (the webhook worker).
        self.log_listeners: list[Callable[[int], None]] = []
        self.bus.listen(LOG_CHANNEL, self._heard)
        self.bus.on_reconnect(self._reconnected)
        self._stack = contextlib.AsyncExitStack()
        self._clock: asyncio.Task[None] | None = None

    def _heard(self, message: str) -> None:
        heard = read_log_grew(message)
        if heard is not None and heard[1] != self.origin:  # our own: woken already
            self._wake(heard[0])

    def _wake(self, workspace_id: int) -> None:
        """A workspace's log grew (here, or in another process that said so on the bus)."""
        self.hub.wake(workspace_id)
        for listener in self.log_listeners:
            listener(workspace_id)

    async def _reconnected(self) -> None:
        """The bus may have missed announcements: read the logs, announce the backlog."""
        await self.hub.wake_all()
        with contextlib.suppress(Exception):
            await self.outbox.relay_once()

    async def _run_clock(self) -> None:
        since = now_utc() - CLOCK_LOOKBACK
        while True:
            try:
                now = now_utc()
                with collecting_writes() as written:
                    await record_due_tasks(since, now)
                    await record_rotten_deals(since, now)
                self.outbox.announce(written)
                since = now
            except Exception:
                log_failure(logger, "the clock (tasks falling due, deals rotting) failed; retrying")
            await asyncio.sleep(self.settings.clock_seconds)

    async def __aenter__(self) -> LiveUpdates:
        await self._stack.enter_async_context(self.bus)
        await self._stack.enter_async_context(self.outbox)
        await self._stack.enter_async_context(self.sessions)
        self._clock = asyncio.create_task(self._run_clock(), name="dealflow-task-clock")
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await stop_task(self._clock)
        await self.hub.close()
        await self._stack.aclose()
