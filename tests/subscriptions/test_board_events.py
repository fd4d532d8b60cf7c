"""boardEvents over real WebSockets (both sub-protocols) against uvicorn."""

from __future__ import annotations

import pytest

from resolvers import task_dot
from schema.live import fields as subscription_fields
from testkit.clients import GraphQLClient
from testkit.deals import create_deal, steps_by_name
from testkit.documents import COMPLETE_STEP_MUTATION, PROCESSES_QUERY
from testkit.live import BOARD_EVENTS, PROTOCOLS, event_id, handed_over, live_client, subscribed
from testkit.teams import Team


async def default_process(client: GraphQLClient) -> str:
    processes = (await client.data(PROCESSES_QUERY))["processes"]
    return str(next(p["id"] for p in processes if p["isDefault"]))


@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_a_new_deal_and_a_step_reach_the_board(
    live_url, app, team: Team, manager_client, user_client, protocol: str
):
    process_id = await default_process(manager_client)
    steps = await steps_by_name(manager_client)
    async with live_client(live_url, team.tokens["manager"], protocol) as manager:
        await manager.subscribe("board", BOARD_EVENTS, processId=process_id)
        await subscribed(app, team.workspace.id, 1)
        deal = await create_deal(user_client, name="Solar roof", value="1000.00")
        added = await manager.event("board")
        payload = await user_client.mutate(
            COMPLETE_STEP_MUTATION,
            {"input": {"dealId": deal["id"], "stepId": steps["Discovery meeting"]}},
        )
        assert payload["errors"] == []
        moved = await manager.event("board")

    assert added["kind"] == "DEAL_ADDED" and added["dealId"] == deal["id"]
    assert added["deal"]["name"] == "Solar roof"
    assert added["columns"] == [
        {
            "stage": {"name": "Qualify"},
            "dealCount": 1,
            "totalValue": "1000.00",
            "forecastValue": "0.00",
        }
    ]
    assert moved["kind"] == "DEAL_MOVED"
    assert moved["deal"]["stage"]["name"] == "Needs analysis"
    assert {c["stage"]["name"]: c["dealCount"] for c in moved["columns"]} == {
        "Qualify": 0,
        "Needs analysis": 1,
    }
    assert event_id(moved["cursor"]) > event_id(added["cursor"])


@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_internal_errors_reach_subscribers_masked(
    live_url, app, team: Team, manager_client, user_client, protocol: str, monkeypatch
):
    """A bug while a live event is executed, or while a subscription starts, reaches the
    client as "Unexpected error." and nothing of what it said."""
    process_id = await default_process(manager_client)

    def broken_dot(*args: object) -> object:
        raise RuntimeError("connection to db-internal-7 refused; secret=hunter2")

    async def broken_lookup(*args: object) -> bool:
        raise RuntimeError("relation process: secret=hunter2")

    async with live_client(live_url, team.tokens["manager"], protocol) as manager:
        await manager.subscribe("board", BOARD_EVENTS, processId=process_id)
        await subscribed(app, team.workspace.id, 1)
        monkeypatch.setattr(task_dot, "task_status", broken_dot)
        created = await user_client.post(
            'mutation { createDeal(input: {name: "Solar roof"}) { deal { id } errors { code } } }'
        )
        assert created["data"]["createDeal"]["errors"] == []
        during_event = await manager.message("board")
        monkeypatch.setattr(subscription_fields, "live_process_exists", broken_lookup)
        await manager.subscribe("again", BOARD_EVENTS, processId=process_id)
        at_start = await manager.message("again")

    for message in (during_event, at_start):
        assert "hunter2" not in str(message) and "Traceback" not in str(message)
    assert [e["message"] for e in during_event["payload"]["errors"]] == ["Unexpected error."]
    assert during_event["payload"]["data"]["boardEvents"]["deal"] is None
    errors = at_start["payload"] if at_start["type"] == "error" else at_start["payload"]["errors"]
    assert [e["message"] for e in errors] == ["Unexpected error."]


@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_a_change_that_cannot_be_made_ends_the_subscription_masked(
    live_url, app, team: Team, manager_client, protocol: str, monkeypatch
):
    """Once the feed writes a subscription's frames, a change it cannot make into the
    event (a bug, the database out of reach) ends the subscription as a failed stream
    ends: one result with the masked error, then `complete`; the socket stays open and
    subscribes again."""
    process_id = await default_process(manager_client)

    def broken_columns(*args: object) -> object:
        # A ValueError with no path reads like a client's value refused: still masked.
        raise ValueError("relation board: secret=hunter2")

    async with live_client(live_url, team.tokens["manager"], protocol) as manager:
        await manager.subscribe("board", BOARD_EVENTS, processId=process_id)
        await handed_over(app, team.workspace.id, 1)
        with monkeypatch.context() as broken:
            broken.setattr(subscription_fields, "board_columns", broken_columns)
            await create_deal(manager_client, name="Cannot be shown")
            failed = await manager.message("board")
            completed = await manager.message("board")
        await manager.subscribe("again", BOARD_EVENTS, processId=process_id)
        await handed_over(app, team.workspace.id, 1)
        await create_deal(manager_client, name="Shown")
        again = await manager.event("again")

    assert "hunter2" not in str(failed)
    assert failed["payload"] == {"data": None, "errors": [{"message": "Unexpected error."}]}
    assert completed["type"] == "complete"
    assert again["deal"]["name"] == "Shown"
