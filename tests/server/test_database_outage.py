"""The database going away: while PostgreSQL refuses connections, every request is told
`SERVICE_UNAVAILABLE` (a GraphQL error, HTTP 200, never a trace), `/readyz` answers
503, sockets are asked to come back later, and the live-updates background tasks log
and keep going; the server recovers by itself within seconds of the database's return.

The outage is a TCP proxy between `dealflow serve` and the shared PostgreSQL, which
refuses new connections and resets the ones it carries: PostgreSQL itself is never
touched. SQLite has no equivalent (no connection to lose: the file is opened by the
server process itself), so these run in the PostgreSQL pass only."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from server.settings import Settings
from server.websocket_handlers import TRY_AGAIN_LATER
from testkit.clients import GraphQLClient
from testkit.database import is_postgres
from testkit.deals import create_deal
from testkit.documents import CREATE_DEAL_MUTATION, LOGIN_MUTATION, ME_QUERY
from testkit.live import (
    BOARD_EVENTS,
    LiveClient,
    cursor_before_a_change,
    live_client,
    replayed_from,
)
from testkit.servers import Server, dealflow_server, env_of
from testkit.tcp_proxy import TcpProxy, tcp_proxy
from testkit.teams import PASSWORD, Team

pytestmark = pytest.mark.skipif(
    not is_postgres(Settings.from_env().database_url),
    reason="an outage is a lost connection: SQLite is a file the server opens itself",
)

UNAVAILABLE = "SERVICE_UNAVAILABLE"


def through(proxy: TcpProxy, database_url: str) -> str:
    parts = urlsplit(database_url)
    netloc = f"{parts.username}@127.0.0.1:{proxy.port}" if parts.username else parts.netloc
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


@contextlib.asynccontextmanager
async def server_behind_a_proxy(settings: Settings) -> AsyncIterator[tuple[Server, TcpProxy]]:
    parts = urlsplit(settings.database_url)
    async with tcp_proxy(parts.hostname or "127.0.0.1", parts.port or 5432) as proxy:
        env = env_of(
            settings,
            DATABASE_URL=through(proxy, settings.database_url),
            # Background tasks meet the outage at once, not in a few seconds.
            FEED_POLL_SECONDS="0.3",
            SESSION_CHECK_SECONDS="0.3",
        )
        async with dealflow_server(**env) as server:
            yield server, proxy


async def post(server: Server, token: str | None, query: str, **variables: Any) -> httpx.Response:
    headers = {"authorization": f"Bearer {token}"} if token else {}
    async with httpx.AsyncClient(timeout=10) as http:
        return await http.post(
            server.http_url, json={"query": query, "variables": variables}, headers=headers
        )


def unavailable(response: httpx.Response) -> bool:
    """A GraphQL-shaped SERVICE_UNAVAILABLE, with nothing of the failure's own words."""
    body = response.json()
    errors = body.get("errors") or []
    return (
        response.status_code == 200
        and bool(errors)
        and all(e.get("extensions", {}).get("code") == UNAVAILABLE for e in errors)
        and not any(word in response.text for word in ("Traceback", "Connect call", "5432"))
    )


async def ready(server: Server) -> int:
    async with httpx.AsyncClient(timeout=10) as http:
        return (await http.get(f"{server.base_url}/readyz")).status_code


async def socket_refused_with(server: Server, token: str) -> int | None:
    """The close code of a new socket's `connection_init` (None if acknowledged)."""
    async with connect(server.ws_url, subprotocols=["graphql-transport-ws"]) as ws:
        init = {"type": "connection_init", "payload": {"authorization": f"Bearer {token}"}}
        await ws.send(json.dumps(init))
        with contextlib.suppress(ConnectionClosed):
            message = json.loads(await asyncio.wait_for(ws.recv(), 5))
            assert message["type"] == "connection_ack", message
            return None
    return ws.close_code


async def logged(server: Server, *lines: str, within: float = 10) -> bool:
    """Whether the server's log shows every one of `lines` within `within` seconds (a
    background task that logs its failure and tries again)."""
    for _ in range(int(within / 0.1)):
        if all(line in server.log_text() for line in lines):
            return True
        await asyncio.sleep(0.1)
    return False


async def until_ready(server: Server, within: float = 15) -> None:
    for _ in range(int(within / 0.1)):
        if await ready(server) == 200:
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"not ready {within} s after the database came back")


async def test_requests_are_told_the_service_is_unavailable_and_it_recovers_by_itself(
    settings: Settings, team: Team, manager_client: GraphQLClient, process_id: str
):
    token = team.tokens["manager"]
    async with (
        server_behind_a_proxy(settings) as (server, proxy),
        live_client(server.ws_url, token) as phone,
    ):
        after = await cursor_before_a_change(
            team.workspace.id, lambda: create_deal(manager_client, name="Before the outage")
        )
        before = await replayed_from(phone, "board", process_id, after)

        await proxy.refuse()
        query = await post(server, token, ME_QUERY)
        mutation = await post(server, token, CREATE_DEAL_MUTATION, input={"name": "Lost"})
        login = await post(
            server, None, LOGIN_MUTATION, email=team.manager.email, password=PASSWORD
        )
        readiness = await ready(server)
        refused_socket = await socket_refused_with(server, token)
        late = await subscribe_late(phone, process_id)
        background_logged = await logged(
            server,
            *(
                f"{task} failed; retrying: the database is unavailable"
                for task in (
                    f"feed of workspace {team.workspace.id}",  # the feed serving the phone
                    "the outbox relay",
                    "checking WebSocket sessions",
                    "the clock (tasks falling due, deals rotting)",
                )
            ),
        )
        # Committed meanwhile by a process that still reaches the database.
        elsewhere = await create_deal(manager_client, name="Committed during the outage")

        await proxy.restore()
        await until_ready(server)
        after = await post(server, token, CREATE_DEAL_MUTATION, input={"name": "After"})
        events = [await phone.event("board", wait=10) for _ in range(2)]
        log = server.log_text()

    assert before["deal"]["name"] == "Before the outage"
    assert unavailable(query), query.text
    assert unavailable(mutation), mutation.text
    assert unavailable(login), login.text
    assert readiness == 503
    assert "readiness check: the database is unavailable" in log
    assert "readiness check failed" not in log  # an outage is not logged as a bug
    assert refused_socket == TRY_AGAIN_LATER
    assert [e["extensions"]["code"] for e in late] == [UNAVAILABLE], late
    assert background_logged, log[-3000:]
    assert after.json()["data"]["createDeal"]["errors"] == [], after.text
    assert [e["deal"]["name"] for e in events] == [elsewhere["name"], "After"]
    assert not await deals_named(manager_client, "Lost")


async def subscribe_late(phone: LiveClient, process_id: str) -> list[dict[str, Any]]:
    """The errors of a new subscription on a socket opened before the outage."""
    await phone.subscribe("late", BOARD_EVENTS, processId=process_id)
    message = await phone.message("late", wait=10)
    errors: list[dict[str, Any]] = (
        message["payload"] if message["type"] == "error" else message["payload"]["errors"]
    )
    return errors


async def deals_named(client: GraphQLClient, name: str) -> list[dict[str, Any]]:
    query = "query { deals(first: 100) { edges { node { name } } } }"
    edges = (await client.data(query))["deals"]["edges"]
    return [edge["node"] for edge in edges if edge["node"]["name"] == name]
