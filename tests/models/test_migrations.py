"""The committed migrations describe the models exactly."""

from __future__ import annotations

from datetime import UTC, datetime

from tortoise import Tortoise
from tortoise.context import TortoiseContext
from tortoise.migrations.api import migrate
from tortoise.migrations.autodetector import MigrationAutodetector

from server.database import tortoise_config
from server.settings import Settings
from tests.database import fresh_database


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


async def test_deal_amounts_migration_fills_existing_rows(settings: Settings, orm: None):
    """0004 adds integer amounts to a database that already has deals."""
    async with fresh_database() as url:
        config = tortoise_config(settings.replace(database_url=url))
        async with TortoiseContext() as context:
            await migrate(config=config, target="models.0003_deals")
            client = context.connections.get("default")
            sqlite = client.capabilities.dialect == "sqlite"
            mark = "?" if sqlite else "$1"
            await client.execute_query(
                "INSERT INTO workspace (name, timezone, currency, created_at) "
                f"VALUES ('W', 'UTC', 'EUR', {mark})",
                [datetime.now(UTC)],
            )
            await client.execute_script(
                'INSERT INTO "user" (workspace_id, email, name, role, password_hash, active, '
                "created_at) VALUES (1, 'a@b.co', 'A', 'ADMIN', 'x', TRUE, CURRENT_TIMESTAMP);"
                "INSERT INTO process (workspace_id, name, is_default, created_at, updated_at) "
                "VALUES (1, 'P', TRUE, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP);"
                "INSERT INTO deal (workspace_id, process_id, owner_id, name, value, currency, "
                "status, is_public, probability, version, created_at, updated_at) VALUES "
                "(1, 1, 1, 'D', 1234.56, 'EUR', 'OPEN', FALSE, 33, 1, CURRENT_TIMESTAMP, "
                "CURRENT_TIMESTAMP)"
            )
            await migrate(config=config)
            _, rows = await client.execute_query("SELECT value_cents, forecast_cents FROM deal")

    assert [(row["value_cents"], row["forecast_cents"]) for row in rows] == [(123456, 40740)]
