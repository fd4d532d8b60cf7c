"""Board events beyond a single card: the process reconfigured, a deal switching
process, and time itself moving a card's dot."""

from __future__ import annotations

from datetime import timedelta

from resolvers.clock import now_utc
from testkit.deals import create_deal
from testkit.documents import (
    CHANGE_DEAL_PROCESS_MUTATION,
    CREATE_PROCESS_MUTATION,
    CREATE_TASK_MUTATION,
    PROCESS_QUERY,
    UPDATE_PROCESS_MUTATION,
)
from testkit.live import BOARD_EVENTS, live_client, subscribed
from testkit.processes import as_update, two_stage_input
from testkit.teams import Team


async def test_reconfiguring_the_process_tells_its_boards_to_reload(
    live_url, app, team: Team, admin_client, manager_client, process_id: str
):
    process = (await admin_client.data(PROCESS_QUERY, {"id": process_id}))["process"]
    update = as_update(process)
    update["stages"][0]["steps"][0]["weight"] += 5
    async with live_client(live_url, team.tokens["manager"]) as manager:
        await manager.subscribe("board", BOARD_EVENTS, processId=process_id)
        await subscribed(app, team.workspace.id, 1)
        payload = await admin_client.mutate(UPDATE_PROCESS_MUTATION, {"input": update})
        assert payload["errors"] == []
        changed = await manager.event("board")

    assert changed["kind"] == "PROCESS_CHANGED"
    assert changed["dealId"] == process_id and changed["deal"] is None
    assert changed["columns"] == []


async def test_switching_process_leaves_one_board_for_the_other(
    live_url, app, team: Team, admin_client, manager_client, process_id: str
):
    other = await admin_client.mutate(CREATE_PROCESS_MUTATION, {"input": two_stage_input()})
    other_id = other["process"]["id"]
    deal = await create_deal(manager_client, name="Switcher", value="20.00")
    async with live_client(live_url, team.tokens["manager"]) as manager:
        await manager.subscribe("old", BOARD_EVENTS, processId=process_id)
        await manager.subscribe("new", BOARD_EVENTS, processId=other_id)
        await subscribed(app, team.workspace.id, 2)
        switch = {"input": {"dealId": deal["id"], "processId": other_id}}
        payload = await manager_client.mutate(CHANGE_DEAL_PROCESS_MUTATION, switch)
        assert payload["errors"] == []
        left = await manager.event("old")
        arrived = await manager.event("new")

    assert (left["kind"], left["deal"]) == ("DEAL_REMOVED", None)
    assert (arrived["kind"], arrived["deal"]["name"]) == ("DEAL_ADDED", "Switcher")
    assert arrived["columns"] == [
        {
            "stage": {"name": "Contact"},
            "dealCount": 1,
            "totalValue": "20.00",
            "forecastValue": "0.00",
        }
    ]


async def test_a_task_falling_due_moves_the_dot_with_no_write_by_anyone(
    live_url, app, team: Team, manager_client, process_id: str
):
    deal = await create_deal(manager_client, name="Due soon")
    due = now_utc() + timedelta(seconds=1.5)
    async with live_client(live_url, team.tokens["manager"]) as manager:
        await manager.subscribe("board", BOARD_EVENTS, processId=process_id)
        await subscribed(app, team.workspace.id, 1)
        task = {"input": {"title": "Call back", "dealId": deal["id"], "dueAt": due.isoformat()}}
        assert (await manager_client.mutate(CREATE_TASK_MUTATION, task))["errors"] == []
        created = await manager.event("board")
        fell_due = await manager.event("board", wait=6)

    assert created["kind"] == "DEAL_UPDATED" and created["deal"]["taskStatus"] == "TODAY"
    assert fell_due["kind"] == "DEAL_UPDATED" and fell_due["deal"]["taskStatus"] == "OVERDUE"
    assert now_utc() >= due
