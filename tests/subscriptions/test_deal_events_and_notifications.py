"""dealEvents and notifications, live and resumed; the notifications list and marks."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from testkit.clients import GraphQLClient
from testkit.deals import create_deal, steps_by_name
from testkit.documents import (
    ADD_PARTICIPANT_MUTATION,
    COMPLETE_STEP_MUTATION,
    CREATE_TASK_MUTATION,
    REMOVE_PARTICIPANT_MUTATION,
    UPDATE_DEAL_MUTATION,
)
from testkit.live import BOARD_EVENTS, DEAL_EVENTS, NOTIFICATIONS, live_client, subscribed
from testkit.teams import Member, Team

NOTIFICATIONS_QUERY = """
query Notes($unreadOnly: Boolean, $first: Int, $after: String) {
  notifications(unreadOnly: $unreadOnly, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor } edges { cursor node { id kind message readAt } }
  }
  unreadNotificationCount
}
"""

MARK_READ_MUTATION = """
mutation Mark($input: MarkReadInput!) {
  markNotificationsRead(input: $input) { unreadCount errors { code message field } }
}
"""


async def task_giver(
    manager: GraphQLClient, seller: GraphQLClient, deal_name: str
) -> tuple[str, Callable[[str], Awaitable[None]]]:
    """A deal the seller takes part in (its id), and a way for the manager to give them
    a task on it (each one a notification for the seller)."""
    deal = await create_deal(manager, name=deal_name)
    seller_id = (await seller.data("{ me { id } }"))["me"]["id"]
    share = {"input": {"dealId": deal["id"], "userId": seller_id}}
    assert (await manager.mutate(ADD_PARTICIPANT_MUTATION, share))["errors"] == []

    async def give_task(title: str) -> None:
        task = {"input": {"title": title, "dealId": deal["id"], "assigneeId": seller_id}}
        assert (await manager.mutate(CREATE_TASK_MUTATION, task))["errors"] == []

    return deal["id"], give_task


async def test_deal_events_carry_who_and_the_note(
    live_url, app, team: Team, user_client, manager_client
):
    steps = await steps_by_name(user_client)
    deal = await create_deal(user_client, name="Followed")
    async with live_client(live_url, team.tokens["manager"]) as watcher:
        await watcher.subscribe("deal", DEAL_EVENTS, dealId=deal["id"])
        await subscribed(app, team.workspace.id, 1)
        done = {"dealId": deal["id"], "stepId": steps["Confirm budget"], "note": "CFO said yes"}
        assert (await user_client.mutate(COMPLETE_STEP_MUTATION, {"input": done}))["errors"] == []
        completed = await watcher.event("deal")

    assert completed["kind"] == "STEP_COMPLETED" and completed["note"] == "CFO said yes"
    assert completed["actor"]["id"] == (await user_client.data("{ me { id } }"))["me"]["id"]
    assert completed["deal"]["id"] == deal["id"]


async def test_a_removed_participant_hears_of_the_removal_and_nothing_more(
    live_url, app, team: Team, user_client, other_seller: Member
):
    deal = await create_deal(user_client, name="Was shared")
    share = {"input": {"dealId": deal["id"], "userId": other_seller.id}}
    assert (await user_client.mutate(ADD_PARTICIPANT_MUTATION, share))["errors"] == []
    async with live_client(live_url, other_seller.token) as other:
        await other.subscribe("deal", DEAL_EVENTS, dealId=deal["id"])
        await subscribed(app, team.workspace.id, 1)
        assert (await user_client.mutate(REMOVE_PARTICIPANT_MUTATION, share))["errors"] == []
        removal = await other.event("deal")
        rename = {"input": {"id": deal["id"], "version": 3, "name": "Secret now"}}
        assert (await user_client.mutate(UPDATE_DEAL_MUTATION, rename))["errors"] == []
        await other.nothing("deal")

    assert removal["kind"] == "PARTICIPANT_REMOVED" and removal["deal"] is None


async def test_someone_elses_private_deal_cannot_be_followed(
    live_url, team: Team, manager_client, other_seller: Member
):
    deal = await create_deal(manager_client, name="Private")
    async with live_client(live_url, other_seller.token) as other:
        await other.subscribe("deal", DEAL_EVENTS, dealId=deal["id"])
        message = await other.message("deal")

    errors = message["payload"] if message["type"] == "error" else message["payload"]["errors"]
    assert (errors[0]["extensions"]["code"], errors[0]["message"]) == (
        "NOT_FOUND",
        "Deal not found.",
    )


async def test_notifications_arrive_live_resume_and_are_marked_read(
    live_url, app, team: Team, manager_client, user_client, http
):
    deal_id, give_task = await task_giver(manager_client, user_client, "Tasked")

    async with live_client(live_url, team.tokens["user"]) as phone:
        await phone.subscribe("notes", NOTIFICATIONS)
        await subscribed(app, team.workspace.id, 1)
        await give_task("Call the CFO")
        first = await phone.event("notes")
    await give_task("Send the offer")
    async with live_client(live_url, team.tokens["user"]) as phone:
        await phone.subscribe("notes", NOTIFICATIONS, after=first["cursor"])
        resumed = await phone.event("notes")
        await phone.nothing("notes")
    async with live_client(live_url, team.tokens["manager"]) as manager:
        await manager.subscribe("notes", NOTIFICATIONS)
        await manager.nothing("notes", within=0.3)

    listed = await user_client.data(NOTIFICATIONS_QUERY, {"unreadOnly": True})
    marked = await user_client.mutate(MARK_READ_MUTATION, {"input": {"ids": [first["id"]]}})
    others = await manager_client.mutate(MARK_READ_MUTATION, {"input": {"ids": [resumed["id"]]}})
    rest = await user_client.mutate(MARK_READ_MUTATION, {"input": {"all": True}})

    assert first["kind"] == "TASK_ASSIGNED" and "Call the CFO" in first["message"]
    assert first["deal"]["id"] == deal_id and first["readAt"] is None
    assert resumed["kind"] == "TASK_ASSIGNED" and "Send the offer" in resumed["message"]
    assert listed["unreadNotificationCount"] == 2
    assert [e["node"]["id"] for e in listed["notifications"]["edges"]] == [
        resumed["id"],
        first["id"],
    ]
    assert marked == {"unreadCount": 1, "errors": []}
    assert others["unreadCount"] == 0, "another's ids are ignored: the manager has none unread"
    assert rest == {"unreadCount": 0, "errors": []}


async def test_mark_read_needs_ids_or_all(user_client: GraphQLClient):
    refused = await user_client.mutate(MARK_READ_MUTATION, {"input": {}})

    assert refused["errors"][0]["code"] == "VALIDATION"


async def test_notifications_start_from_now_on_a_feed_that_was_not_reading_them(
    live_url, app, team: Team, manager_client, user_client, process_id: str
):
    """A feed with board subscribers only does not read notifications; someone who then
    subscribes to theirs gets those created from then on, none from before."""
    _, give_task = await task_giver(manager_client, user_client, "Watched board")

    async with live_client(live_url, team.tokens["manager"]) as wall:
        await wall.subscribe("board", BOARD_EVENTS, processId=process_id)
        await subscribed(app, team.workspace.id, 1)
        feed = app.state.live.hub.feeds[team.workspace.id]
        assert not feed.reads_notifications()
        await give_task("Before the phone listened")
        await wall.event("board")  # the feed went past it without reading notifications
        async with live_client(live_url, team.tokens["user"]) as phone:
            await phone.subscribe("notes", NOTIFICATIONS)
            await subscribed(app, team.workspace.id, 2)
            await give_task("After it did")
            first = await phone.event("notes")
            await phone.nothing("notes", within=0.3)

    assert "After it did" in first["message"]
