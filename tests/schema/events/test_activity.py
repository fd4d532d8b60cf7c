"""The team's activity over HTTP and WebSocket: each role sees the changes of what it may
see and nothing of the rest (not in the list, not in its count, not live), filters,
a lead's history, and resuming the live feed from a cursor."""

from __future__ import annotations

from typing import Any

from starlette.applications import Starlette

from schema.ids import global_id
from testkit.clients import GraphQLClient
from testkit.deals import create_deal
from testkit.documents import (
    CREATE_LEAD_MUTATION,
    CREATE_TASK_MUTATION,
    SET_DEAL_PUBLIC_MUTATION,
    UPDATE_DEAL_MUTATION,
)
from testkit.live import live_client, subscribed
from testkit.teams import Team

ENTRY = """
  id cursor kind at actor { name } deal { name } lead { name } task { title }
  changes { field from to } note
"""

ACTIVITY_QUERY = f"""
query Activity($filter: ActivityFilter, $first: Int, $after: String) {{
  activity(filter: $filter, first: $first, after: $after) {{
    totalCount edges {{ cursor node {{ {ENTRY} }} }} pageInfo {{ hasNextPage endCursor }}
  }}
}}
"""

ACTIVITY_EVENTS = f"""
subscription Activity($filter: ActivityFilter, $after: String) {{
  activityEvents(filter: $filter, after: $after) {{ {ENTRY} }}
}}
"""

LEAD_HISTORY = """
query($id: ID!) { lead(id: $id) { history { totalCount edges { node { kind actor { name } } } } } }
"""


async def activity(client: GraphQLClient, **variables: Any) -> dict[str, Any]:
    found: dict[str, Any] = (await client.data(ACTIVITY_QUERY, {"first": 100, **variables}))[
        "activity"
    ]
    return found


def about(page: dict[str, Any]) -> set[str]:
    """What the entries of a page are about, by the name of their deal or lead."""
    return {(e["node"]["deal"] or e["node"]["lead"] or {}).get("name", "?") for e in page["edges"]}


async def lead(client: GraphQLClient, name: str, owner: str | None = None) -> dict[str, Any]:
    payload = await client.mutate(CREATE_LEAD_MUTATION, {"input": {"name": name, "ownerId": owner}})
    assert payload["errors"] == [], payload["errors"]
    made: dict[str, Any] = payload["lead"]
    return made


async def test_each_role_sees_the_activity_of_what_it_may_see_and_counts_nothing_else(
    team: Team,
    manager_client: GraphQLClient,
    user_client: GraphQLClient,
    colleague_client: GraphQLClient,
    outsider_client: GraphQLClient,
):
    mine = await create_deal(user_client, name="Mine")
    await create_deal(colleague_client, name="Colleague's")
    await create_deal(manager_client, name="Public", isPublic=True)
    await user_client.mutate(
        CREATE_TASK_MUTATION, {"input": {"title": "Call back", "dealId": mine["id"]}}
    )
    await lead(manager_client, "Pool lead")
    await lead(user_client, "My lead", global_id("User", team.user.id))
    await lead(manager_client, "Manager's lead", global_id("User", team.manager.id))

    seen = {
        "user": await activity(user_client),
        "colleague": await activity(colleague_client),
        "manager": await activity(manager_client),
        "outsider": await activity(outsider_client),
    }

    assert about(seen["user"]) == {"Mine", "Public", "Pool lead", "My lead"}
    assert about(seen["colleague"]) == {"Colleague's", "Public", "Pool lead"}
    assert about(seen["manager"]) == {
        "Mine",
        "Colleague's",
        "Public",
        "Pool lead",
        "My lead",
        "Manager's lead",
    }
    assert seen["outsider"]["totalCount"] == 0 and seen["outsider"]["edges"] == []
    for page in seen.values():
        assert page["totalCount"] == len(page["edges"])
    kinds = [e["node"]["kind"] for e in seen["user"]["edges"]]
    assert kinds[:2] == ["LEAD_CREATED", "LEAD_CREATED"], "newest first"
    (task_entry,) = [
        e["node"] for e in seen["user"]["edges"] if e["node"]["kind"] == "TASK_CREATED"
    ]
    assert task_entry["task"] == {"title": "Call back"}
    assert task_entry["actor"] == {"name": team.user.name}


