"""A board says where the event log stood just before it was read (`eventCursor`): a
client that subscribes from there after loading the board misses nothing made in
between, however late its subscription registers. Only to those who see the whole log
(`access.sees_whole_log`)."""

from __future__ import annotations

from typing import Any

import httpx

from models.event import Event
from testkit.clients import GraphQLClient
from testkit.deals import create_deal
from testkit.live import BOARD_EVENTS, event_id, live_client
from testkit.teams import Team
from tests.schema.accounts.test_display_tokens import made
from tests.schema.board.test_board import default_process_id

BOARD = """
query B($processId: ID!) { board(processId: $processId) { dealCount eventCursor } }
"""
SKIPPED = """
query B($processId: ID!, $yes: Boolean!) {
  board(processId: $processId) { ...Position @include(if: $yes) }
}
fragment Position on Board { eventCursor }
"""


async def board(client: GraphQLClient, process_id: str, **variables: Any) -> dict[str, Any]:
    found: dict[str, Any] = (
        await client.data(
            BOARD if not variables else SKIPPED, {"processId": process_id, **variables}
        )
    )["board"]
    return found


async def test_a_board_tells_where_the_log_stood_before_it(
    manager_client: GraphQLClient, team: Team
):
    process_id = await default_process_id(manager_client)
    assert (await board(manager_client, process_id))["eventCursor"] is None, "no events yet"
    await create_deal(manager_client, name="First")
    await create_deal(manager_client, name="Second")
    last = await Event.filter(workspace_id=team.workspace.id).order_by("-id").first()
    assert last is not None

    read = await board(manager_client, process_id)
    through_fragment = await board(manager_client, process_id, yes=True)

    assert read["dealCount"] == 2
    assert read["eventCursor"] == through_fragment["eventCursor"]
    assert read["eventCursor"] is not None
    assert await board(manager_client, process_id, yes=False) == {}
    assert event_id(read["eventCursor"]) == last.id


async def test_subscribing_from_a_boards_cursor_misses_nothing_made_since(
    manager_client: GraphQLClient, user_client: GraphQLClient, team: Team, live_url: str
):
    process_id = await default_process_id(manager_client)
    await create_deal(manager_client, name="On the board")
    read = await board(manager_client, process_id)
    await create_deal(user_client, name="Made before the subscription")

    async with live_client(live_url, team.tokens["manager"]) as manager:
        await manager.subscribe(
            "board", BOARD_EVENTS, processId=process_id, after=read["eventCursor"]
        )
        event = await manager.event("board")

    assert read["dealCount"] == 1
    assert event["kind"] == "DEAL_ADDED"
    assert event["deal"]["name"] == "Made before the subscription"


async def test_only_who_sees_the_whole_log_is_told_its_position(
    manager_client: GraphQLClient,
    user_client: GraphQLClient,
    admin_client: GraphQLClient,
    http: httpx.AsyncClient,
):
    """A salesperson's or a wall screen's cursor would change with changes hidden from
    them (a private deal of someone else's, another process's board): they get none."""
    process_id = await default_process_id(manager_client)
    wall = GraphQLClient(http, (await made(admin_client, process_id))["token"])
    await create_deal(manager_client, name="Someone else's, private")

    assert (await board(admin_client, process_id))["eventCursor"] is not None
    assert (await board(user_client, process_id))["eventCursor"] is None
    assert (await board(wall, process_id))["eventCursor"] is None
