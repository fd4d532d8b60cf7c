"""The ORM's connection settings: PostgreSQL's pool gives connections back without the
reset round trip (`server.database.PooledConnection`), and what a reset was for still
holds: a transaction left open is rolled back, and transaction-scoped state (advisory
locks, `SET TRANSACTION`) ends with its transaction."""

from __future__ import annotations

import asyncpg
import pytest
from tortoise import connections

from server.database import PooledConnection, connection_config, tortoise_config
from server.settings import Settings


def test_postgres_connections_come_from_the_pool_without_a_reset():
    settings = Settings().replace(
        database_url="postgresql://someone:p%40ss@db.example:5433/crm?maxsize=7",
        db_pool_max=20,
    )

    config = tortoise_config(settings)["connections"]["default"]

    assert config["engine"] == "tortoise.backends.asyncpg"
    credentials = config["credentials"]
    assert credentials["connection_class"] is PooledConnection
    assert (credentials["host"], credentials["port"], credentials["database"]) == (
        "db.example",
        5433,
        "crm",
    )
    assert (credentials["user"], credentials["password"]) == ("someone", "p@ss")
    assert credentials["maxsize"] == "7"  # the URL's own size wins over the setting's
    assert PooledConnection.get_reset_query(None) == ""  # type: ignore[arg-type]


def test_other_databases_keep_their_url():
    assert connection_config("sqlite:///tmp/x.sqlite3", 10) == "sqlite:///tmp/x.sqlite3"


@pytest.fixture
def postgres(orm: None) -> None:
    if connections.get("default").capabilities.dialect != "postgres":
        pytest.skip("PostgreSQL's pool")


async def test_a_released_connection_keeps_no_transaction_and_no_lock(
    postgres: None, settings: Settings
):
    client = connections.get("default")
    await client.execute_query("SELECT 1")  # the pool is made on first use
    pool = client._pool
    held = await pool.acquire()
    assert isinstance(held, PooledConnection)
    await held.execute("BEGIN")
    await held.execute("SELECT pg_advisory_xact_lock(424242)")
    backend = await held.fetchval("SELECT pg_backend_pid()")
    await pool.release(held)  # asyncpg rolls the open transaction back

    observer = await asyncpg.connect(settings.database_url.replace("postgres://", "postgresql://"))
    try:
        state = await observer.fetchval(
            "SELECT state FROM pg_stat_activity WHERE pid = $1", backend
        )
        locks = await observer.fetchval(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = $1", backend
        )
    finally:
        await observer.close()

    assert state == "idle"  # not "idle in transaction"
    assert locks == 0
