"""The Tortoise configuration, shared by the app, the command line and the migration tool."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from models import MODEL_MODULES
from server.settings import Settings


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


def tortoise_config(settings: Settings) -> dict[str, Any]:
    return {
        "connections": {
            "default": normalise_database_url(settings.database_url, settings.db_pool_max)
        },
        "apps": {
            "models": {
                "models": list(MODEL_MODULES),
                "default_connection": "default",
                "migrations": "models.migrations",
            }
        },
        "use_tz": True,
        "timezone": "UTC",
    }


TORTOISE_ORM = tortoise_config(Settings.from_env())
