"""A board event carries the whole board after it, as each subscriber sees it: the
totals, and the board itself with the id `board(processId:)` gives, so that a client
cache updates from the event alone. Each subscriber's figures are compared with the
board the same person reads right after, live (salespeople read together) and replayed.
"""

from __future__ import annotations

from typing import Any

import httpx

from testkit.clients import GraphQLClient
from testkit.deals import create_deal
from testkit.documents import PROCESS_QUERY, UPDATE_PROCESS_MUTATION
from testkit.live import cursor_before_a_change, event_id, live_client, subscribed
from testkit.processes import as_update
from testkit.teams import Team, add_member

WHOLE_BOARD = """
  dealCount totalValue forecastValue
  board { id dealCount totalValue forecastValue columns { id dealCount totalValue forecastValue } }
"""
TOTALS = f"""
subscription Totals($processId: ID!, $after: String) {{
  boardEvents(processId: $processId, after: $after) {{ cursor kind {WHOLE_BOARD} }}
}}
"""
BOARD = """
query Board($processId: ID!) {
  board(processId: $processId) {
    id dealCount totalValue forecastValue columns { id dealCount totalValue forecastValue }
  }
}
"""


async def board_of(client: GraphQLClient, process_id: str) -> dict[str, Any]:
    board: dict[str, Any] = (await client.data(BOARD, {"processId": process_id}))["board"]
    return board


def expected(board: dict[str, Any]) -> dict[str, Any]:
    """What an event's figures must be: the board's, as its totals and as itself."""
    totals = {name: board[name] for name in ("dealCount", "totalValue", "forecastValue")}
    return {**totals, "board": board}


def figures(event: dict[str, Any]) -> dict[str, Any]:
    return {name: event[name] for name in ("dealCount", "totalValue", "forecastValue", "board")}


async def test_each_subscriber_gets_the_board_it_sees_after_the_event(
    live_url, app, team: Team, http: httpx.AsyncClient, manager_client, user_client, process_id
):
    """A manager, and two salespeople whose figures the feed reads together: each gets
    its own board, equal to what it reads with `board` once the event is out."""
    other = await add_member(team, "seller2", "Seller Two", team.user.password_hash)
    other_client = other.client(http)
    await create_deal(manager_client, name="Manager's own", value="500.00")
    await create_deal(user_client, name="User's own", value="70.00")
    await create_deal(other_client, name="Other's own", value="9.50")
    people = {"manager": manager_client, "user": user_client, "other": other_client}
    tokens = {"manager": team.tokens["manager"], "user": team.tokens["user"], "other": other.token}
    async with (
        live_client(live_url, tokens["manager"]) as manager,
        live_client(live_url, tokens["user"]) as user,
        live_client(live_url, tokens["other"]) as seller,
    ):
        sockets = {"manager": manager, "user": user, "other": seller}
        for socket in sockets.values():
            await socket.subscribe("board", TOTALS, processId=process_id)
        await subscribed(app, team.workspace.id, 3)
        await create_deal(manager_client, name="Public", value="1000.00", isPublic=True)
        events = {who: await socket.event("board") for who, socket in sockets.items()}

    boards = {who: await board_of(client, process_id) for who, client in people.items()}
    for who, event in events.items():
        assert event["kind"] == "DEAL_ADDED"
        assert figures(event) == expected(boards[who]), who
    assert boards["manager"]["dealCount"] == 4 and boards["manager"]["totalValue"] == "1579.50"
    assert boards["user"]["dealCount"] == 2 and boards["user"]["totalValue"] == "1070.00"
    assert boards["other"]["dealCount"] == 2 and boards["other"]["totalValue"] == "1009.50"


async def test_replayed_and_process_events_carry_the_board_too(
    live_url, app, team: Team, admin_client, user_client, process_id
):
    await create_deal(user_client, name="First", value="30.00")
    cursor = await cursor_before_a_change(
        team.workspace.id, lambda: create_deal(user_client, name="Second", value="12.25")
    )
    process = (await admin_client.data(PROCESS_QUERY, {"id": process_id}))["process"]
    update = as_update(process)
    update["stages"][0]["steps"][0]["weight"] += 5
    async with live_client(live_url, team.tokens["user"]) as user:
        await user.subscribe("live", TOTALS, processId=process_id)
        await subscribed(app, team.workspace.id, 1)
        assert (await admin_client.mutate(UPDATE_PROCESS_MUTATION, {"input": update}))[
            "errors"
        ] == []
        changed = await user.event("live")
        await user.subscribe("replay", TOTALS, processId=process_id, after=cursor)
        replayed = await user.event("replay")

    now = expected(await board_of(user_client, process_id))
    assert changed["kind"] == "PROCESS_CHANGED" and figures(changed) == now
    # Replayed events show the board as it is now, as they show the card.
    assert replayed["kind"] == "DEAL_ADDED" and figures(replayed) == now
    assert event_id(replayed["cursor"]) < event_id(changed["cursor"])
    assert now["dealCount"] == 2 and now["totalValue"] == "42.25"
