"""Fixtures: a fresh database per run, the real app over HTTP, one client per role.

Given/when/then: fixtures are the given; tests call the API through `GraphQLClient`.
"""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from argon2 import PasswordHasher
from starlette.applications import Starlette
from tortoise import Tortoise
from tortoise.migrations.api import migrate

from models.account import Role, User, Workspace
from resolvers import clock
from resolvers.accounts import auth, passwords
from resolvers.accounts.workspaces import NewWorkspace, create_workspace
from server.app import create_app
from server.database import open_orm, tortoise_config
from server.settings import Settings
from tests.database import empty_all_tables, fresh_database
from tests.documents import PROCESSES_QUERY
from tests.live import uvicorn_serving

PASSWORD = "correct horse battery"
# One key for ids in the tests, the servers they start and ids built at collection.
os.environ.setdefault("SECRET_KEY", "dealflow tests: not a secret")
# argon2 with its cheapest parameters: the suite hashes and logs in thousands of times,
# and argon2's defaults make each one slow on purpose (servers the tests start in
# processes of their own keep the defaults).
passwords.use_hasher(PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))


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


class GraphQLClient:
    """Posts GraphQL documents to the real app, as one user (or anonymously)."""

    def __init__(self, http: httpx.AsyncClient, token: str | None = None) -> None:
        self.http = http
        self.token = token

    async def post(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        headers = {"authorization": f"Bearer {self.token}"} if self.token else {}
        response = await self.http.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
        )
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    async def data(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        """The `data` of a response that must have no GraphQL errors."""
        body = await self.post(query, variables)
        assert "errors" not in body, body["errors"]
        data: dict[str, Any] = body["data"]
        return data

    async def mutate(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        """The payload of a single-field mutation (whatever its name)."""
        data = await self.data(query, variables)
        (payload,) = data.values()
        result: dict[str, Any] = payload
        return result


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


@dataclass
class Team:
    """A workspace and one user of each role, each with a live token."""

    workspace: Workspace
    admin: User
    manager: User
    user: User
    tokens: dict[str, str]

    def client(self, http: httpx.AsyncClient, who: str) -> GraphQLClient:
        return GraphQLClient(http, self.tokens[who])


async def make_team(name: str, password_hash: str) -> Team:
    tag = uuid.uuid4().hex[:8]
    workspace, admin = await create_workspace(
        NewWorkspace(name=name, admin_email=f"admin-{tag}@example.com", admin_password=PASSWORD)
    )
    manager = await User.create(
        workspace=workspace,
        email=f"manager-{tag}@example.com",
        name="Maria Manager",
        role=Role.MANAGER,
        password_hash=password_hash,
    )
    user = await User.create(
        workspace=workspace,
        email=f"user-{tag}@example.com",
        name="Sam Seller",
        role=Role.USER,
        password_hash=password_hash,
    )
    policy = Settings().login_policy()
    tokens = {
        who: (await auth.issue_token(member, policy.token_ttl))[0]
        for who, member in (("admin", admin), ("manager", manager), ("user", user))
    }
    return Team(workspace, admin, manager, user, tokens)


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
    colleague = await User.create(
        workspace=team.workspace,
        email=f"colleague-{team.workspace.id}@example.com",
        name="Cora Colleague",
        role=Role.USER,
        password_hash=password_hash,
    )
    token, _ = await auth.issue_token(colleague, timedelta(hours=1))
    return GraphQLClient(http, token)


@pytest.fixture
def anonymous_client(http: httpx.AsyncClient) -> GraphQLClient:
    return GraphQLClient(http)


@pytest.fixture
async def process_id(manager_client: GraphQLClient) -> str:
    """The id of the team's default process (the one new deals follow)."""
    processes = (await manager_client.data(PROCESSES_QUERY))["processes"]
    return str(next(p["id"] for p in processes if p["isDefault"]))


class FrozenClock:
    """`resolvers.clock` stopped at a moment the test chooses (and moves)."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def frozen_clock(monkeypatch: pytest.MonkeyPatch) -> FrozenClock:
    clock_now = FrozenClock(datetime(2026, 3, 10, 12, 0, tzinfo=UTC))
    monkeypatch.setattr(clock, "source", clock_now)
    return clock_now
