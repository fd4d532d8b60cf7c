"""Each subscriber hears only of deals it may see, and follows access as it changes."""

from __future__ import annotations

from typing import Any

from schema.ids import global_id
from testkit.clients import GraphQLClient
from testkit.deals import create_deal
from testkit.documents import (
    ADD_PARTICIPANT_MUTATION,
    DELETE_DEAL_MUTATION,
    LOSE_DEAL_MUTATION,
    REMOVE_PARTICIPANT_MUTATION,
    REOPEN_DEAL_MUTATION,
    SET_DEAL_PUBLIC_MUTATION,
    UPDATE_DEAL_MUTATION,
)
from testkit.live import BOARD_EVENTS, live_client, subscribed
from testkit.teams import Member, Team


async def ok(client: GraphQLClient, document: str, variables: dict[str, Any]) -> dict[str, Any]:
    payload = await client.mutate(document, variables)
    assert payload["errors"] == [], payload["errors"]
    deal: dict[str, Any] = payload["deal"]
    return deal


async def test_a_private_deal_reaches_only_those_who_may_see_it(
    live_url, app, team: Team, user_client, manager_client, other_seller: Member, process_id: str
):
    async with (
        live_client(live_url, team.tokens["manager"]) as manager,
        live_client(live_url, team.tokens["user"]) as owner,
        live_client(live_url, other_seller.token) as other,
    ):
        for client in (manager, owner, other):
            await client.subscribe("board", BOARD_EVENTS, processId=process_id)
        await subscribed(app, team.workspace.id, 3)
        await create_deal(manager_client, name="Manager's own", value="500.00")
        secret = await create_deal(user_client, name="Secret", value="100.00")

        manager_events = [await manager.event("board"), await manager.event("board")]
        owner_events = [await owner.event("board")]
        await other.nothing("board")
        await owner.nothing("board", within=0.2)

    assert [e["deal"]["name"] for e in manager_events] == ["Manager's own", "Secret"]
    assert manager_events[1]["columns"][0]["dealCount"] == 2
    assert manager_events[1]["columns"][0]["totalValue"] == "600.00"
    (owner_event,) = owner_events
    assert owner_event["dealId"] == secret["id"] and owner_event["kind"] == "DEAL_ADDED"
    assert owner_event["columns"][0]["dealCount"] == 1, "the manager's deal is not the owner's"
    assert owner_event["columns"][0]["totalValue"] == "100.00"


async def test_access_changes_are_followed_mid_stream(
    live_url, app, team: Team, user_client, manager_client, other_seller: Member, process_id: str
):
    deal = await create_deal(user_client, name="Shared later", value="10.00")
    async with live_client(live_url, other_seller.token) as other:
        await other.subscribe("board", BOARD_EVENTS, processId=process_id)
        await subscribed(app, team.workspace.id, 1)
        public = {"input": {"dealId": deal["id"], "isPublic": True}}
        await ok(user_client, SET_DEAL_PUBLIC_MUTATION, public)
        made_public = await other.event("board")
        private = {"input": {"dealId": deal["id"], "isPublic": False}}
        await ok(user_client, SET_DEAL_PUBLIC_MUTATION, private)
        made_private = await other.event("board")
        joined = {"input": {"dealId": deal["id"], "userId": other_seller.id}}
        await ok(user_client, ADD_PARTICIPANT_MUTATION, joined)
        added = await other.event("board")
        await ok(user_client, REMOVE_PARTICIPANT_MUTATION, joined)
        removed = await other.event("board")
        version = await ok(
            user_client,
            UPDATE_DEAL_MUTATION,
            {"input": {"id": deal["id"], "version": 5, "name": "x"}},
        )
        await other.nothing("board")

    assert (made_public["kind"], made_public["deal"]["name"]) == ("DEAL_ADDED", "Shared later")
    assert (made_private["kind"], made_private["deal"]) == ("DEAL_REMOVED", None)
    assert made_private["columns"][0]["dealCount"] == 0, "sums as the subscriber sees them"
    assert added["kind"] == "DEAL_ADDED"
    assert (removed["kind"], removed["deal"]) == ("DEAL_REMOVED", None)
    assert version["name"] == "x", "the owner's later change is not told to the removed user"


async def test_a_new_owner_and_the_old_one_both_keep_the_card(
    live_url,
    app,
    team: Team,
    http,
    user_client,
    manager_client,
    other_seller: Member,
    process_id: str,
):
    """A participant made owner stops being a participant, the old owner becomes one:
    the event's board facts say so (the locked deal's participants, kept up to date by
    each write of them), and later events follow from there."""
    deal = await create_deal(
        user_client, name="Handed on", value="30.00", participantIds=[other_seller.id]
    )
    async with (
        live_client(live_url, team.tokens["user"]) as old_owner,
        live_client(live_url, other_seller.token) as new_owner,
    ):
        for client in (old_owner, new_owner):
            await client.subscribe("board", BOARD_EVENTS, processId=process_id)
        await subscribed(app, team.workspace.id, 2)
        handed = {"input": {"id": deal["id"], "version": 1, "ownerId": other_seller.id}}
        await ok(manager_client, UPDATE_DEAL_MUTATION, handed)
        old_sees, new_sees = await old_owner.event("board"), await new_owner.event("board")
        left = {"input": {"dealId": deal["id"], "userId": global_id("User", team.user.id)}}
        await ok(other_seller.client(http), REMOVE_PARTICIPANT_MUTATION, left)
        old_loses = await old_owner.event("board")
        await new_owner.event("board")

    for seen in (old_sees, new_sees):
        assert seen["kind"] != "DEAL_REMOVED" and seen["deal"]["name"] == "Handed on"
        assert seen["deal"]["owner"]["id"] == other_seller.id
        assert seen["columns"][0]["dealCount"] == 1
    assert (old_loses["kind"], old_loses["deal"]) == ("DEAL_REMOVED", None)


async def test_closing_trashing_and_reopening_move_cards_off_and_on(
    live_url, app, team: Team, manager_client, process_id: str
):
    deal = await create_deal(manager_client, name="Comes and goes", value="7.00")
    async with live_client(live_url, team.tokens["manager"]) as manager:
        await manager.subscribe("board", BOARD_EVENTS, processId=process_id)
        await subscribed(app, team.workspace.id, 1)
        lose = {"input": {"dealId": deal["id"], "reason": "Price"}}
        await ok(manager_client, LOSE_DEAL_MUTATION, lose)
        lost = await manager.event("board")
        await ok(manager_client, REOPEN_DEAL_MUTATION, {"id": deal["id"]})
        reopened = await manager.event("board")
        await ok(manager_client, DELETE_DEAL_MUTATION, {"id": deal["id"]})
        trashed = await manager.event("board")

    assert [lost["kind"], reopened["kind"], trashed["kind"]] == [
        "DEAL_REMOVED",
        "DEAL_ADDED",
        "DEAL_REMOVED",
    ]
    assert lost["columns"][0]["dealCount"] == 0 and reopened["columns"][0]["dealCount"] == 1


async def test_another_workspace_cannot_subscribe_to_our_board(
    live_url, rival: Team, process_id: str
):
    async with live_client(live_url, rival.tokens["admin"]) as outsider:
        await outsider.subscribe("board", BOARD_EVENTS, processId=process_id)
        message = await outsider.message("board")

    errors = message["payload"] if message["type"] == "error" else message["payload"]["errors"]
    assert errors[0]["extensions"]["code"] == "NOT_FOUND"
    assert errors[0]["message"] == "Process not found."
