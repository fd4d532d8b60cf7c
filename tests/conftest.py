"""Fixtures: a fresh database per run, the real app over HTTP, one client per role.

Given/when/then: fixtures are the given; tests call the API through `GraphQLClient`.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime

import httpx
import pytest
from hypothesis import settings
from starlette.applications import Starlette
from tortoise import Tortoise
from tortoise.migrations.api import migrate

from resolvers import clock
from resolvers.accounts import passwords
from server.app import create_app
from server.database import open_orm, tortoise_config
from server.settings import Settings
from testkit.clients import GraphQLClient
from testkit.clock import FrozenClock
from testkit.database import empty_all_tables, fresh_database
from testkit.documents import PROCESSES_QUERY
from testkit.live import uvicorn_serving
from testkit.teams import PASSWORD, Team, add_member, make_team

# One key for ids in the tests, the servers they start and ids built at collection.
os.environ.setdefault("SECRET_KEY", "dealflow tests: not a secret")
# argon2 with its cheapest parameters, here and in the servers and commands the tests
# start: the suite hashes and logs in thousands of times, and argon2's defaults make
# each one slow on purpose.
os.environ.setdefault("PASSWORD_HASH_TIME_COST", "1")
os.environ.setdefault("PASSWORD_HASH_MEMORY_KIB", "8")
# Webhooks: the tests' receivers listen on loopback over http; the tests make the
# deliveries themselves (`resolvers.webhooks.delivery`), so the apps they serve deliver
# none (a test of the worker starts an app with it on).
os.environ.setdefault("WEBHOOK_ALLOW_PRIVATE_URLS", "true")
os.environ.setdefault("WEBHOOK_WORKER", "false")

# Property tests draw the same examples on every run of `make test`, so that CI passes
# or fails on the code and not on the draw (a random draw once found a day the clocks
# skip in CI, and a session's work did not land on a test's mistake). `make fuzz`
# (DEALFLOW_FUZZ=long) draws at random, 1,000 examples where a test does not say how
# many: that is where new cases are found, and each one found is kept as an `@example`.
# A test's own `@settings` takes what it does not say from here (`tests/fuzz/profiles.py`
# says all of its own). No deadline: a slow machine is not a failing property.
settings.register_profile("make-test", derandomize=True, database=None, deadline=None)
settings.register_profile(
    "fuzz", derandomize=False, database=None, deadline=None, max_examples=1000
)
settings.load_profile("fuzz" if os.environ.get("DEALFLOW_FUZZ") == "long" else "make-test")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Marks the property tests (`@given`) `property`: `make fuzz` runs them all."""
    for item in items:
        if getattr(getattr(item, "obj", None), "is_hypothesis_test", False):
            item.add_marker(pytest.mark.property)


passwords.use_hasher(Settings.from_env().password_hasher())


@pytest.fixture(scope="session")
async def settings() -> AsyncIterator[Settings]:
    async with fresh_database() as url:
        with tempfile.TemporaryDirectory(prefix="dealflow-files-") as storage:
            chosen = Settings.from_env().replace(
                database_url=url,
                broadcast_url=os.environ.get("BROADCAST_URL", "memory://"),
                debug=False,
                storage_dir=storage,
                feed_poll_seconds=0.5,
                # The suite sends thousands of requests from one address; the limits'
                # own tests turn them on (tests/server/test_rate_limits.py).
                rate_limits=False,
            )
            yield chosen


@pytest.fixture(scope="session")
async def orm(settings: Settings) -> AsyncIterator[None]:
    """The schema is built by the committed migrations, exactly as `dealflow migrate` does."""
    config = tortoise_config(settings)
    await migrate(config=config)
    await Tortoise.close_connections()
    await open_orm(config)
    yield
    await Tortoise.close_connections()


@pytest.fixture(scope="session")
async def app(settings: Settings, orm: None) -> AsyncIterator[Starlette]:
    application = create_app(settings, manage_orm=False)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture(scope="session")
async def live_url(app: Starlette) -> AsyncIterator[str]:
    """The session's app served by uvicorn on a free port (the lifespan is already open)."""
    async with uvicorn_serving(app) as url:
        yield url


@pytest.fixture(autouse=True)
async def _clean_database(request: pytest.FixtureRequest) -> AsyncIterator[None]:
    yield
    if "orm" in request.fixturenames:
        await empty_all_tables()


@pytest.fixture(scope="session")
async def password_hash() -> str:
    """Hashed once: argon2 is slow on purpose, and fixtures make many users."""
    return await passwords.hash_password(PASSWORD)


@pytest.fixture
async def http(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, client=("203.0.113.7", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://dealflow.test") as client:
        yield client


@pytest.fixture
def app_with(settings: Settings, orm: None) -> Callable[..., Awaitable[httpx.AsyncClient]]:
    """Build another app over the same database with some settings changed, and a client
    of it (the caller closes it: `async with await app_with(...) as http`)."""

    async def build(**changes: object) -> httpx.AsyncClient:
        application = create_app(settings.replace(**changes), manage_orm=False)
        return httpx.AsyncClient(
            transport=httpx.ASGITransport(app=application), base_url="http://dealflow.test"
        )

    return build


@pytest.fixture
async def team(orm: None, password_hash: str) -> Team:
    return await make_team("Acme", password_hash)


@pytest.fixture
async def rival(orm: None, password_hash: str) -> Team:
    """Another company on the same server: nothing of theirs may ever show."""
    return await make_team("Rival", password_hash)


@pytest.fixture
def admin_client(team: Team, http: httpx.AsyncClient) -> GraphQLClient:
    return team.client(http, "admin")


@pytest.fixture
def manager_client(team: Team, http: httpx.AsyncClient) -> GraphQLClient:
    return team.client(http, "manager")


@pytest.fixture
def user_client(team: Team, http: httpx.AsyncClient) -> GraphQLClient:
    return team.client(http, "user")


@pytest.fixture
def outsider_client(rival: Team, http: httpx.AsyncClient) -> GraphQLClient:
    """The administrator of another workspace."""
    return rival.client(http, "admin")


@pytest.fixture
async def colleague_client(
    team: Team, http: httpx.AsyncClient, password_hash: str
) -> GraphQLClient:
    """A second salesperson of the team's workspace, who cannot see the user's deals."""
    colleague = await add_member(team, "colleague", "Cora Colleague", password_hash)
    return colleague.client(http)


@pytest.fixture
def anonymous_client(http: httpx.AsyncClient) -> GraphQLClient:
    return GraphQLClient(http)


@pytest.fixture
async def process_id(manager_client: GraphQLClient) -> str:
    """The id of the team's default process (the one new deals follow)."""
    processes = (await manager_client.data(PROCESSES_QUERY))["processes"]
    return str(next(p["id"] for p in processes if p["isDefault"]))


@pytest.fixture
def frozen_clock(monkeypatch: pytest.MonkeyPatch) -> FrozenClock:
    clock_now = FrozenClock(datetime(2026, 3, 10, 12, 0, tzinfo=UTC))
    monkeypatch.setattr(clock, "source", clock_now)
    return clock_now
