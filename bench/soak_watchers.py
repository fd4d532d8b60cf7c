"""The soak's live subscribers: boards and deals watched by managers and salespeople,
spread over the servers and both WebSocket sub-protocols, each on a socket of its own
and subscribed from the cursor the soak began at. Each keeps what it received (cursor
and kind, in arrival order); an error result, an early end or a closed socket is an
error of the run."""

from __future__ import annotations

import asyncio
import contextlib
import random
from dataclasses import dataclass, field
from typing import Any

from bench.soak_calls import ErrorLog
from bench.soak_cast import Cast, Person
from bench.soak_delivery import BoardWatch, DealWatch, Delivery, Viewer, Watch
from resolvers.pagination import IdCursor
from testkit.live import (
    BOARD_EVENTS,
    DEAL_EVENTS,
    PROTOCOLS,
    LiveClient,
    event_id,
    live_client,
)
from testkit.servers import Server

OPERATION = "1"
CONNECTING_AT_ONCE = 20
BOARD_SHARE = 0.6  # of the subscribers; the others watch one deal each
LEGACY_SHARE = 0.25  # of the subscribers on the legacy `graphql-ws` sub-protocol


@dataclass(eq=False)
class Watcher:
    person: Person
    watch: Watch
    watch_id: str  # the watched process's or deal's global id
    server: int
    protocol: str
    received: list[Delivery] = field(default_factory=list)
    client: LiveClient | None = None

    @property
    def viewer(self) -> Viewer:
        return Viewer(self.person.pk, self.person.manager)

    def describe(self) -> str:
        kind = "board" if isinstance(self.watch, BoardWatch) else "deal"
        return f"{self.person.name}'s {kind} {self.watch_id} on server {self.server}"


def plan_watchers(cast: Cast, count: int, servers: int, rng: random.Random) -> list[Watcher]:
    """`count` subscribers: a third of them managers', the rest spread over the
    salespeople; boards and deals (one the viewer sees at the start) mixed."""
    managers = [p for p in cast.people if p.manager]
    sellers = [p for p in cast.people if not p.manager] or managers
    watchers = []
    for index in range(count):
        person = managers[index % len(managers)] if index % 3 == 0 else rng.choice(sellers)
        watch: Watch
        if rng.random() < BOARD_SHARE:
            watch, watch_id = BoardWatch(cast.process_pk), cast.process_id
        else:
            deal = rng.choice(cast.seen_at_start_by(person))
            watch, watch_id = DealWatch(deal.pk), deal.id
        protocol = PROTOCOLS[1] if rng.random() < LEGACY_SHARE else PROTOCOLS[0]
        watchers.append(Watcher(person, watch, watch_id, index % servers, protocol))
    return watchers


class Watching:
    """The watchers' sockets, open from `open` until the `contextlib.AsyncExitStack`
    given to it closes."""

    def __init__(self, watchers: list[Watcher], errors: ErrorLog) -> None:
        self.watchers = watchers
        self.errors = errors
        self._readers: list[asyncio.Task[None]] = []

    async def open(
        self, stack: contextlib.AsyncExitStack, servers: list[Server], after: int
    ) -> None:
        gate = asyncio.Semaphore(CONNECTING_AT_ONCE)

        async def connect(watcher: Watcher) -> None:
            async with gate:
                url = servers[watcher.server].ws_url
                socket = live_client(url, watcher.person.token, watcher.protocol)
                watcher.client = await stack.enter_async_context(socket)
                document = BOARD_EVENTS if isinstance(watcher.watch, BoardWatch) else DEAL_EVENTS
                variables: dict[str, Any] = {"after": IdCursor.EVENT.of(after)}
                if isinstance(watcher.watch, BoardWatch):
                    variables["processId"] = watcher.watch_id
                else:
                    variables["dealId"] = watcher.watch_id
                await watcher.client.subscribe(OPERATION, document, **variables)
                self._readers.append(asyncio.create_task(self._read(watcher, watcher.client)))

        await asyncio.gather(*(connect(watcher) for watcher in self.watchers))
        stack.push_async_callback(self._stop_reading)

    async def _read(self, watcher: Watcher, client: LiveClient) -> None:
        while True:
            message = await client.results[OPERATION].get()
            payload = message.get("payload") or {}
            if message["type"] in ("next", "data") and not payload.get("errors"):
                (event,) = payload["data"].values()
                watcher.received.append((event_id(event["cursor"]), event["kind"]))
                continue
            self.errors.add("subscription", f"{watcher.describe()}: {message}")
            if message["type"] in ("error", "complete"):
                return

    def note_dropped(self) -> None:
        """Every socket a server closed is an error."""
        for watcher in self.watchers:
            if watcher.client is not None and watcher.client.closed.done():
                code, reason = watcher.client.closed.result()
                self.errors.add("dropped_socket", f"{watcher.describe()}: {code} {reason}")

    async def _stop_reading(self) -> None:
        for reader in self._readers:
            reader.cancel()
        await asyncio.gather(*self._readers, return_exceptions=True)
