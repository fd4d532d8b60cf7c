"""Board events beyond a single card: the process reconfigured, a deal switching
process, and time itself moving a card's dot."""

from __future__ import annotations

from datetime import timedelta

from models.deal import Deal
from models.event import Event
from resolvers.clock import now_utc
from resolvers.processes.tree import load_process_tree
from subscriptions.changes import EventReading, board_change
from testkit.deals import create_deal
from testkit.documents import (
    CHANGE_DEAL_PROCESS_MUTATION,
    CREATE_PROCESS_MUTATION,
    CREATE_TASK_MUTATION,
    PROCESS_QUERY,
    SET_DEFAULT_PROCESS_MUTATION,
    UPDATE_PROCESS_MUTATION,
)
from testkit.ids import pk
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


BOARD_WITH_PROCESS = """
subscription Board($processId: ID!) {
  boardEvents(processId: $processId) {
    kind deal { name stage { name } } columns { stage { name } }
    board { process { isDefault } columns { stage { name } } }
  }
}
"""


async def test_the_feeds_kept_process_tree_follows_every_change_of_the_process(
    live_url, app, team: Team, admin_client, manager_client, process_id: str
):
    """The feed keeps a process's tree from event to event: renaming a stage, and the
    default moving to another process, are seen by the next events all the same."""
    async with live_client(live_url, team.tokens["manager"]) as manager:
        await manager.subscribe("board", BOARD_WITH_PROCESS, processId=process_id)
        await subscribed(app, team.workspace.id, 1)
        await create_deal(manager_client, name="Before")
        before = await manager.event("board")

        process = (await admin_client.data(PROCESS_QUERY, {"id": process_id}))["process"]
        update = as_update(process)
        update["stages"][0]["name"] = "Qualify (renamed)"
        assert (await admin_client.mutate(UPDATE_PROCESS_MUTATION, {"input": update}))[
            "errors"
        ] == []
        renamed = await manager.event("board")
        await create_deal(manager_client, name="After the rename")
        after_rename = await manager.event("board")

        other = await admin_client.mutate(CREATE_PROCESS_MUTATION, {"input": two_stage_input()})
        made_default = await admin_client.mutate(
            SET_DEFAULT_PROCESS_MUTATION, {"id": other["process"]["id"]}
        )
        assert made_default["errors"] == []
        no_longer_default = await manager.event("board")
        await create_deal(manager_client, name="After the default moved", processId=process_id)
        after_default = await manager.event("board")

    assert before["deal"]["stage"]["name"] == "Qualify"
    assert before["board"]["process"]["isDefault"] is True
    assert renamed["kind"] == "PROCESS_CHANGED"
    assert after_rename["deal"]["stage"]["name"] == "Qualify (renamed)"
    assert after_rename["columns"] == [{"stage": {"name": "Qualify (renamed)"}}]
    assert after_rename["board"]["columns"][0]["stage"]["name"] == "Qualify (renamed)"
    assert no_longer_default["kind"] == "PROCESS_CHANGED"
    assert after_default["deal"]["name"] == "After the default moved"
    assert after_default["board"]["process"]["isDefault"] is False


async def test_a_deal_in_a_stage_newer_than_the_kept_tree_reads_the_tree_again(
    team: Team, admin_client, manager_client, process_id: str
):
    """An event handed out after its process gained a stage, but before the log's
    process event reached the feed: the deal as it is now sits in the new stage, which
    the kept tree lacks; the tree is read again rather than the card misplaced."""
    deal = await create_deal(manager_client, name="Ahead of the tree", isPublic=True)
    event = await Event.filter(workspace_id=team.workspace.id).order_by("-id").first()
    assert event is not None
    process_pk = pk(process_id)
    stale = await load_process_tree(team.workspace.id, process_pk)
    process = (await admin_client.data(PROCESS_QUERY, {"id": process_id}))["process"]
    update = as_update(process)
    new_stage = {**update["stages"][0], "id": None, "name": "Brand new"}
    new_stage["steps"] = [{**s, "id": None} for s in new_stage["steps"]]
    update["stages"] = [new_stage, *update["stages"]]
    assert (await admin_client.mutate(UPDATE_PROCESS_MUTATION, {"input": update}))["errors"] == []
    fresh = await load_process_tree(team.workspace.id, process_pk)
    assert fresh is not None
    brand_new = next(s for s in fresh.stages if s.row.name == "Brand new")
    await Deal.filter(id=pk(deal["id"])).update(stage_id=brand_new.row.id)

    reading = EventReading(event, team.workspace, trees={process_pk: stale})
    change = await board_change(reading, process_pk, team.manager)

    assert change is not None and change.scope is not None
    assert change.scope.tree.stage(brand_new.row.id) is not None


async def test_events_after_a_process_change_in_one_batch_are_shown_with_the_new_tree(
    live_url, app, team: Team, admin_client, manager_client, process_id: str
):
    """The events of one batch share what they are shown with (`BatchReading`), up to a
    change of their process: the events after it read the tree again, cards and columns
    alike (the loaders too, which would otherwise keep the old tree)."""
    async with live_client(live_url, team.tokens["manager"]) as manager:
        await manager.subscribe("board", BOARD_WITH_PROCESS, processId=process_id)
        await subscribed(app, team.workspace.id, 1)
        await create_deal(manager_client, name="Warm")  # the feed keeps the tree
        await manager.event("board")
        feed = app.state.live.hub.feeds[team.workspace.id]
        process = (await admin_client.data(PROCESS_QUERY, {"id": process_id}))["process"]
        update = as_update(process)
        update["stages"][0]["name"] = "Qualify (renamed)"
        async with feed.lock:  # the three events wait, and are read in one batch
            await create_deal(manager_client, name="Before")
            changed = await admin_client.mutate(UPDATE_PROCESS_MUTATION, {"input": update})
            await create_deal(manager_client, name="After")
        before, renamed, after = [await manager.event("board") for _ in range(3)]

    assert changed["errors"] == []
    assert before["deal"] == {"name": "Before", "stage": {"name": "Qualify"}}
    assert renamed["kind"] == "PROCESS_CHANGED"
    assert after["deal"] == {"name": "After", "stage": {"name": "Qualify (renamed)"}}
    assert after["columns"] == [{"stage": {"name": "Qualify (renamed)"}}]
