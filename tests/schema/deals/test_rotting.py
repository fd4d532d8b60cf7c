"""Rotting deals over HTTP and WebSocket, on the project's clock: a stage's limit, a deal
turning rotten when nobody changed it for longer, the board's counts and filter, and
the live DEAL_UPDATED the clock writes once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from models.event import Event
from models.process import Process, Stage
from resolvers.deals.rot_clock import record_rotten_deals
from testkit.clients import GraphQLClient
from testkit.clock import FrozenClock
from testkit.deals import create_deal
from testkit.documents import LOSE_DEAL_MUTATION, PROCESSES_QUERY, UPDATE_DEAL_MUTATION
from testkit.ids import pk
from testkit.live import live_client, subscribed
from testkit.teams import Team

ROTTING_BOARD = """
query Board($processId: ID!, $filter: BoardFilter) {
  board(processId: $processId, filter: $filter) {
    columns { stage { name } dealCount rottenCount deals { edges { node { name isRotten } } } }
  }
}
"""

ROTTING_EVENTS = """
subscription Board($processId: ID!) {
  boardEvents(processId: $processId) {
    kind deal { name isRotten rottenSince } columns { stage { name } rottenCount }
  }
}
"""

UPDATE_PROCESS = """
mutation($input: UpdateProcessInput!) {
  updateProcess(input: $input) {
    process { stages { id name rottenAfterDays } } errors { code field }
  }
}
"""


@pytest.fixture
async def first_stage(team: Team, process_id: str) -> Stage:
    """The default process's first stage, where new deals start: rots after 3 days."""
    stage = await Stage.filter(process_id=pk(process_id)).order_by("position").first()
    assert stage is not None
    stage.rotten_after_days = 3
    await stage.save(update_fields=["rotten_after_days"])
    # As configuring a process does: its row changes with its stages (trees are kept
    # while the row's `updated_at` stays, `resolvers.processes.tree`).
    await Process.filter(id=pk(process_id)).update(updated_at=datetime.now(UTC))
    return stage


async def board(client: GraphQLClient, process_id: str, **filter_: Any) -> dict[str, Any]:
    answer = await client.data(ROTTING_BOARD, {"processId": process_id, "filter": filter_ or None})
    column: dict[str, Any] = answer["board"]["columns"][0]
    return column


async def test_a_deal_nobody_changes_rots_after_its_stage_s_days(
    frozen_clock: FrozenClock,
    first_stage: Stage,
    manager_client: GraphQLClient,
    user_client: GraphQLClient,
    process_id: str,
):
    started = frozen_clock.now
    quiet = await create_deal(user_client, name="Quiet")
    busy = await create_deal(user_client, name="Busy")
    lost = await create_deal(user_client, name="Lost early")
    closed = await user_client.mutate(
        LOSE_DEAL_MUTATION, {"input": {"dealId": lost["id"], "reason": "Budget cut"}}
    )

    frozen_clock.now = started + timedelta(days=2)
    touched = await user_client.mutate(
        UPDATE_DEAL_MUTATION,
        {"input": {"id": busy["id"], "version": busy["version"], "source": "Call"}},
    )
    before = await board(manager_client, process_id)
    frozen_clock.now = started + timedelta(days=3, seconds=1)
    after = await board(manager_client, process_id)
    only_rotten = await board(manager_client, process_id, rotten=True)
    fresh_only = await board(manager_client, process_id, rotten=False)
    quiet_now = (
        await user_client.data(
            "query($id: ID!) { deal(id: $id) { isRotten rottenSince } }", {"id": quiet["id"]}
        )
    )["deal"]

    assert touched["errors"] == [] and closed["errors"] == []
    assert before["rottenCount"] == 0
    assert after["rottenCount"] == 1 and after["dealCount"] == 2
    assert [e["node"] for e in only_rotten["deals"]["edges"]] == [
        {"name": "Quiet", "isRotten": True}
    ]
    assert [e["node"]["name"] for e in fresh_only["deals"]["edges"]] == ["Busy"]
    assert quiet_now["isRotten"] is True
    assert quiet_now["rottenSince"] == (started + timedelta(days=3)).isoformat()


