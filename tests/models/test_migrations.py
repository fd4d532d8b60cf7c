"""The committed migrations describe the models exactly."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import sys
from contextlib import closing

import asyncpg
from tortoise import Tortoise
from tortoise.migrations.autodetector import MigrationAutodetector

from server.database import tortoise_config
from server.settings import Settings
from tests.database import fresh_database, is_postgres


async def test_models_and_migrations_agree(orm: None, settings: Settings):
    apps_config = tortoise_config(settings)["apps"]

    writers = await MigrationAutodetector(Tortoise.apps, apps_config).changes()

    pending = [op.describe() for writer in writers for op in writer.operations]
    assert pending == [], (
        "The models changed without a migration: run `make migrations` and commit it. "
        f"Pending: {pending}"
    )


async def test_the_database_was_built_by_the_migrations(orm: None):
    """The test database comes from `migrate`, so every migration ran on this backend."""
    connection = Tortoise.get_connection("default")
    _, rows = await connection.execute_query("SELECT name FROM tortoise_migrations ORDER BY name")
    names = [row["name"] for row in rows]
    assert names[:2] == ["0001_initial", "0002_one_default_process"]


async def test_deal_amounts_migration_fills_existing_rows(settings: Settings):
    """0004 adds integer amounts to a database that already has deals (run as separate
    processes, as an operator would, so that this session's ORM stays untouched)."""
    async with fresh_database() as url:
        at_0003 = await dealflow(url, "migrate", "--target", "models.0003_deals")
        await execute(
            url,
            "INSERT INTO workspace (name, timezone, currency, created_at) "
            "VALUES ('W', 'UTC', 'EUR', CURRENT_TIMESTAMP)",
            'INSERT INTO "user" (workspace_id, email, name, role, password_hash, active, '
            "created_at) VALUES (1, 'a@b.co', 'A', 'ADMIN', 'x', TRUE, CURRENT_TIMESTAMP)",
            "INSERT INTO process (workspace_id, name, is_default, created_at, updated_at) "
            "VALUES (1, 'P', TRUE, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)",
            "INSERT INTO deal (workspace_id, process_id, owner_id, name, value, currency, "
            "status, is_public, probability, version, created_at, updated_at) VALUES "
            "(1, 1, 1, 'D', 1234.56, 'EUR', 'OPEN', FALSE, 33, 1, CURRENT_TIMESTAMP, "
            "CURRENT_TIMESTAMP)",
        )
        latest = await dealflow(url, "migrate")
        rows = await execute(url, "SELECT value_cents, forecast_cents FROM deal")

    assert at_0003[0] == 0 and latest[0] == 0, (at_0003, latest)
    assert rows == [(123456, 40740)]


async def dealflow(url: str, *args: str) -> tuple[int, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "server.cli",
        *args,
        env={**os.environ, "DATABASE_URL": url},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await process.communicate()
    assert process.returncode is not None
    return process.returncode, out.decode()


async def execute(url: str, *statements: str) -> list[tuple[object, ...]]:
    """Plain SQL through the driver, outside the ORM; the last statement's rows."""
    if is_postgres(url):
        connection = await asyncpg.connect(url.replace("postgres://", "postgresql://", 1))
        try:
            for statement in statements[:-1]:
                await connection.execute(statement)
            return [tuple(row) for row in await connection.fetch(statements[-1])]
        finally:
            await connection.close()
    with closing(sqlite3.connect(url.removeprefix("sqlite://"))) as connection:
        for statement in statements[:-1]:
            connection.execute(statement)
        rows = connection.execute(statements[-1]).fetchall()
        connection.commit()
    return rows
