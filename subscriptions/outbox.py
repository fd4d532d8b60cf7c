"""Telling everyone that the event log grew: right after a commit, and again by a relay
for whatever was committed but never announced (the bus was down, or the process died
between the commit and the announcement). Every event so reaches the bus at least once;
feeds read the log itself, so hearing twice repeats nothing.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from datetime import timedelta

from tortoise.functions import Max

from models.event import Event
from resolvers.clock import now_utc
from resolvers.events.log import purge_events
from subscriptions.background import log_failure, stop_task
from subscriptions.bus import Bus
from subscriptions.channels import LOG_CHANNEL, log_grew

logger = logging.getLogger("dealflow.outbox")

# An event younger than this is left to the request that wrote it to announce.
RELAY_GRACE = timedelta(seconds=1)
PURGE_EVERY = timedelta(hours=1)


class Outbox:
    def __init__(
        self,
        bus: Bus,
        wake_local: Callable[[int], None],
        retention: timedelta,
        relay_seconds: float = 1.0,
        origin: str = "",
    ) -> None:
        self.bus = bus
        self.wake_local = wake_local
        # This process's name on the bus: it wakes its own feeds itself, not by ear.
        self.origin = origin
        self.retention = retention
        self.relay_seconds = relay_seconds
        self._tasks: set[asyncio.Task[None]] = set()
        self._relay: asyncio.Task[None] | None = None

    def announce(self, written: Mapping[int, int]) -> None:
        """After a commit: wake this process's feeds now, and tell the others (in the
        background: the response does not wait for the bus). `written` maps each
        workspace to the highest event id the commit wrote there."""
        if not written:
            return
        for workspace_id in written:
            self.wake_local(workspace_id)
        task = asyncio.create_task(self._publish(dict(written)))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _publish(self, written: dict[int, int]) -> None:
        """Ring for each workspace; mark as announced only the events committed before
        the ring (up to the id given), so that a later commit is announced by its own."""
        try:
            for workspace_id, up_to in sorted(written.items()):
                rung = await self.bus.publish(LOG_CHANNEL, log_grew(workspace_id, self.origin))
                if rung and up_to:
                    await Event.filter(
                        workspace_id=workspace_id, id__lte=up_to, published_at=None
                    ).update(published_at=now_utc())
        except Exception:
            log_failure(logger, "announcing new events failed; the relay will retry")

    async def relay_once(self) -> None:
        """Announce what was committed but not announced (older than a moment)."""
        pending = (
            await Event.filter(published_at=None, at__lt=now_utc() - RELAY_GRACE)
            .annotate(up_to=Max("id"))
            .group_by("workspace_id")
            .values_list("workspace_id", "up_to")
        )
        if pending:
            for workspace_id, _ in pending:
                self.wake_local(int(workspace_id))
            await self._publish({int(w): int(up_to) for w, up_to in pending})

    async def _run_relay(self) -> None:
        last_purge = now_utc() - PURGE_EVERY
        while True:
            await asyncio.sleep(self.relay_seconds)
            try:
                if self.bus.connected:
                    await self.relay_once()
                if now_utc() - last_purge >= PURGE_EVERY:
                    last_purge = now_utc()
                    await purge_events(self.retention, last_purge)
            except Exception:
                log_failure(logger, "the outbox relay failed; retrying")

    async def __aenter__(self) -> Outbox:
        self._relay = asyncio.create_task(self._run_relay(), name="dealflow-relay")
        return self

    async def __aexit__(self, *exc: object) -> None:
        for task in [self._relay, *self._tasks]:
            await stop_task(task)