async def test_the_clock_tells_boards_once_and_does_not_count_as_a_change(
    frozen_clock: FrozenClock,
    first_stage: Stage,
    app,
    live_url: str,
    team: Team,
    user_client: GraphQLClient,
    process_id: str,
):
    started = frozen_clock.now
    deal = await create_deal(user_client, name="Forgotten")
    rots_at = started + timedelta(days=3)

    async with live_client(live_url, team.tokens["manager"]) as live:
        await live.subscribe("board", ROTTING_EVENTS, processId=process_id)
        await subscribed(app, team.workspace.id, 1)
        frozen_clock.now = rots_at + timedelta(seconds=1)
        first = await record_rotten_deals(rots_at - timedelta(seconds=1), frozen_clock.now)
        again = await record_rotten_deals(rots_at - timedelta(seconds=1), frozen_clock.now)
        event = await live.event("board")

    assert first == {team.workspace.id} and again == set()
    told = event
    assert told["kind"] == "DEAL_UPDATED"
    assert told["deal"] == {
        "name": "Forgotten",
        "isRotten": True,
        "rottenSince": rots_at.isoformat(),
    }
    assert told["columns"][0]["rottenCount"] == 1
    written = await Event.filter(deal_id=pk(deal["id"]), actor_id=None).values_list("kind", "data")
    assert [(kind, data["changes"]) for kind, data in written] == [
        ("DEAL_UPDATED", [{"field": "rotten", "from": "False", "to": "True"}])
    ]
    still = (
        await user_client.data("query($id: ID!) { deal(id: $id) { isRotten } }", {"id": deal["id"]})
    )["deal"]
    assert still["isRotten"] is True


async def test_a_stage_s_limit_is_configured_kept_and_checked(
    admin_client: GraphQLClient, process_id: str
):
    process = (await admin_client.data(PROCESSES_QUERY))["processes"]
    (default,) = [p for p in process if p["id"] == process_id]
    stages = [
        {
            "id": stage["id"],
            "name": stage["name"],
            "steps": [
                {"id": s["id"], "name": s["name"], "weight": s["weight"]} for s in stage["steps"]
            ],
        }
        for stage in default["stages"]
    ]
    stages[0]["rottenAfterDays"] = 14

    set_ = await admin_client.mutate(
        UPDATE_PROCESS, {"input": {"id": process_id, "name": default["name"], "stages": stages}}
    )
    del stages[0]["rottenAfterDays"]
    kept = await admin_client.mutate(
        UPDATE_PROCESS, {"input": {"id": process_id, "name": default["name"], "stages": stages}}
    )
    stages[1]["rottenAfterDays"] = 0
    refused = await admin_client.mutate(
        UPDATE_PROCESS, {"input": {"id": process_id, "name": default["name"], "stages": stages}}
    )
    stages[1]["rottenAfterDays"] = None
    stages[0]["rottenAfterDays"] = None
    cleared = await admin_client.mutate(
        UPDATE_PROCESS, {"input": {"id": process_id, "name": default["name"], "stages": stages}}
    )

    assert set_["errors"] == [] and set_["process"]["stages"][0]["rottenAfterDays"] == 14
    assert kept["process"]["stages"][0]["rottenAfterDays"] == 14
    assert [(e["code"], e["field"]) for e in refused["errors"]] == [
        ("VALIDATION", ["input", "stages", "1", "rottenAfterDays"])
    ]
    assert [s["rottenAfterDays"] for s in cleared["process"]["stages"]] == [None] * len(stages)


async def test_a_new_limit_applies_to_the_deals_already_waiting(
    frozen_clock: FrozenClock,
    team: Team,
    admin_client: GraphQLClient,
    manager_client: GraphQLClient,
    user_client: GraphQLClient,
    process_id: str,
):
    await create_deal(user_client, name="Old news")
    frozen_clock.now += timedelta(days=10)
    default = next(
        p for p in (await admin_client.data(PROCESSES_QUERY))["processes"] if p["id"] == process_id
    )
    stages = [
        {
            "id": stage["id"],
            "name": stage["name"],
            "steps": [
                {"id": s["id"], "name": s["name"], "weight": s["weight"]} for s in stage["steps"]
            ],
            "rottenAfterDays": 7,
        }
        for stage in default["stages"]
    ]

    changed = await admin_client.mutate(
        UPDATE_PROCESS, {"input": {"id": process_id, "name": default["name"], "stages": stages}}
    )
    column = await board(manager_client, process_id)

    assert changed["errors"] == []
    assert column["rottenCount"] == 1
