"""The background tasks of live updates (bus supervisor, feeds, relay, clock, session
sweep) stop the same way: cancelled, then awaited until they have let go."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any


async def stop_task(task: asyncio.Task[Any] | None) -> None:
    """Cancel `task` and wait until it has stopped, whatever it raised on the way."""
    if task is None:
        return
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError, Exception):
        await task