async def test_filters_narrow_the_activity_and_bad_ones_are_refused(
    team: Team, manager_client: GraphQLClient, user_client: GraphQLClient, process_id: str
):
    await create_deal(user_client, name="Mine")
    await create_deal(manager_client, name="Managers'")
    await lead(manager_client, "Pool lead")
    everything = await activity(manager_client)
    middle = everything["edges"][1]["node"]["at"]

    by_user = await activity(manager_client, filter={"userIds": [global_id("User", team.user.id)]})
    by_kind = await activity(manager_client, filter={"kinds": ["LEAD_CREATED"]})
    by_process = await activity(manager_client, filter={"processId": process_id})
    since = await activity(manager_client, filter={"from": middle})
    until = await activity(manager_client, filter={"to": middle})
    bad_kind = await manager_client.post(ACTIVITY_QUERY, {"filter": {"kinds": ["DEAL_EATEN"]}})

    assert about(by_user) == {"Mine"}
    assert about(by_kind) == {"Pool lead"}
    assert about(by_process) == {"Mine", "Managers'"}
    assert len(since["edges"]) + len(until["edges"]) == len(everything["edges"])
    assert bad_kind["data"] is None
    assert bad_kind["errors"][0]["extensions"]["field"] == ["filter", "kinds", "0"]


async def test_a_deal_made_private_leaves_the_activity_of_those_who_lost_it(
    app: Starlette,
    live_url: str,
    team: Team,
    manager_client: GraphQLClient,
    colleague_client: GraphQLClient,
    user_client: GraphQLClient,
):
    shared = await create_deal(colleague_client, name="Shared", isPublic=True)

    async with live_client(live_url, team.tokens["user"]) as live:
        await live.subscribe("activity", ACTIVITY_EVENTS)
        await subscribed(app, team.workspace.id, 1)
        renamed = await colleague_client.mutate(
            UPDATE_DEAL_MUTATION,
            {"input": {"id": shared["id"], "version": shared["version"], "source": "Fair"}},
        )
        seen_change = await live.event("activity")
        hidden = await colleague_client.mutate(
            SET_DEAL_PUBLIC_MUTATION, {"input": {"dealId": shared["id"], "isPublic": False}}
        )
        await colleague_client.mutate(
            UPDATE_DEAL_MUTATION,
            {
                "input": {
                    "id": shared["id"],
                    "version": hidden["deal"]["version"],
                    "source": "Secret",
                }
            },
        )
        await create_deal(manager_client, name="Next public", isPublic=True)
        next_seen = await live.event("activity")

    assert renamed["errors"] == [] and hidden["errors"] == []
    assert seen_change["kind"] == "DEAL_UPDATED" and seen_change["deal"] == {"name": "Shared"}
    assert next_seen["kind"] == "DEAL_CREATED" and next_seen["deal"] == {"name": "Next public"}
    assert "Shared" not in about(await activity(user_client))
    assert "Shared" in about(await activity(manager_client))


async def test_the_live_activity_resumes_after_a_cursor_through_a_filter(
    app: Starlette,
    live_url: str,
    team: Team,
    manager_client: GraphQLClient,
):
    await lead(manager_client, "Before")
    cursor = (await activity(manager_client))["edges"][0]["cursor"]
    await create_deal(manager_client, name="Missed deal")
    await lead(manager_client, "Missed lead")

    async with live_client(live_url, team.tokens["manager"]) as live:
        await live.subscribe(
            "leads", ACTIVITY_EVENTS, filter={"kinds": ["LEAD_CREATED"]}, after=cursor
        )
        replayed = await live.event("leads")
        await subscribed(app, team.workspace.id, 1)
        await lead(manager_client, "Live lead")
        live_one = await live.event("leads")

    assert replayed["lead"] == {"name": "Missed lead"}
    assert live_one["lead"] == {"name": "Live lead"}


async def test_a_lead_s_history_is_its_own_activity(
    team: Team, manager_client: GraphQLClient, user_client: GraphQLClient
):
    made = await lead(manager_client, "Pool lead")
    await user_client.mutate(
        "mutation($id: ID!) { claimLead(input: {id: $id}) { errors { code } } }",
        {"id": made["id"]},
    )

    history = (await manager_client.data(LEAD_HISTORY, {"id": made["id"]}))["lead"]["history"]

    assert history["totalCount"] == 2
    assert [(e["node"]["kind"], e["node"]["actor"]["name"]) for e in history["edges"]] == [
        ("LEAD_CLAIMED", team.user.name),
        ("LEAD_CREATED", team.manager.name),
    ]
