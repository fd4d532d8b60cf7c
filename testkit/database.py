"""A fresh database per test run, on whatever backend DATABASE_URL names."""

from __future__ import annotations

import asyncio
import os
import tempfile
import uuid
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg
from tortoise import Tortoise, connections


def is_postgres(url: str) -> bool:
    return urlsplit(url).scheme in ("postgres", "postgresql", "asyncpg")


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))


def _asyncpg_dsn(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(("postgresql", parts.netloc, parts.path, "", ""))


@asynccontextmanager
async def fresh_database() -> AsyncIterator[str]:
    """Yield the URL of an empty database made for this run; drop it afterwards."""
    base = os.environ.get("DATABASE_URL", "")
    if is_postgres(base):
        name = f"dealflow_test_{uuid.uuid4().hex[:12]}"
        admin = await asyncpg.connect(_asyncpg_dsn(base))
        try:
            await admin.execute(f'CREATE DATABASE "{name}"')
        finally:
            await admin.close()
        try:
            yield _with_database(base, name)
        finally:
            admin = await asyncpg.connect(_asyncpg_dsn(base))
            try:
                await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            finally:
                await admin.close()
    else:
        with tempfile.TemporaryDirectory(prefix="dealflow-test-") as folder:
            yield f"sqlite://{Path(folder) / 'test.sqlite3'}"


async def empty_all_tables() -> None:
    """Delete every row of every model table (migration bookkeeping stays)."""
    connection = connections.get("default")
    tables = [model._meta.db_table for model in Tortoise.apps["models"].values()]
    if connection.capabilities.dialect == "postgres":
        quoted = ", ".join(f'"{table}"' for table in tables)
        for attempt in range(6):
            try:
                await connection.execute_script(f"TRUNCATE {quoted} CASCADE")
                return
            except asyncpg.DeadlockDetectedError:
                # The app's clocks (tasks falling due, deals rotting) may be writing an
                # event meanwhile: PostgreSQL gives up one of the two, and here it can be
                # this one; at once again, it met the same transaction's next statement.
                if attempt == 5:
                    raise
                await asyncio.sleep(0.05 * 2**attempt)
    else:
        await connection.execute_script(
            "PRAGMA foreign_keys = OFF;"
            + "".join(f'DELETE FROM "{table}";' for table in tables)
            + "PRAGMA foreign_keys = ON;"
        )


# Columns a request that changes nothing may still see change, by table: an event's
# `published_at` is marked by the process's outbox a moment after the commit that wrote
# the event (`subscriptions.outbox.MARK_DELAY`), whatever request comes next.
BOOKKEEPING_COLUMNS = {"event": frozenset({"published_at"})}


def comparable_row(table: str, row: Mapping[str, Any]) -> str:
    """A row as text, its table's bookkeeping columns left out: equal before and after a
    request that must change nothing."""
    skipped = BOOKKEEPING_COLUMNS.get(table, frozenset())
    return repr(sorted((name, value) for name, value in row.items() if name not in skipped))


async def every_row() -> dict[str, list[str]]:
    """Every row of every model table, as text, in a stable order: equal before and after
    a request that must change nothing (`BOOKKEEPING_COLUMNS` aside)."""
    rows: dict[str, list[str]] = {}
    for name, model in sorted(Tortoise.apps["models"].items()):
        table = model._meta.db_table
        rows[name] = sorted(comparable_row(table, row) for row in await model.all().values())
    return rows
