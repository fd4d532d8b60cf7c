"""The bus's hold on broadcaster when Redis goes away."""

from __future__ import annotations

import asyncio

from subscriptions.bus import Bus


class Backend:
    def __init__(self) -> None:
        self._listener = asyncio.create_task(asyncio.sleep(3600))


class BroadcastOfAGoneRedis:
    """Stands in for a broadcaster whose disconnect fails: Redis is gone."""

    def __init__(self) -> None:
        self._backend = Backend()
        self._listener_task = asyncio.create_task(asyncio.sleep(3600))

    async def disconnect(self) -> None:
        raise ConnectionError("Connection closed by server.")


async def test_a_failed_disconnect_still_stops_broadcasters_listeners() -> None:
    broadcast = BroadcastOfAGoneRedis()
    tasks = [broadcast._listener_task, broadcast._backend._listener]

    await Bus._disconnect(broadcast)  # type: ignore[arg-type]
    await asyncio.wait(tasks, timeout=1)

    assert all(task.cancelled() for task in tasks)
    for task in tasks:
        task.cancel()
