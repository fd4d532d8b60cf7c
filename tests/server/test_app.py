"""The HTTP surface: health, GraphiQL, protection limits and error masking."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest

from resolvers.accounts import users
from server.app import create_app
from testkit.clients import GraphQLClient
from testkit.documents import ME_QUERY, USERS_QUERY
from testkit.redis_server import private_redis


async def test_healthz_and_readyz(http: httpx.AsyncClient):
    health = await http.get("/healthz")
    ready = await http.get("/readyz")

    assert health.status_code == 200 and health.json() == {"status": "ok"}
    assert ready.status_code == 200
    assert ready.json() == {"status": "ok", "database": "up", "bus": "up"}


@pytest.fixture
async def debug_http(app_with) -> AsyncIterator[httpx.AsyncClient]:
    async with await app_with(debug=True) as client:
        yield client


async def test_graphiql_only_in_development(http: httpx.AsyncClient, debug_http):
    page = await debug_http.get("/graphql", headers={"accept": "text/html"})
    hidden = await http.get("/graphql", headers={"accept": "text/html"})

    assert page.status_code == 200 and "graphiql" in page.text.lower()
    assert "graphiql" not in hidden.text.lower()


async def test_unexpected_errors_are_masked(
    admin_client: GraphQLClient, monkeypatch: pytest.MonkeyPatch
):
    async def broken(actor: object) -> list[object]:
        raise RuntimeError("connection to db-internal-7 refused; secret=hunter2")

    monkeypatch.setattr(users, "workspace_users", broken)

    body = await admin_client.post(USERS_QUERY)

    assert body["data"] is None
    assert [e["message"] for e in body["errors"]] == ["Unexpected error."]
    assert "hunter2" not in str(body) and "Traceback" not in str(body)


async def test_too_many_aliases_are_refused(admin_client: GraphQLClient):
    query = "{ " + " ".join(f"a{i}: me {{ id }}" for i in range(31)) + " }"

    body = await admin_client.post(query)

    assert "data" not in body or body["data"] is None
    assert "aliases" in body["errors"][0]["message"].lower()


async def test_too_many_tokens_are_refused(admin_client: GraphQLClient):
    query = "{ me { " + " ".join(["id"] * 2100) + " } }"

    body = await admin_client.post(query)

    assert body.get("data") is None
    assert "token" in body["errors"][0]["message"].lower()


async def test_too_deep_queries_are_refused(app_with, team):
    async with await app_with(max_query_depth=2) as http:
        client = team.client(http, "admin")
        shallow = await client.post(ME_QUERY)
        deep = await client.post("{ processes { stages { steps { performers { id } } } } }")

    assert shallow["data"]["me"]["email"] == team.admin.email
    assert deep.get("data") is None
    assert "exceeds maximum operation depth" in deep["errors"][0]["message"]


async def test_a_syntax_error_is_explained_not_masked(admin_client: GraphQLClient):
    body = await admin_client.post("{ me { id ")

    assert "Syntax Error" in body["errors"][0]["message"]


async def test_readyz_reports_a_database_that_does_not_answer(
    http: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
):
    class Down:
        async def execute_query(self, sql: str) -> None:
            raise ConnectionRefusedError("db down")

    monkeypatch.setattr("server.app.connections.get", lambda name: Down())

    ready = await http.get("/readyz")

    assert ready.status_code == 503
    assert ready.json() == {"status": "unavailable", "database": "down", "bus": "up"}


async def test_oversized_request_bodies_are_refused(http: httpx.AsyncClient, team):
    huge = {"query": ME_QUERY, "variables": {"padding": "x" * (1024 * 1024)}}

    declared = await http.post("/graphql", json=huge)

    async def chunks():
        yield b'{"query": "{ me { id } }", "variables": {"p": "'
        for _ in range(20):
            yield b"x" * 65536
        yield b'"}}'

    streamed = await http.post(
        "/graphql", content=chunks(), headers={"content-type": "application/json"}
    )

    assert declared.status_code == 413 and streamed.status_code == 413
    for answer in (declared, streamed):
        (error,) = answer.json()["errors"]
        assert "larger than" in error["message"]
        assert error["extensions"]["code"] == "PAYLOAD_TOO_LARGE"


async def test_readyz_reports_a_bus_that_is_not_connected(settings, orm: None):
    """A Redis of the test's own goes away and comes back: /readyz says so each time."""

    async def readiness(http: httpx.AsyncClient, wanted: int) -> dict[str, str]:
        for _ in range(200):
            answer = await http.get("/readyz")
            if answer.status_code == wanted:
                found: dict[str, str] = answer.json()
                return found
            await asyncio.sleep(0.05)
        raise AssertionError(f"/readyz never answered {wanted}")

    async with private_redis() as redis:
        application = create_app(settings.replace(broadcast_url=redis.url), manage_orm=False)
        async with (
            application.router.lifespan_context(application),
            httpx.AsyncClient(
                transport=httpx.ASGITransport(app=application), base_url="http://dealflow.test"
            ) as http,
        ):
            up = await readiness(http, 200)
            await redis.stop()
            down = await readiness(http, 503)
            await redis.start()
            back = await readiness(http, 200)

    assert up == back == {"status": "ok", "database": "up", "bus": "up"}
    assert down == {"status": "unavailable", "database": "up", "bus": "down"}


async def test_cors_lets_clients_and_tracing_send_their_headers_and_read_ours(
    http: httpx.AsyncClient,
):
    preflight = await http.options(
        "/graphql",
        headers={
            "origin": "https://app.example.com",
            "access-control-request-method": "POST",
            "access-control-request-headers": "apollo-require-preflight, traceparent, "
            "baggage, sentry-trace, x-apollo-operation-name, apollographql-client-name",
        },
    )
    answer = await http.post(
        "/graphql", json={"query": "{ __typename }"}, headers={"origin": "https://app.example.com"}
    )

    assert preflight.status_code == 200
    allowed = preflight.headers["access-control-allow-headers"].lower()
    for header in ("apollo-require-preflight", "traceparent", "baggage", "sentry-trace"):
        assert header in allowed
    exposed = answer.headers["access-control-expose-headers"].lower()
    assert "x-request-id" in exposed and "retry-after" in exposed
