"""The committed migrations describe the models exactly."""

from __future__ import annotations

from tortoise import Tortoise
from tortoise.migrations.autodetector import MigrationAutodetector

from server.database import tortoise_config
from server.settings import Settings


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
