"""Transactions and cancellation (`resolvers.transactions`): a task cancelled anywhere in
a transaction, entering and committing included, leaves the connection free for the
next statement and nothing half done. (With Tortoise's own `in_transaction`, a few of
these cancellations left SQLite's connection locked for good, or a pooled PostgreSQL
connection out of its pool.)"""

from __future__ import annotations

import asyncio
import random
import sqlite3
from urllib.parse import urlsplit

import pytest
from tortoise import connections

from bench.waiting import wait_until
from models.event import IdempotencyRecord
from resolvers.transactions import in_transaction
from server.settings import Settings
from testkit.database import is_postgres
from testkit.teams import Team

ATTEMPTS = 160


async def every_connection_back() -> bool:
    """Whether every pooled connection is idle within 5 s: the suite's app and its
    background work take one now and then, a lost one never comes back."""
    pool = connections.get("default")._pool
    return await wait_until(lambda: pool.get_idle_size() == pool.get_size(), 5)


async def test_a_cancelled_transaction_leaves_the_connection_free_and_nothing_open(
    settings: Settings, team: Team
):
    committed: list[int] = []

    async def write(number: int) -> None:
        async with in_transaction():
            await IdempotencyRecord.create(
                user=team.manager, operation="cancelled", key=str(number), result_id=number
            )
        committed.append(number)

    chance = random.Random(17)
    cancelled = 0
    for number in range(ATTEMPTS):
        task = asyncio.create_task(write(number))
        # Every point of the transaction's life: a count of the loop's turns, or a time
        # (aiosqlite's thread and asyncpg's socket answer in their own time).
        if number % 2:
            for _ in range(number // 2 % 40):
                await asyncio.sleep(0)
        else:
            await asyncio.sleep(chance.random() * 0.004)
        task.cancel()
        try:
            await task
        except asyncio.CancelledError:
            cancelled += 1

    # The next transaction, and a statement outside one, go through at once.
    async def after() -> None:
        async with in_transaction():
            await IdempotencyRecord.create(
                user=team.manager, operation="after", key="in", result_id=-1
            )
        await IdempotencyRecord.create(
            user=team.manager, operation="after", key="out", result_id=-2
        )

    await asyncio.wait_for(after(), 5)

    written = set(
        await IdempotencyRecord.filter(operation="cancelled").values_list("result_id", flat=True)
    )
    assert set(committed) <= written  # a block that finished is committed
    assert cancelled and committed, "the attempts cover both ends (tune their timing)"
    if is_postgres(settings.database_url):
        # Every connection went back (the suite's app may be using one for a moment).
        assert await every_connection_back()
    else:
        # Nothing stays open on the one connection: another connection sees every row
        # this one wrote, the statement outside a transaction included.
        with sqlite3.connect(urlsplit(settings.database_url).path) as other:
            seen = other.execute(
                "SELECT count(*) FROM idempotency_record WHERE operation IN ('cancelled', 'after')"
            ).fetchone()[0]
        assert seen == len(written) + 2


async def test_a_transaction_waiting_for_the_connection_can_be_given_up(settings: Settings):
    """While a transaction waits for the connection (SQLite's one, or the pool's, all in
    use), a timeout or a cancellation ends the wait at once and takes nothing."""
    holders = 1
    if is_postgres(settings.database_url):
        holders = connections.get("default")._pool.get_max_size()
    entered, release = asyncio.Semaphore(0), asyncio.Event()

    async def hold() -> None:
        async with in_transaction():
            entered.release()
            await release.wait()

    held = [asyncio.create_task(hold()) for _ in range(holders)]
    for _ in range(holders):
        await asyncio.wait_for(entered.acquire(), 5)

    async def wait_for_one() -> None:
        async with in_transaction():
            raise AssertionError("entered while every connection was in use")

    started = asyncio.get_running_loop().time()
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(wait_for_one(), 0.2)
    assert asyncio.get_running_loop().time() - started < 2  # not until a holder let go
    waiting = asyncio.create_task(wait_for_one())
    await asyncio.sleep(0.05)
    waiting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiting

    release.set()
    await asyncio.wait_for(asyncio.gather(*held), 5)
    async with asyncio.timeout(5), in_transaction():  # nothing was left taken
        pass
    if is_postgres(settings.database_url):
        assert await every_connection_back()
