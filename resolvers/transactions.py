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
back, never left open. Only while the entering still waits for the connection (SQLite's
lock, a pooled connection), having taken nothing, does a cancellation go through at
once, as it did: a request that times out, or a worker being stopped, does not wait for
another transaction to end. A BEGIN that fails is left too, which gives the connection
back; so is SQLite's lock when its connection cannot be opened. A held cancellation is
what the caller gets, whatever else failed meanwhile. Every transaction of Dealflow
opens here (ruff refuses Tortoise's own import elsewhere).

What was taken is read off Tortoise's context objects: a top-level transaction's sets
its `token` right after taking the connection (1.1.9; `tests/resolvers/
test_transactions.py` fails if that changes).

The two steps run in a copy of the caller's context, made on entering: Tortoise keeps
the transaction's connection in a context variable, set on entering and reset on
leaving, which must happen in one context. The caller's block sees the connection
through a setting of its own.
"""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from typing import Any, TypeVar

from tortoise.backends.base.client import (
    BaseDBAsyncClient,
    TransactionContext,
    TransactionContextPooled,
)
from tortoise.backends.sqlite.client import SqliteTransactionContext
from tortoise.connection import get_connections
from tortoise.transactions import in_transaction as _tortoise_in_transaction  # noqa: TID251

Result = TypeVar("Result")


def _taken(transaction: TransactionContext) -> bool:
    """Whether Tortoise's entering has taken the connection (a top-level transaction's
    context sets its token right after; a nested one, a savepoint, takes none)."""
    return getattr(transaction, "token", None) is not None


def _still_waiting(transaction: TransactionContext) -> bool:
    """Whether cancelling Tortoise's entering now leaves nothing behind: a top-level
    transaction that has not taken its connection yet, and waits for the pool, or for
    SQLite's lock with the connection already open (opening it comes after the lock)."""
    if _taken(transaction):
        return False
    if isinstance(transaction, TransactionContextPooled):
        return True
    if isinstance(transaction, SqliteTransactionContext):
        return transaction.connection._connection is not None
    return False


async def _to_the_end(
    step: Coroutine[Any, Any, Result],
    context: contextvars.Context,
    interruptible: Callable[[], bool] = lambda: False,
) -> tuple[asyncio.Task[Result], asyncio.CancelledError | None]:
    """Run `step` in a task of its own until it is done, whatever happens to the caller,
    unless the caller is cancelled while `interruptible()` (the step is then cancelled
    too); the task, and the cancellation the caller received meanwhile (if any)."""
    task = asyncio.get_running_loop().create_task(step, context=context)
    held: asyncio.CancelledError | None = None
    while not task.done():
        try:
            await asyncio.wait([task])
        except asyncio.CancelledError as cancellation:
            held = cancellation
            if interruptible():
                task.cancel()
    return task, held


async def _leave(
    transaction: TransactionContext,
    context: contextvars.Context,
    error: BaseException | None,
) -> tuple[BaseException | None, asyncio.CancelledError | None]:
    """Tortoise's leaving, to its end: what it raised, and a cancellation held meanwhile."""
    leave, held = await _to_the_end(
        transaction.__aexit__(
            type(error) if error else None, error, error.__traceback__ if error else None
        ),
        context,
    )
    return (None if leave.cancelled() else leave.exception()), held


async def _give_back(
    transaction: TransactionContext, context: contextvars.Context, failure: BaseException
) -> asyncio.CancelledError | None:
    """After Tortoise's entering failed: what it had taken given back."""
    if _taken(transaction):
        # BEGIN failed: leaving rolls back (which may fail too, on a broken connection:
        # the BEGIN's error is the one to tell) and gives the connection back.
        return (await _leave(transaction, context, failure))[1]
    if isinstance(transaction, SqliteTransactionContext) and transaction._trxlock.locked():
        transaction._trxlock.release()  # taken, then the connection could not be opened
    return None


@asynccontextmanager
async def in_transaction() -> AsyncIterator[BaseDBAsyncClient]:
    """A transaction on the default connection, as Tortoise's `in_transaction()`, which a
    cancellation can interrupt only while it waits for the connection or inside the
    caller's block (see the module's doc)."""
    transaction = _tortoise_in_transaction()
    context = contextvars.copy_context()
    enter, held = await _to_the_end(
        transaction.__aenter__(), context, lambda: _still_waiting(transaction)
    )
    if enter.cancelled():  # while it waited (or by the event loop's closing)
        raise held or asyncio.CancelledError()
    failure = enter.exception()
    if failure is not None:
        held = await _give_back(transaction, context, failure) or held
        if held is not None:
            raise held from failure
        raise failure
    connection = enter.result()
    if held is not None:
        await _leave(transaction, context, held)
        raise held
    token = get_connections().set(connection.connection_name, connection)
    try:
        yield connection
    except BaseException as error:
        get_connections().reset(token)
        problem, held = await _leave(transaction, context, error)
        if held is None and isinstance(error, asyncio.CancelledError):
            held = error
        if held is not None:
            raise held from problem
        if problem is not None:
            raise problem from error  # as Tortoise's: the failed rollback is what is heard
        raise
    get_connections().reset(token)
    problem, held = await _leave(transaction, context, None)
    if held is not None:
        raise held from problem
    if problem is not None:
        raise problem  # the commit's own failure (a constraint checked at commit, say)
