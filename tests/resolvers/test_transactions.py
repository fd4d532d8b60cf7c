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

from tortoise import connections

from models.event import IdempotencyRecord
from resolvers.transactions import in_transaction
from server.settings import Settings
from testkit.database import is_postgres
from testkit.teams import Team

ATTEMPTS = 160


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
        pool = connections.get("default")._pool
        assert pool.get_idle_size() == pool.get_size()  # every connection went back
    else:
        # Nothing stays open on the one connection: another connection sees every row
        # this one wrote, the statement outside a transaction included.
        with sqlite3.connect(urlsplit(settings.database_url).path) as other:
            seen = other.execute(
                "SELECT count(*) FROM idempotency_record WHERE operation IN ('cancelled', 'after')"
            ).fetchone()[0]
        assert seen == len(written) + 2
