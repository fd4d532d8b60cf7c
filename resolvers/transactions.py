"""Database transactions that a cancelled task cannot leave holding the connection.

Tortoise's `in_transaction()` (tortoise-orm 1.1.9) takes hold of a connection in its
`__aenter__` (on SQLite the lock on the process's one connection, on PostgreSQL a
connection from the pool) and then awaits BEGIN. A task cancelled during that await, or
a BEGIN that fails, never reaches `__aexit__`:
- on SQLite the lock is never released, so every later statement of the process waits
  for it for ever (a whole test run hung on it: a webhook worker stopped with the app);
- on PostgreSQL the connection never goes back to the pool, which shrinks for good.
Tasks are cancelled in normal running: a background worker when the server stops, a
subscription's work when its socket goes, a request that times out.

`in_transaction()` here runs Tortoise's entering and leaving each in a task of its own,
to its end: a cancellation of the caller meanwhile is held until that step is over (a
transaction entered is then left, rolled back) and raised after it. A commit that has
begun therefore finishes: what the caller's block wrote is either committed or rolled
back, never left open. A BEGIN that fails is left too, which gives the connection back.
Every transaction of Dealflow opens here (ruff refuses Tortoise's own import elsewhere).

The two steps run in a copy of the caller's context, made on entering: Tortoise keeps
the transaction's connection in a context variable, set on entering and reset on
leaving, which must happen in one context. The caller's block sees the connection
through a setting of its own.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
from collections.abc import AsyncIterator, Coroutine
from contextlib import asynccontextmanager
from typing import Any, TypeVar

from tortoise.backends.base.client import BaseDBAsyncClient, TransactionContext
from tortoise.connection import get_connections
from tortoise.transactions import in_transaction as _tortoise_in_transaction  # noqa: TID251

Result = TypeVar("Result")


async def _to_the_end(
    step: Coroutine[Any, Any, Result], context: contextvars.Context
) -> tuple[asyncio.Task[Result], asyncio.CancelledError | None]:
    """Run `step` in a task of its own until it is done, whatever happens to the caller;
    the task, and the cancellation the caller received meanwhile (if any) to raise."""
    task = asyncio.get_running_loop().create_task(step, context=context)
    held: asyncio.CancelledError | None = None
    while not task.done():
        try:
            await asyncio.wait([task])
        except asyncio.CancelledError as cancellation:
            held = cancellation
    return task, held


async def _leave(
    transaction: TransactionContext,
    context: contextvars.Context,
    error: BaseException | None,
) -> tuple[asyncio.Task[None], asyncio.CancelledError | None]:
    return await _to_the_end(
        transaction.__aexit__(
            type(error) if error else None, error, error.__traceback__ if error else None
        ),
        context,
    )


@asynccontextmanager
async def in_transaction() -> AsyncIterator[BaseDBAsyncClient]:
    """A transaction on the default connection, as Tortoise's `in_transaction()`, which a
    cancellation can interrupt only inside the caller's block (see the module's doc)."""
    transaction = _tortoise_in_transaction()
    context = contextvars.copy_context()
    enter, held = await _to_the_end(transaction.__aenter__(), context)
    if enter.cancelled():  # by the event loop's closing: nothing else reaches that task
        raise held or asyncio.CancelledError()
    failure = enter.exception()
    if failure is not None:
        # BEGIN failed with the connection taken: leaving gives it back (its rollback
        # may fail as well, on a broken connection; the BEGIN's error is the one to tell).
        with contextlib.suppress(Exception):
            (await _leave(transaction, context, failure))[0].result()
        raise held or failure
    connection = enter.result()
    if held is not None:
        await _leave(transaction, context, held)
        raise held
    token = get_connections().set(connection.connection_name, connection)
    try:
        yield connection
    except BaseException as error:
        get_connections().reset(token)
        leave, held = await _leave(transaction, context, error)
        if held is not None:
            raise held from error
        leave.result()
        raise
    get_connections().reset(token)
    leave, held = await _leave(transaction, context, None)
    leave.result()  # the commit's own failure (a constraint checked at commit, say)
    if held is not None:
        raise held
