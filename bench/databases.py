"""A fresh database for one benchmark run: a temporary SQLite file, or a new PostgreSQL
database (dropped afterwards) on the server `BENCH_POSTGRES_URL` names."""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg

POSTGRES = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")


@asynccontextmanager
async def fresh_database(postgres: bool) -> AsyncIterator[str]:
    if not postgres:
        with tempfile.TemporaryDirectory(prefix="dealflow-bench-") as folder:
            yield f"sqlite://{folder}/bench.sqlite3"
        return
    name = f"dealflow_bench_{uuid.uuid4().hex[:8]}"
    dsn = POSTGRES.replace("postgres://", "postgresql://", 1)
    admin = await asyncpg.connect(dsn)
    await admin.execute(f'CREATE DATABASE "{name}"')
    await admin.close()
    try:
        yield POSTGRES.rsplit("/", 1)[0] + f"/{name}"
    finally:
        admin = await asyncpg.connect(dsn)
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()
