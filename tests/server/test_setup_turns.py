"""Sockets are set up in turns (`server.setup_turns`): no more operations and
`connection_init`s are under way at once than the setting allows, a subscription gives
its turn back as soon as its stream is open (whether or not the feed writes for it), and
a query, a refusal or a stop gives it back too."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Coroutine
from contextlib import AsyncExitStack
from typing import Any

import pytest

from schema.live import fields as subscription_fields
from server.settings import Settings
from server.setup_turns import SetupTurns
from testkit.deals import create_deal
from testkit.live import (
    BOARD_EVENTS,
    NOTIFICATIONS,
    PROTOCOLS,
    handed_over,
    live_client,
    served_app,
    subscribed,
)
from testkit.teams import Team


async def test_a_turn_is_given_back_once_and_the_next_waits_for_it():
    turns = SetupTurns(1)
    first = turns.turn()
    await first.__aenter__()
    second = asyncio.ensure_future(turns.turn().__aenter__())
    await asyncio.sleep(0.01)
    waited = not second.done()
    first.done()
    first.done()  # once only: a second would let two in
    await asyncio.wait_for(second, 1)
    third = asyncio.ensure_future(turns.turn().__aenter__())
    await asyncio.sleep(0.01)

    assert waited
    assert not third.done()
    third.cancel()


async def test_no_limit_when_the_setting_is_zero():
    turns = SetupTurns(0)
    held = [await turns.turn().__aenter__() for _ in range(100)]

    assert len(held) == 100


def counting(
    lookup: Callable[..., Coroutine[Any, Any, bool]], under_way: list[int]
) -> Callable[..., Coroutine[Any, Any, bool]]:
    """`lookup` (part of every board subscription's setup), slowed down, counting how
    many run at once (`under_way`: now, and the most seen)."""

    async def counted(*args: Any) -> bool:
        under_way[0] += 1
        under_way[1] = max(under_way[1], under_way[0])
        try:
            await asyncio.sleep(0.05)
            return await lookup(*args)
        finally:
            under_way[0] -= 1

    return counted


@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_subscriptions_are_set_up_a_few_at_a_time_and_all_get_their_events(
    settings: Settings,
    team: Team,
    manager_client,
    process_id: str,
    protocol: str,
    monkeypatch: pytest.MonkeyPatch,
):
    under_way = [0, 0]
    lookup = subscription_fields.live_process_exists
    monkeypatch.setattr(subscription_fields, "live_process_exists", counting(lookup, under_way))
    async with (
        served_app(settings.replace(ws_setups_at_once=2)) as served,
        AsyncExitStack() as stack,
    ):
        clients = [
            await stack.enter_async_context(
                live_client(served.url, team.tokens["manager"], protocol)
            )
            for _ in range(6)
        ]
        await asyncio.gather(
            *(c.subscribe("board", BOARD_EVENTS, processId=process_id) for c in clients)
        )
        await handed_over(served.app, team.workspace.id, 6)
        await create_deal(manager_client, name="For everyone")
        heard = [(await c.event("board"))["deal"]["name"] for c in clients]

    assert under_way[1] == 2
    assert heard == ["For everyone"] * 6


@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_a_turn_goes_back_when_the_stream_opens_or_the_operation_ends(
    settings: Settings, team: Team, manager_client, process_id: str, protocol: str
):
    """With one turn: a notifications subscription (which the feed does not write for)
    and a refused subscription each give it back, and so does a stopped one; a board
    subscription after them is still set up."""
    async with (
        served_app(settings.replace(ws_setups_at_once=1)) as served,
        live_client(served.url, team.tokens["manager"], protocol) as client,
    ):
        await client.subscribe("notes", NOTIFICATIONS)
        await client.subscribe("refused", BOARD_EVENTS, processId="UHJvY2Vzczo5OTk5OTk=")
        refused = await client.message("refused")
        await client.subscribe("stopped", BOARD_EVENTS, processId=process_id)
        stop = "complete" if protocol == PROTOCOLS[0] else "stop"
        await client.ws.send(json.dumps({"id": "stopped", "type": stop}))
        await client.subscribe("board", BOARD_EVENTS, processId=process_id)
        await subscribed(served.app, team.workspace.id, 2)  # the notes, the board
        await create_deal(manager_client, name="Heard")
        event = await client.event("board")

    payload = refused["payload"]
    errors = payload if isinstance(payload, list) else payload.get("errors") or [payload]
    assert errors[0]["extensions"]["code"] == "NOT_FOUND"
    assert event["deal"]["name"] == "Heard"


async def test_a_connection_init_in_time_is_not_closed_while_it_waits_for_its_turn(
    settings: Settings, team: Team, process_id: str, monkeypatch: pytest.MonkeyPatch
):
    lookup = subscription_fields.live_process_exists

    async def slow(*args: Any) -> bool:
        await asyncio.sleep(1.5)
        return await lookup(*args)

    monkeypatch.setattr(subscription_fields, "live_process_exists", slow)
    chosen = settings.replace(ws_setups_at_once=1, ws_init_timeout_seconds=0.5)
    async with (
        served_app(chosen) as served,
        live_client(served.url, team.tokens["manager"]) as first,
    ):
        await first.subscribe("board", BOARD_EVENTS, processId=process_id)  # holds the turn
        await asyncio.sleep(0.1)
        async with live_client(served.url, team.tokens["user"]) as second:  # acknowledged
            await second.subscribe("board", BOARD_EVENTS, processId=process_id)
            await subscribed(served.app, team.workspace.id, 2)
            closed = second.closed.done()

    assert not closed
