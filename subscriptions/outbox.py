"""Telling everyone that the event log grew: right after a commit, and again by a relay
for whatever was committed but never announced (the bus was down, or the process died
between the commit and the announcement). Every event so reaches the bus at least once;
feeds read the log itself, so hearing twice repeats nothing.

An event rung for is marked announced (`published_at`) a moment later (`MARK_DELAY`),
together with the others rung for meanwhile: the mark is an UPDATE, and made at once it
would be a write per commit, queued ahead of the feeds' reads of the very events it
marks (on SQLite's one connection, some 1-1.5 ms before the first subscriber of each
event got it). A process that dies before marking leaves its events to the relay,
which announces them once more: harmless.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine, Mapping
from datetime import timedelta
from typing import Any

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
MARK_DELAY = 0.05  # seconds from a ring to its mark in the log


class Outbox:
    def __init__(
        self,
        bus: Bus,
        wake_local: Callable[[int], None],
        retention: timedelta,
        relay_seconds: float = 1.0,
        origin: str = "",
        mark_delay: float = MARK_DELAY,
    ) -> None:
        self.bus = bus
        self.wake_local = wake_local
        # This process's name on the bus: it wakes its own feeds itself, not by ear.
        self.origin = origin
        self.retention = retention
        self.relay_seconds = relay_seconds
        self.mark_delay = mark_delay
        self._tasks: set[asyncio.Task[None]] = set()
        self._relay: asyncio.Task[None] | None = None
        # The highest event id rung for in each workspace, not yet marked announced.
        self._rung: dict[int, int] = {}
        self._marking: asyncio.Task[None] | None = None

    def announce(self, written: Mapping[int, int]) -> None:
        """After a commit: wake this process's feeds now, and tell the others (in the
        background: the response does not wait for the bus). `written` maps each
        workspace to the highest event id the commit wrote there."""
        if not written:
            return
        for workspace_id in written:
            self.wake_local(workspace_id)
        self._start(self._publish(dict(written)))

    def _start(self, work: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        task = asyncio.create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def _publish(self, written: dict[int, int]) -> None:
        """Ring for each workspace; what was rung for is marked a moment later."""
        try:
            for workspace_id, up_to in sorted(written.items()):
                rung = await self.bus.publish(LOG_CHANNEL, log_grew(workspace_id, self.origin))
                if rung and up_to:
                    self._rung[workspace_id] = max(self._rung.get(workspace_id, 0), up_to)
        except Exception:
            log_failure(logger, "announcing new events failed; the relay will retry")
        if self._rung and (self._marking is None or self._marking.done()):
            self._marking = self._start(self._mark_later())

    async def _mark_later(self) -> None:
        """Mark what was rung for, a moment after; again while rings came meanwhile."""
        while self._rung:
            await self._moment()
            await self.mark_rung()

    async def _moment(self) -> None:
        await asyncio.sleep(self.mark_delay)

    async def mark_rung(self) -> None:
        """Mark as announced the events rung for: in each workspace, only those committed
        before its last ring (up to the id given), so that a later commit is announced
        by its own. What a failure leaves unmarked the relay announces again; what a
        cancellation (shutting down) leaves is kept for the next mark."""
        rung, self._rung = self._rung, {}
        try:
            for workspace_id in sorted(rung):
                await Event.filter(
                    workspace_id=workspace_id, id__lte=rung[workspace_id], published_at=None
                ).update(published_at=now_utc())
                del rung[workspace_id]
        except Exception:
            log_failure(logger, "marking events announced failed; the relay will announce them")
        except asyncio.CancelledError:
            for workspace_id, up_to in rung.items():
                self._rung[workspace_id] = max(self._rung.get(workspace_id, 0), up_to)
            raise

    async def settled(self) -> None:
        """Until the announcements under way, and their marks, are done."""
        while self._tasks or self._rung:
            if self._tasks:
                await asyncio.gather(*self._tasks, return_exceptions=True)
            else:
                await self.mark_rung()

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
            await self.mark_rung()

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
        await stop_task(self._relay)
        while self._tasks:  # one stopped may have started another meanwhile
            for task in list(self._tasks):
                await stop_task(task)
        await self.mark_rung()
