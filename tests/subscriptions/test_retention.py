"""The replay log's retention forgets what resuming subscribers no longer need, and
nothing else: a deal's history stays for the life of the deal (the trash included),
and a deal left alone for longer than the retention still moves correctly on a live
board, because a mutation takes the deal's facts as it locked it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from models.account import Workspace
from models.event import Event
from models.history import HistoryEntry
from resolvers.deals.lifecycle import purge_trash
from resolvers.events.log import purge_events
from schema.ids import parse_global_id
from testkit.clients import GraphQLClient
from testkit.clock import FrozenClock
from testkit.deals import create_deal, steps_by_name
from testkit.documents import COMPLETE_STEP_MUTATION, DELETE_DEAL_MUTATION, HISTORY_QUERY
from testkit.live import BOARD_EVENTS, live_client, subscribed
from testkit.teams import Team

RETENTION = timedelta(days=7)

TRASH_HISTORY_QUERY = """
query { deletedDeals { edges { node { id history {
  totalCount edges { cursor node { kind cursor changes { field from to } step { name } note } }
} } } } }
"""


def pk(global_id: str) -> int:
    parsed = parse_global_id(global_id)
    assert parsed is not None
    return parsed[1]


async def history_of(client: GraphQLClient, deal_id: str) -> dict[str, Any]:
    found: dict[str, Any] = (await client.data(HISTORY_QUERY, {"id": deal_id, "first": 100}))[
        "deal"
    ]["history"]
    return found


async def trash_history(client: GraphQLClient) -> dict[str, Any]:
    edges = (await client.data(TRASH_HISTORY_QUERY))["deletedDeals"]["edges"]
    return {edge["node"]["id"]: edge["node"]["history"] for edge in edges}


async def complete(client: GraphQLClient, deal_id: str, step_id: str, note: str | None = None):
    payload = await client.mutate(
        COMPLETE_STEP_MUTATION, {"input": {"dealId": deal_id, "stepId": step_id, "note": note}}
    )
    assert payload["errors"] == [], payload["errors"]


async def a_quiet_period(clock: FrozenClock, team: Team) -> None:
    """The project's clock moves past the retention and the hourly purge runs: the
    workspace's replay log is empty afterwards. The app's own outbox reads the same
    clock and may purge first (it did, once, in CI): whoever purges, the log is empty."""
    assert await Event.filter(workspace_id=team.workspace.id).exists()
    clock.now = datetime.now(UTC) + RETENTION + timedelta(days=1)
    await purge_events(RETENTION, clock.now)
    assert not await Event.filter(workspace_id=team.workspace.id).exists()
    workspace = await Workspace.get(id=team.workspace.id)
    assert workspace.events_purged_through > 0


async def test_history_outlives_the_replay_log_and_leaves_with_the_purged_deal(
    team: Team, manager_client, user_client, frozen_clock: FrozenClock
):
    frozen_clock.now = datetime.now(UTC)
    steps = await steps_by_name(manager_client)
    kept = await create_deal(user_client, name="Kept", value="1000.00")
    await complete(user_client, kept["id"], steps["Discovery meeting"], note="Met the CFO")
    trashed = await create_deal(user_client, name="Trashed")
    await complete(user_client, trashed["id"], steps["Discovery meeting"], note="Lukewarm")
    deleted = await user_client.mutate(DELETE_DEAL_MUTATION, {"id": trashed["id"]})
    assert deleted["errors"] == []
    kept_before = await history_of(user_client, kept["id"])
    trash_before = await trash_history(manager_client)

    await a_quiet_period(frozen_clock, team)

    kept_after = await history_of(user_client, kept["id"])
    assert kept_after == kept_before
    assert [e["node"]["kind"] for e in kept_after["edges"]] == ["STEP_COMPLETED", "DEAL_CREATED"]
    completed = kept_after["edges"][0]["node"]
    assert completed["note"] == "Met the CFO"
    assert completed["step"] == {"name": "Discovery meeting"}
    assert {"field": "stage", "from": "Qualify", "to": "Needs analysis"} in completed["changes"]
    trash_after = await trash_history(manager_client)
    assert trash_after == trash_before
    assert [e["node"]["kind"] for e in trash_after[trashed["id"]]["edges"]] == [
        "DEAL_DELETED",
        "STEP_COMPLETED",
        "DEAL_CREATED",
    ]

    # Only purging the deal itself takes its history with it.
    assert await purge_trash(timedelta(days=30), frozen_clock.now + timedelta(days=31)) == 1
    assert not await HistoryEntry.filter(deal_id=pk(trashed["id"])).exists()
    assert await history_of(user_client, kept["id"]) == kept_before


async def test_a_move_after_a_quiet_period_is_a_move_on_every_live_board(
    live_url,
    app,
    team: Team,
    manager_client,
    user_client,
    process_id: str,
    frozen_clock: FrozenClock,
):
    frozen_clock.now = datetime.now(UTC)
    steps = await steps_by_name(manager_client)
    moving = await create_deal(user_client, name="Moving", value="1000.00")
    await create_deal(user_client, name="Staying", value="500.00")

    await a_quiet_period(frozen_clock, team)

    async with (
        live_client(live_url, team.tokens["manager"]) as manager,
        live_client(live_url, team.tokens["user"]) as seller,
    ):
        for watcher in (manager, seller):
            await watcher.subscribe("board", BOARD_EVENTS, processId=process_id)
        await subscribed(app, team.workspace.id, 2)
        await complete(user_client, moving["id"], steps["Discovery meeting"])
        seen = [await watcher.event("board") for watcher in (manager, seller)]

    for event in seen:
        assert event["kind"] == "DEAL_MOVED", event
        assert event["dealId"] == moving["id"]
        assert {
            c["stage"]["name"]: (c["dealCount"], c["totalValue"]) for c in event["columns"]
        } == {
            "Qualify": (1, "500.00"),
            "Needs analysis": (1, "1000.00"),
        }
