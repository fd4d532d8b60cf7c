"""Resuming with a cursor: exactly the missed events, in order, then live ones; across a
server restart too; and a clear error for a cursor that is bad or too old."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from models.account import Workspace
from resolvers.pagination import IdCursor
from server.settings import Settings
from testkit.deals import create_deal
from testkit.live import (
    BOARD_EVENTS,
    PROTOCOLS,
    LiveClient,
    event_id,
    live_client,
    served_app,
    subscribed,
)
from testkit.teams import Team


async def drain(client: LiveClient, op_id: str, count: int) -> list[dict[str, Any]]:
    return [await client.event(op_id) for _ in range(count)]


@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_a_client_that_reconnects_gets_exactly_what_it_missed(
    live_url, app, team: Team, manager_client, process_id: str, protocol: str
):
    async with live_client(live_url, team.tokens["manager"], protocol) as phone:
        await phone.subscribe("board", BOARD_EVENTS, processId=process_id)
        await subscribed(app, team.workspace.id, 1)
        await create_deal(manager_client, name="Seen")
        seen = await phone.event("board")
    missed = [await create_deal(manager_client, name=f"Missed {i}") for i in range(3)]
    async with live_client(live_url, team.tokens["manager"], protocol) as phone:
        await phone.subscribe("board", BOARD_EVENTS, processId=process_id, after=seen["cursor"])
        replayed = await drain(phone, "board", 3)
        await create_deal(manager_client, name="Live")
        live = await phone.event("board")
        await phone.nothing("board")

    assert [e["deal"]["name"] for e in replayed] == [d["name"] for d in missed]
    assert [e["kind"] for e in replayed] == ["DEAL_ADDED"] * 3
    assert live["deal"]["name"] == "Live"
    cursors = [event_id(e["cursor"]) for e in [seen, *replayed, live]]
    assert cursors == sorted(set(cursors)), "increasing, none twice"


async def test_events_committed_during_the_replay_are_neither_lost_nor_repeated(
    live_url, app, team: Team, manager_client, process_id: str
):
    async with live_client(live_url, team.tokens["manager"]) as phone:
        await phone.subscribe("board", BOARD_EVENTS, processId=process_id)
        await subscribed(app, team.workspace.id, 1)
        await create_deal(manager_client, name="Start")
        start = await phone.event("board")
    for i in range(30):
        await create_deal(manager_client, name=f"Before {i}")

    async def more() -> None:
        for i in range(10):
            await create_deal(manager_client, name=f"During {i}")

    async with live_client(live_url, team.tokens["manager"]) as phone:
        writer = asyncio.create_task(more())
        await phone.subscribe("board", BOARD_EVENTS, processId=process_id, after=start["cursor"])
        received = await drain(phone, "board", 40)
        await writer
        await phone.nothing("board")

    names = [e["deal"]["name"] for e in received]
    assert sorted(names) == sorted(
        [f"Before {i}" for i in range(30)] + [f"During {i}" for i in range(10)]
    )
    cursors = [event_id(e["cursor"]) for e in received]
    assert cursors == sorted(set(cursors))


async def test_resuming_across_a_server_restart(
    team: Team, manager_client, process_id: str, settings: Settings
):
    async with (
        served_app(settings) as first,
        live_client(first.url, team.tokens["manager"]) as phone,
    ):
        await phone.subscribe("board", BOARD_EVENTS, processId=process_id)
        await subscribed(first.app, team.workspace.id, 1)
        await create_deal(manager_client, name="Before the restart")
        seen = await phone.event("board")
    await create_deal(manager_client, name="While down")
    async with (
        served_app(settings) as second,
        live_client(second.url, team.tokens["manager"]) as phone,
    ):
        await phone.subscribe("board", BOARD_EVENTS, processId=process_id, after=seen["cursor"])
        replayed = await phone.event("board")
        await phone.nothing("board")

    assert replayed["deal"]["name"] == "While down"


@pytest.mark.parametrize(
    ("after", "code"),
    [
        ("not-a-cursor", "VALIDATION"),
        ("1", "VALIDATION"),  # a plain event id: cursors are sealed
        (IdCursor.NOTIFICATION.of(1), "VALIDATION"),  # a cursor of another kind
        (IdCursor.EVENT.of(1), "CURSOR_EXPIRED"),
    ],
)
async def test_a_bad_or_expired_cursor_is_a_clear_error(
    live_url, team: Team, manager_client, process_id: str, after: str, code: str
):
    await create_deal(manager_client, name="Old")
    await Workspace.filter(id=team.workspace.id).update(events_purged_through=10**9)
    async with live_client(live_url, team.tokens["manager"]) as phone:
        await phone.subscribe("board", BOARD_EVENTS, processId=process_id, after=after)
        message = await phone.message("board")

    errors = message["payload"] if message["type"] == "error" else message["payload"]["errors"]
    assert errors[0]["extensions"]["code"] == code
    assert "Unexpected" not in errors[0]["message"]
