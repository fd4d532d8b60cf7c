"""Work started ahead of the one who will wait for it (a feed's start, a board's
foreseen pages, an event's figures): its failure belongs to whoever awaits it, and when
nobody does (they left, or never needed it), asyncio must not complain that nobody heard."""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import Awaitable, Coroutine
from typing import TypeVar

T = TypeVar("T")


def heard(future: asyncio.Future[T]) -> None:
    """Mark a finished future's failure, if any, as heard."""
    if not future.cancelled():
        future.exception()


def started(
    work: Coroutine[object, object, T] | Awaitable[T], context: contextvars.Context | None = None
) -> asyncio.Future[T]:
    """`work` under way now; its failure is heard whether or not anyone awaits it. With
    a `context`, a coroutine runs in that one rather than a copy of the caller's (whose
    values a finished task keeps for as long as it is kept)."""
    if context is not None and asyncio.iscoroutine(work):
        future: asyncio.Future[T] = asyncio.get_running_loop().create_task(work, context=context)
    else:
        future = asyncio.ensure_future(work)
    future.add_done_callback(heard)
    return future


async def shared_result(future: asyncio.Future[T]) -> T:
    """The result of work several wait for (a group's object, a batch's read): one
    waiter cancelled stops it for nobody. A future already done is answered at once,
    with no shield to make (most of a large group's waiters)."""
    if future.done():
        return future.result()
    return await asyncio.shield(future)
