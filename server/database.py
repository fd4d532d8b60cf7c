"""The Tortoise configuration, shared by the app, the command line and the migration tool."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import asyncpg
from tortoise import Tortoise, connections
from tortoise.backends.base.config_generator import expand_db_url
from tortoise.migrations.loader import MigrationLoader
from tortoise.migrations.recorder import MigrationRecorder

from models import MODEL_MODULES
from server.settings import Settings


def apps_config() -> dict[str, Any]:
    """The models and their migrations (a fresh dict each time: Tortoise keeps what it
    is given)."""
    return {
        "models": {
            "models": list(MODEL_MODULES),
            "default_connection": "default",
            "migrations": "models.migrations",
        }
    }


def _utc_text(moment: datetime) -> str:
    return (moment.astimezone(UTC) if moment.tzinfo else moment).isoformat(" ")


def store_sqlite_datetimes_in_utc() -> None:
    """SQLite keeps datetimes as text and compares them as text, so every datetime it
    receives (stored or compared against) is first moved to UTC: a due time sent as
    "23:30+09:00" and a day boundary computed in Tokyo must sort with everything else.
    (Tortoise writes them with whatever offset they carry; PostgreSQL needs none of this.)
    Tortoise's SQLite executor registers its own adapter when imported: ours replaces it.
    """
    import tortoise.backends.sqlite.executor  # noqa: F401

    sqlite3.register_adapter(datetime, _utc_text)


def normalise_database_url(url: str, pool_max: int) -> str:
    """Accept `postgresql://` as well as Tortoise's `postgres://`, and size the pool.

    asyncpg's pool is small by default; many subscribers need more connections, so the
    size comes from the settings unless the URL already says it.
    """
    parts = urlsplit(url)
    scheme = parts.scheme
    if scheme in ("postgresql", "postgres", "asyncpg"):
        scheme = "postgres"
        query = dict(parse_qsl(parts.query))
        query.setdefault("maxsize", str(pool_max))
        return urlunsplit((scheme, parts.netloc, parts.path, urlencode(query), parts.fragment))
    return url


class PooledConnection(asyncpg.Connection):  # type: ignore[misc]
    """A pooled PostgreSQL connection that is not reset when it goes back to the pool.

    asyncpg's pool sends `SELECT pg_advisory_unlock_all(); CLOSE ALL; UNLISTEN *;
    RESET ALL` on every release: one more round trip after each statement Tortoise sends
    outside a transaction (a board's five statements became ten). Dealflow keeps no
    session state on pooled connections: its advisory locks are transaction-scoped
    (`pg_advisory_xact_lock`), `SET TRANSACTION` ends with its transaction, it opens no
    cursor outside a transaction and LISTENs on none (the broadcaster has its own
    connections). asyncpg still rolls back a transaction left open on release.
    Anything that starts keeping session state on a pooled connection must undo it
    itself (or drop this class)."""

    def get_reset_query(self) -> str:
        return ""


def connection_config(url: str, pool_max: int) -> str | dict[str, Any]:
    """Tortoise's settings for the database at `url`: PostgreSQL's with our pool
    (`normalise_database_url`, `PooledConnection`), anything else as the URL says."""
    url = normalise_database_url(url, pool_max)
    config = expand_db_url(url)
    if config["engine"] != "tortoise.backends.asyncpg":
        return url
    config["credentials"]["connection_class"] = PooledConnection
    return config


def tortoise_config(settings: Settings) -> dict[str, Any]:
    return {
        "connections": {"default": connection_config(settings.database_url, settings.db_pool_max)},
        "apps": apps_config(),
        "use_tz": True,
        "timezone": "UTC",
    }


@dataclass(frozen=True)
class MigrationState:
    """Where the database stands against the migrations this code carries, named as
    `dealflow migrate --target` takes them (`models.0008_permanent_history`)."""

    known: tuple[str, ...]  # this code's, oldest first
    pending: tuple[str, ...]  # known but not applied to the database
    foreign: tuple[str, ...]  # applied to the database but unknown here (a newer Dealflow)

    @property
    def latest(self) -> str:
        return self.known[-1]

    @property
    def up_to_date(self) -> bool:
        return not self.pending and not self.foreign


async def open_orm(config: dict[str, Any]) -> None:
    """Open the ORM for this process. Tortoise 1.x keeps its connections in a context
    that tasks started elsewhere (Starlette's request tasks, a WebSocket's operations,
    the live-update jobs) would not see; the global fallback makes that one context
    the process's. Every entry point opens the ORM here, so the setting is in one
    place."""
    await Tortoise.init(config=config, _enable_global_fallback=True)


async def migration_state() -> MigrationState:
    """Read through the open ORM's default connection."""
    loader = MigrationLoader(apps_config(), MigrationRecorder(connections.get("default")))
    await loader.build_graph()
    graph = loader.graph
    known = [str(key) for leaf in graph.leaf_nodes() for key in graph.forwards_plan(leaf)]
    applied = {str(key) for key in loader.applied_migrations}
    return MigrationState(
        known=tuple(known),
        pending=tuple(name for name in known if name not in applied),
        foreign=tuple(sorted(applied - set(known))),
    )


store_sqlite_datetimes_in_utc()
TORTOISE_ORM = tortoise_config(Settings.from_env())
