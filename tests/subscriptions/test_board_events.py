"""boardEvents over real WebSockets (both sub-protocols) against uvicorn."""

from __future__ import annotations

import asyncio

import pytest

from tests.conftest import GraphQLClient, Team
from tests.deals import create_deal, steps_by_name
from tests.documents import COMPLETE_STEP_MUTATION, PROCESSES_QUERY
from tests.live import BOARD_EVENTS, PROTOCOLS, live_client


async def default_process(client: GraphQLClient) -> str:
    processes = (await client.data(PROCESSES_QUERY))["processes"]
    return str(next(p["id"] for p in processes if p["isDefault"]))


@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_a_new_deal_and_a_step_reach_the_board(
    live_url, team: Team, manager_client, user_client, protocol: str
):
    process_id = await default_process(manager_client)
    steps = await steps_by_name(manager_client)
    async with live_client(live_url, team.tokens["manager"], protocol) as manager:
        await manager.subscribe("board", BOARD_EVENTS, processId=process_id)
        await asyncio.sleep(0.3)
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
    assert int(moved["cursor"]) > int(added["cursor"])
