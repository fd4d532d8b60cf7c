"""Waiting for something a benchmark can only poll for."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable


async def wait_until(check: Callable[[], bool], limit: float = 30, every: float = 0.01) -> bool:
    """Poll `check` every `every` seconds until it holds or `limit` seconds passed;
    whether it held."""
    deadline = time.perf_counter() + limit
    while not check():
        if time.perf_counter() >= deadline:
            return False
        await asyncio.sleep(every)
    return True


async def wait_while_progressing(
    check: Callable[[], bool], progress: Callable[[], int], stall: float
) -> bool:
    """Poll `check` until it holds, for as long as `progress()` keeps growing: give up
    after `stall` seconds without; whether it held."""
    last = progress()
    while not await wait_until(check, stall, every=0.5):
        if progress() == last:
            return False
        last = progress()
    return True
