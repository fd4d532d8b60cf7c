"""Work started ahead of the one who will wait for it (a feed's start, a board's
foreseen pages, an event's figures): its failure belongs to whoever awaits it, and when
nobody does (they left, or never needed it), asyncio must not complain that nobody heard."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import TypeVar

T = TypeVar("T")


def heard(future: asyncio.Future[T]) -> None:
    """Mark a finished future's failure, if any, as heard."""
    if not future.cancelled():
        future.exception()


def started(work: Awaitable[T]) -> asyncio.Future[T]:
    """`work` under way now; its failure is heard whether or not anyone awaits it."""
    future = asyncio.ensure_future(work)
    future.add_done_callback(heard)
    return future
