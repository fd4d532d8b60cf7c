"""The bus: broadcaster over `memory://` in one process, `redis://` across many,
supervised.

broadcaster 0.3.1 does not reconnect when Redis goes away (its listener task dies and
subscribers wait forever), and a publish to a dead Redis raises or hangs. So the bus
keeps one listening subscription per channel in a supervisor task that notices a dead
listener, reconnects with back-off and tells its owner (who then catches up from the
event log); and a publish is bounded in time and never raises. While the bus is down the
service keeps working: feeds poll the event log, and the relay announces what was not
announced once the bus is back.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from types import TracebackType
from typing import Any

from broadcaster import Broadcast

from subscriptions.background import stop_task
from subscriptions.metrics import BUS_RECONNECTS

logger = logging.getLogger("dealflow.bus")

Handler = Callable[[str], None]
Reconnected = Callable[[], Awaitable[None]]

PUBLISH_TIMEOUT = 1.0
WATCH_INTERVAL = 0.5
MAX_BACKOFF = 5.0


def _wake_redis_listener(broadcast: Broadcast) -> None:
    """broadcaster 0.3.1's Redis listener starts reading when the first channel is
    subscribed, but it looks before redis-py has recorded the subscription, finds none,
    and waits forever for a signal that was already given: nothing is ever received.
    Giving the signal again once the subscription is recorded starts it for good."""
    ready = getattr(getattr(broadcast, "_backend", None), "_ready", None)
    if isinstance(ready, asyncio.Event):
        ready.set()


def _listeners(broadcast: Broadcast) -> list[asyncio.Task[Any]]:
    """broadcaster's listening tasks: its own, and its backend's (the Redis one dies
    alone when Redis goes away, leaving broadcaster's waiting on an empty queue)."""
    found = [
        getattr(broadcast, "_listener_task", None),
        getattr(getattr(broadcast, "_backend", None), "_listener", None),
    ]
    return [task for task in found if isinstance(task, asyncio.Task)]


class Bus:
    def __init__(self, url: str) -> None:
        self.url = url
        self._broadcast: Broadcast | None = None
        self._handlers: dict[str, list[Handler]] = {}
        self._on_reconnect: list[Reconnected] = []
        self._supervisor: asyncio.Task[None] | None = None
        self._connected = asyncio.Event()
        self._closing = False

    @property
    def scheme(self) -> str:
        """The bus's kind (`memory`, `redis`): what logs may name (a URL may hold a
        password)."""
        return self.url.split(":", 1)[0]

    @property
    def connected(self) -> bool:
        return self._connected.is_set()

    def listen(self, channel: str, handler: Handler) -> None:
        """Call `handler` with every message on `channel` (set up before entering)."""
        self._handlers.setdefault(channel, []).append(handler)

    def on_reconnect(self, callback: Reconnected) -> None:
        """Called after every (re)connection, to catch up on what the bus missed."""
        self._on_reconnect.append(callback)

    async def __aenter__(self) -> Bus:
        self._supervisor = asyncio.create_task(self._supervise(), name="dealflow-bus")
        # Wait briefly for the first connection; a bus that is down is not fatal.
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._connected.wait(), timeout=2.0)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._closing = True
        await stop_task(self._supervisor)

    async def publish(self, channel: str, message: str) -> bool:
        """Publish; False (logged) when the bus is down or slow. Never raises."""
        broadcast = self._broadcast
        if broadcast is None or not self.connected:
            return False
        try:
            await asyncio.wait_for(broadcast.publish(channel, message), PUBLISH_TIMEOUT)
        except Exception:
            logger.warning("publishing on the bus failed; the relay will retry", exc_info=True)
            self._connected.clear()
            return False
        return True

    async def _supervise(self) -> None:
        backoff = 0.1
        connected_before = False
        while not self._closing:
            broadcast = Broadcast(self.url)
            try:
                await broadcast.connect()
                if connected_before:
                    BUS_RECONNECTS.inc()
                connected_before = True
                self._broadcast = broadcast
                await self._listen_all(broadcast)
            except asyncio.CancelledError:
                await self._disconnect(broadcast)
                raise
            except Exception:
                if self.connected or backoff <= 0.1:
                    logger.warning("the bus (%s) is unreachable; retrying", self.scheme)
            self._connected.clear()
            self._broadcast = None
            await self._disconnect(broadcast)
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, MAX_BACKOFF)

    async def _listen_all(self, broadcast: Broadcast) -> None:
        async with contextlib.AsyncExitStack() as stack:
            queues = []
            for channel in self._handlers:
                subscriber = await stack.enter_async_context(broadcast.subscribe(channel))
                queues.append((channel, subscriber))
            _wake_redis_listener(broadcast)
            self._connected.set()
            logger.info("connected to the bus (%s)", self.scheme)
            for callback in self._on_reconnect:
                await callback()
            readers = [
                asyncio.create_task(self._read(channel, subscriber))
                for channel, subscriber in queues
            ]
            try:
                while self.connected:
                    if any(task.done() for task in _listeners(broadcast)):
                        raise ConnectionError("the bus listener stopped")
                    if any(reader.done() for reader in readers):
                        raise ConnectionError("a bus reader stopped")
                    await asyncio.sleep(WATCH_INTERVAL)
                raise ConnectionError("publishing found the bus down")
            finally:
                for reader in readers:
                    reader.cancel()

    async def _read(self, channel: str, subscriber: object) -> None:
        async for event in subscriber:  # type: ignore[attr-defined]
            for handler in self._handlers[channel]:
                try:
                    handler(event.message)
                except Exception:
                    logger.exception("a bus message handler failed")

    @staticmethod
    async def _disconnect(broadcast: Broadcast) -> None:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(broadcast.disconnect(), 1.0)
        # broadcaster stops its listeners only once the connection closed cleanly, which
        # it does not when Redis went away: they were left pending ("Task was destroyed
        # but it is pending!" in the soak's server logs after a restart of Redis).
        for task in _listeners(broadcast):
            task.cancel()
