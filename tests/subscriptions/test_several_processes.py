"""Several server processes sharing PostgreSQL and Redis: a change served by one reaches
subscribers of another through the bus, and survives the bus going down.

These need PostgreSQL and Redis (`.ci/run` runs them in its second pass)."""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import AsyncIterator

import httpx
import pytest

from server.settings import Settings
from testkit.clients import GraphQLClient
from testkit.database import is_postgres
from testkit.deals import create_deal, create_deal_on
from testkit.documents import LOGOUT_MUTATION, UPDATE_USER_MUTATION
from testkit.live import (
    BOARD_EVENTS,
    LiveClient,
    cursor_before_a_change,
    live_client,
    replayed_from,
)
from testkit.redis_server import private_redis
from testkit.servers import Server, dealflow_server
from testkit.teams import Member, Team

pytestmark = pytest.mark.skipif(
    not (
        is_postgres(os.environ.get("DATABASE_URL", ""))
        and os.environ.get("BROADCAST_URL", "").startswith("redis://")
    ),
    reason="several processes share PostgreSQL and Redis",
)


def server_env(settings: Settings, broadcast_url: str | None = None) -> dict[str, str]:
    # Feeds poll rarely here, so a prompt delivery proves the bus carried it. The
    # servers seal ids and cursors with the tests' key, so that a cursor made here
    # (`subscribe_after_a_change`) reads the same there.
    return {
        "SECRET_KEY": settings.id_secret(),
        "DATABASE_URL": settings.database_url,
        "BROADCAST_URL": broadcast_url or settings.broadcast_url,
        "FEED_POLL_SECONDS": "60",
    }


@contextlib.asynccontextmanager
async def two_servers_and_a_phone(
    settings: Settings, team: Team, process_id: str, broadcast_url: str | None = None
) -> AsyncIterator[tuple[Server, LiveClient]]:
    """Two server processes, and a manager's phone on the second watching the board
    (from a first deal, whose replay shows the phone is subscribed)."""
    env = server_env(settings, broadcast_url)
    async with (
        dealflow_server(**env) as first,
        dealflow_server(**env) as second,
        live_client(second.ws_url, team.tokens["manager"]) as phone,
    ):
        after = await cursor_before_a_change(
            team.workspace.id, lambda: create_deal_on(second, team.tokens["manager"], "Subscribed")
        )
        await replayed_from(phone, "board", process_id, after)
        yield first, phone


async def test_a_change_on_one_process_reaches_subscribers_of_another(
    settings: Settings, team: Team, process_id: str
):
    async with two_servers_and_a_phone(settings, team, process_id) as (first, phone):
        await create_deal_on(first, team.tokens["manager"], "Across processes")
        event = await phone.event("board", wait=3)

    assert event["deal"]["name"] == "Across processes"


async def test_dealflow_serve_with_workers_delivers_across_them(
    settings: Settings, team: Team, process_id: str
):
    async with contextlib.AsyncExitStack() as stack:
        server = await stack.enter_async_context(
            dealflow_server("--workers", "2", **server_env(settings))
        )
        phones = [
            await stack.enter_async_context(live_client(server.ws_url, team.tokens["manager"]))
            for _ in range(6)
        ]
        after = await cursor_before_a_change(
            team.workspace.id, lambda: create_deal_on(server, team.tokens["manager"], "Subscribed")
        )
        for phone in phones:
            await replayed_from(phone, "board", process_id, after)
        await create_deal_on(server, team.tokens["manager"], "Whichever worker")
        events = [await phone.event("board", wait=3) for phone in phones]

    assert [e["deal"]["name"] for e in events] == ["Whichever worker"] * 6


async def test_resuming_across_a_real_process_restart(
    settings: Settings, team: Team, manager_client: GraphQLClient, process_id: str
):
    async with (
        dealflow_server(**server_env(settings)) as before,
        live_client(before.ws_url, team.tokens["manager"]) as phone,
    ):
        after = await cursor_before_a_change(
            team.workspace.id, lambda: create_deal(manager_client, name="Before the restart")
        )
        seen = await replayed_from(phone, "board", process_id, after)
    missed = [await create_deal(manager_client, name=f"While down {i}") for i in range(2)]
    async with (
        dealflow_server(**server_env(settings)) as after,
        live_client(after.ws_url, team.tokens["manager"]) as phone,
    ):
        await phone.subscribe("board", BOARD_EVENTS, processId=process_id, after=seen["cursor"])
        replayed = [await phone.event("board") for _ in missed]
        await phone.nothing("board")

    assert [e["deal"]["name"] for e in replayed] == [d["name"] for d in missed]


async def test_mutations_succeed_while_the_bus_is_down_and_nothing_is_lost(
    settings: Settings, team: Team, process_id: str
):
    async with (
        private_redis() as bus,
        two_servers_and_a_phone(settings, team, process_id, bus.url) as (first, phone),
    ):
        await bus.stop()
        for i in range(3):
            await create_deal_on(first, team.tokens["manager"], f"During the outage {i}")
        await bus.start()
        received = [await phone.event("board", wait=20) for _ in range(3)]

    assert [e["deal"]["name"] for e in received] == [f"During the outage {i}" for i in range(3)]


@pytest.mark.parametrize("change", ["logout", "role"])
async def test_a_session_ended_on_one_process_gets_nothing_more_on_another(
    settings: Settings, team: Team, other_seller: Member, process_id: str, change: str
):
    """The session ends through the first process and a deal is made there at once; on
    the second, where the bus carries the deal within milliseconds and sessions are
    checked only hourly, the ended socket gets nothing and is closed with 4403."""
    env = {**server_env(settings), "SESSION_CHECK_SECONDS": "3600"}
    async with (
        dealflow_server(**env) as first,
        dealflow_server(**env) as second,
        live_client(second.ws_url, other_seller.token) as ended,
        live_client(second.ws_url, team.tokens["manager"]) as bystander,
    ):
        after = await cursor_before_a_change(
            team.workspace.id,
            lambda: create_deal_on(
                second, team.tokens["manager"], "Subscribed", ownerId=other_seller.id
            ),
        )
        for client in (ended, bystander):
            await replayed_from(client, "board", process_id, after)
        async with httpx.AsyncClient(base_url=first.base_url) as http:
            if change == "logout":
                await GraphQLClient(http, other_seller.token).data(LOGOUT_MUTATION)
            else:
                demoted = await GraphQLClient(http, team.tokens["admin"]).mutate(
                    UPDATE_USER_MUTATION, {"input": {"id": other_seller.id, "role": "MANAGER"}}
                )
                assert demoted["errors"] == []
        await create_deal_on(first, team.tokens["manager"], "After the session ended")
        seen = await bystander.event("board", wait=3)
        code, reason = await asyncio.wait_for(ended.closed, 5)
        leaked = ended.results["board"].qsize()

    assert seen["deal"]["name"] == "After the session ended"
    assert leaked == 0
    assert code == 4403 and "Session ended" in reason
