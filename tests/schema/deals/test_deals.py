"""Deals over HTTP: the walk-through, updates, process changes, status and the trash."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from models.deal import Deal
from models.event import Event
from resolvers.deals.lifecycle import purge_trash
from schema.ids import global_id
from testkit.clients import GraphQLClient
from testkit.deals import create_deal, steps_by_name
from testkit.documents import (
    CANCEL_DEAL_MUTATION,
    CHANGE_DEAL_PROCESS_MUTATION,
    COMPLETE_STEP_MUTATION,
    CREATE_DEAL_MUTATION,
    CREATE_PROCESS_MUTATION,
    DEAL_QUERY,
    DEALS_QUERY,
    DELETE_DEAL_MUTATION,
    DELETED_DEALS_QUERY,
    HISTORY_QUERY,
    LEADS_QUERY,
    LOSE_DEAL_MUTATION,
    PROCESS_QUERY,
    REOPEN_DEAL_MUTATION,
    RESTORE_DEAL_MUTATION,
    UNCOMPLETE_STEP_MUTATION,
    UPDATE_DEAL_MUTATION,
    UPDATE_PROCESS_MUTATION,
    WIN_DEAL_MUTATION,
)
from testkit.ids import pk
from testkit.processes import as_update
from testkit.teams import Team


async def complete(client: GraphQLClient, deal_id: str, step_id: str, note: str | None = None):
    variables = {"input": {"dealId": deal_id, "stepId": step_id, "note": note}}
    return await client.mutate(COMPLETE_STEP_MUTATION, variables)


async def test_walk_through_probability_rises_and_win_needs_mandatory_steps(
    team: Team, user_client: GraphQLClient
):
    steps = await steps_by_name(user_client)
    deal = await create_deal(
        user_client,
        value="12000.00",
        company="Kowalski",
        costs=[{"name": "Travel", "amount": "500.50"}],
    )
    assert deal["probability"] == 0 and deal["stage"]["name"] == "Qualify"
    assert deal["currency"] == "EUR" and deal["status"] == "OPEN" and deal["version"] == 1
    assert deal["profit"] == "11499.50" and deal["forecastValue"] == "0.00"
    assert [s["name"] for s in deal["missingMandatorySteps"]] == [
        "Send proposal",
        "Contract signed",
    ]

    after_first = (await complete(user_client, deal["id"], steps["Identify the decision maker"]))[
        "deal"
    ]
    after_second = (await complete(user_client, deal["id"], steps["Discovery meeting"]))["deal"]

    assert after_first["probability"] == 5
    assert after_second["probability"] == 15
    assert after_second["stage"]["name"] == "Needs analysis"
    assert after_second["forecastValue"] == "1800.00"
    refused = await user_client.mutate(WIN_DEAL_MUTATION, {"id": deal["id"]})
    assert refused["deal"] is None
    (error,) = refused["errors"]
    assert error["code"] == "MANDATORY_STEPS_MISSING"
    assert "Send proposal" in error["message"] and "Contract signed" in error["message"]
    assert error["ids"] == [steps["Send proposal"], steps["Contract signed"]]

    await complete(user_client, deal["id"], steps["Send proposal"], note="Sent v2 by mail")
    signed = (await complete(user_client, deal["id"], steps["Contract signed"]))["deal"]
    won = await user_client.mutate(WIN_DEAL_MUTATION, {"id": deal["id"]})

    assert signed["stage"]["name"] == "Closing" and signed["probability"] == 55
    assert signed["missingMandatorySteps"] == []
    assert won["errors"] == [] and won["deal"]["status"] == "WON"


async def test_completion_records_who_when_and_note(team: Team, user_client):
    steps = await steps_by_name(user_client)
    deal = await create_deal(user_client)

    done = (await complete(user_client, deal["id"], steps["Send proposal"], note=" Sent "))["deal"]

    (completion,) = done["completedSteps"]
    assert completion == {
        "step": {"id": steps["Send proposal"], "name": "Send proposal"},
        "completedBy": {"id": global_id("User", team.user.id)},
        "note": "Sent",
        "fileUrl": None,
        "fileName": None,
    }


async def test_completing_twice_changes_nothing(team: Team, user_client):
    steps = await steps_by_name(user_client)
    deal = await create_deal(user_client)
    first = (await complete(user_client, deal["id"], steps["Confirm budget"]))["deal"]

    again = await complete(user_client, deal["id"], steps["Confirm budget"])

    assert again["errors"] == [] and again["deal"] == first
    assert await Event.filter(deal_id=pk(deal["id"]), kind="STEP_COMPLETED").count() == 1


async def test_uncomplete_brings_probability_back(team: Team, user_client):
    steps = await steps_by_name(user_client)
    deal = await create_deal(user_client)
    await complete(user_client, deal["id"], steps["Agree on terms"])

    payload = await user_client.mutate(
        UNCOMPLETE_STEP_MUTATION,
        {"input": {"dealId": deal["id"], "stepId": steps["Agree on terms"]}},
    )

    assert payload["deal"]["probability"] == 0
    assert payload["deal"]["stage"]["name"] == "Qualify"
    assert payload["deal"]["completedSteps"] == []


async def test_update_with_current_version_and_stale_version(team: Team, user_client):
    deal = await create_deal(user_client, company="Old Co", source="Fair")

    updated = await user_client.mutate(
        UPDATE_DEAL_MUTATION,
        {"input": {"id": deal["id"], "version": 1, "value": "250.00", "company": None}},
    )
    stale = await user_client.mutate(
        UPDATE_DEAL_MUTATION, {"input": {"id": deal["id"], "version": 1, "name": "Overwrite"}}
    )

    assert updated["errors"] == []
    assert updated["deal"]["value"] == "250.00" and updated["deal"]["version"] == 2
    assert updated["deal"]["company"] is None and updated["deal"]["source"] == "Fair"
    assert stale["deal"] is None
    assert [(e["code"], e["field"]) for e in stale["errors"]] == [
        ("CONFLICT", ["input", "version"])
    ]
    assert (await Deal.get(id=pk(deal["id"]))).name == "Fleet renewal"


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"name": " "}, "name"),
        ({"value": "-1"}, "value"),
        ({"value": "1.001"}, "value"),
        ({"costs": [{"name": "", "amount": "1"}]}, "costs"),
        ({"idempotencyKey": ""}, "idempotencyKey"),
    ],
)
async def test_create_validation(team: Team, user_client, fields, field):
    payload = await user_client.mutate(CREATE_DEAL_MUTATION, {"input": {"name": "Valid", **fields}})

    assert payload["deal"] is None
    assert payload["errors"][0]["code"] == "VALIDATION"
    assert payload["errors"][0]["field"][:2] == ["input", field]
    assert not await Deal.filter(workspace=team.workspace).exists()


async def test_salesperson_cannot_create_for_someone_else_but_a_manager_can(
    team: Team, user_client, manager_client
):
    for_other = await user_client.mutate(
        CREATE_DEAL_MUTATION,
        {"input": {"name": "X", "ownerId": global_id("User", team.manager.id)}},
    )
    assigned = await create_deal(manager_client, ownerId=global_id("User", team.user.id))

    assert for_other["errors"][0]["code"] == "FORBIDDEN"
    assert assigned["owner"]["id"] == global_id("User", team.user.id)


async def test_switching_process_keeps_completions_for_switching_back(
    team: Team, admin_client, user_client
):
    steps = await steps_by_name(user_client)
    other = await admin_client.mutate(
        CREATE_PROCESS_MUTATION,
        {
            "input": {
                "name": "Short",
                "stages": [
                    {"name": "Talk", "steps": [{"name": "Call", "weight": 1}]},
                    {"name": "Sign", "steps": [{"name": "Signed", "weight": 1, "mandatory": True}]},
                ],
            }
        },
    )
    other_id = other["process"]["id"]
    deal = await create_deal(user_client)
    await complete(user_client, deal["id"], steps["Discovery meeting"])

    moved = await user_client.mutate(
        CHANGE_DEAL_PROCESS_MUTATION, {"input": {"dealId": deal["id"], "processId": other_id}}
    )
    back = await user_client.mutate(
        CHANGE_DEAL_PROCESS_MUTATION,
        {"input": {"dealId": deal["id"], "processId": deal["process"]["id"]}},
    )

    assert moved["deal"]["process"]["name"] == "Short"
    assert moved["deal"]["probability"] == 0 and moved["deal"]["stage"]["name"] == "Talk"
    assert moved["deal"]["completedSteps"] == []
    assert [s["name"] for s in moved["deal"]["missingMandatorySteps"]] == ["Signed"]
    foreign_step = await complete(user_client, deal["id"], steps["Confirm budget"])
    assert [e["code"] for e in foreign_step["errors"]] == []  # back in the old process now
    assert back["deal"]["probability"] == 10
    assert back["deal"]["stage"]["name"] == "Needs analysis"


async def test_a_step_of_another_process_is_refused(team: Team, admin_client, user_client):
    other = await admin_client.mutate(
        CREATE_PROCESS_MUTATION,
        {
            "input": {
                "name": "Other",
                "stages": [{"name": "A", "steps": [{"name": "B", "weight": 1}]}],
            }
        },
    )
    foreign_step = other["process"]["stages"][0]["steps"][0]["id"]
    deal = await create_deal(user_client)

    payload = await complete(user_client, deal["id"], foreign_step)

    assert [(e["code"], e["field"]) for e in payload["errors"]] == [
        ("STEP_NOT_IN_PROCESS", ["input", "stepId"])
    ]


async def test_lose_records_reason_and_stage_then_reopen(team: Team, user_client):
    steps = await steps_by_name(user_client)
    deal = await create_deal(user_client)
    await complete(user_client, deal["id"], steps["Agree on terms"])

    no_reason = await user_client.mutate(
        LOSE_DEAL_MUTATION, {"input": {"dealId": deal["id"], "reason": "  "}}
    )
    lost = await user_client.mutate(
        LOSE_DEAL_MUTATION, {"input": {"dealId": deal["id"], "reason": "Cheaper competitor"}}
    )
    closed_step = await complete(user_client, deal["id"], steps["Confirm budget"])
    reopened = await user_client.mutate(REOPEN_DEAL_MUTATION, {"id": deal["id"]})

    assert [e["code"] for e in no_reason["errors"]] == ["VALIDATION"]
    assert lost["deal"]["status"] == "LOST"
    assert lost["deal"]["lostReason"] == "Cheaper competitor"
    assert lost["deal"]["lostAtStage"]["name"] == "Negotiation"
    assert [e["code"] for e in closed_step["errors"]] == ["DEAL_CLOSED"]
    assert reopened["deal"]["status"] == "OPEN" and reopened["deal"]["lostAtStage"] is None


async def test_cancel_is_not_lost(team: Team, user_client):
    deal = await create_deal(user_client)

    payload = await user_client.mutate(
        CANCEL_DEAL_MUTATION, {"input": {"dealId": deal["id"], "reason": "Budget frozen"}}
    )
    again = await user_client.mutate(WIN_DEAL_MUTATION, {"id": deal["id"]})

    assert payload["deal"]["status"] == "CANCELLED" and payload["deal"]["lostAtStage"] is None
    assert [e["code"] for e in again["errors"]] == ["DEAL_CLOSED"]


async def test_trash_hides_and_restore_brings_back_unchanged(team: Team, user_client):
    deal = await create_deal(user_client, value="99.00")

    deleted = await user_client.mutate(DELETE_DEAL_MUTATION, {"id": deal["id"]})
    hidden = await user_client.data(DEAL_QUERY, {"id": deal["id"]})
    listed = await user_client.data(DEALS_QUERY)
    trash = await user_client.data(DELETED_DEALS_QUERY)
    restored = await user_client.mutate(RESTORE_DEAL_MUTATION, {"id": deal["id"]})

    assert deleted["deal"]["deletedAt"] is not None
    assert hidden["deal"] is None
    assert listed["deals"]["totalCount"] == 0
    assert [e["node"]["id"] for e in trash["deletedDeals"]["edges"]] == [deal["id"]]
    assert restored["deal"]["deletedAt"] is None and restored["deal"]["value"] == "99.00"
    assert (await user_client.data(DEAL_QUERY, {"id": deal["id"]}))["deal"]["name"] == deal["name"]


async def test_purge_deletes_only_what_outlived_the_retention(team: Team, user_client):
    old = await create_deal(user_client, name="Old")
    recent = await create_deal(user_client, name="Recent")
    for deal in (old, recent):
        await user_client.mutate(DELETE_DEAL_MUTATION, {"id": deal["id"]})
    await Deal.filter(id=pk(old["id"])).update(deleted_at=datetime.now(UTC) - timedelta(days=31))

    purged = await purge_trash(timedelta(days=30))

    assert purged == 1
    assert await Deal.filter(id=pk(old["id"])).count() == 0
    assert await Deal.filter(id=pk(recent["id"])).count() == 1


async def test_history_lists_changes_newest_first_with_before_and_after(team: Team, user_client):
    steps = await steps_by_name(user_client)
    deal = await create_deal(user_client, value="100.00")
    await user_client.mutate(
        UPDATE_DEAL_MUTATION, {"input": {"id": deal["id"], "version": 1, "value": "300.00"}}
    )
    await complete(user_client, deal["id"], steps["Discovery meeting"], note="Went well")

    first_page = (await user_client.data(HISTORY_QUERY, {"id": deal["id"], "first": 2}))["deal"]
    history = first_page["history"]
    rest = (
        await user_client.data(
            HISTORY_QUERY, {"id": deal["id"], "after": history["pageInfo"]["endCursor"]}
        )
    )["deal"]["history"]

    assert history["totalCount"] == 3 and history["pageInfo"]["hasNextPage"] is True
    completed, updated = (edge["node"] for edge in history["edges"])
    assert completed["kind"] == "STEP_COMPLETED"
    assert completed["step"] == {"name": "Discovery meeting"} and completed["note"] == "Went well"
    assert {"field": "stage", "from": "Qualify", "to": "Needs analysis"} in completed["changes"]
    assert {"field": "probability", "from": "0", "to": "10"} in completed["changes"]
    assert updated["kind"] == "DEAL_UPDATED"
    assert updated["changes"] == [{"field": "value", "from": "100.00", "to": "300.00"}]
    assert updated["actor"] == {"id": global_id("User", team.user.id)}
    assert [e["node"]["kind"] for e in rest["edges"]] == ["DEAL_CREATED"]
    assert rest["pageInfo"]["hasNextPage"] is False


async def test_an_owner_change_is_history_by_name_and_the_old_owner_stays_on(
    team: Team, user_client, manager_client
):
    deal = await create_deal(user_client)
    await manager_client.mutate(
        UPDATE_DEAL_MUTATION,
        {"input": {"id": deal["id"], "version": 1, "ownerId": global_id("User", team.manager.id)}},
    )

    history = (await user_client.data(HISTORY_QUERY, {"id": deal["id"], "first": 1}))["deal"]
    changed = history["history"]["edges"][0]["node"]
    assert changed["kind"] == "DEAL_UPDATED"
    assert changed["changes"] == [
        {"field": "owner", "from": team.user.name, "to": team.manager.name}
    ]


async def test_create_deal_is_idempotent_per_user_and_key(team: Team, user_client, manager_client):
    first = await create_deal(user_client, idempotencyKey="phone-42")
    retry = await create_deal(user_client, idempotencyKey="phone-42", name="Changed meanwhile")
    other_user = await create_deal(manager_client, idempotencyKey="phone-42")

    assert retry["id"] == first["id"] and retry["name"] == "Fleet renewal"
    assert other_user["id"] != first["id"]
    assert await Deal.filter(workspace=team.workspace).count() == 2


async def test_deals_list_sorts_filters_and_pages(team: Team, user_client, manager_client):
    for name, value in (("Alpha", "10.00"), ("Beta", "30.00"), ("Gamma", "20.00")):
        await create_deal(user_client, name=name, value=value, company=f"{name} Ltd")
    await create_deal(manager_client, name="Managers only", value="99.00")

    by_value = (
        await user_client.data(
            DEALS_QUERY, {"orderBy": {"field": "VALUE", "direction": "ASC"}, "first": 2}
        )
    )["deals"]
    page_two = (
        await user_client.data(
            DEALS_QUERY,
            {
                "orderBy": {"field": "VALUE", "direction": "ASC"},
                "first": 2,
                "after": by_value["pageInfo"]["endCursor"],
            },
        )
    )["deals"]
    searched = (await user_client.data(DEALS_QUERY, {"filter": {"search": "gamma ltd"}}))["deals"]
    everything = (await manager_client.data(DEALS_QUERY))["deals"]

    assert by_value["totalCount"] == 3, "the manager's private deal is not the user's to see"
    assert [e["node"]["name"] for e in by_value["edges"]] == ["Alpha", "Gamma"]
    assert [e["node"]["name"] for e in page_two["edges"]] == ["Beta"]
    assert page_two["pageInfo"]["hasNextPage"] is False
    assert [e["node"]["name"] for e in searched["edges"]] == ["Gamma"]
    assert everything["totalCount"] == 4


@pytest.mark.parametrize(
    "variables",
    [
        {"first": 101},
        {"first": -1},
        {"after": "not a cursor"},
        {"after": "W1sxXSwgNV0="},  # [[1], 5]
        {"after": "WyIyMDI2LTAxLTAxIiwgMTAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDBd"},
        {"orderBy": {"field": "VALUE"}, "after": "WyJOYU4iLCAxXQ=="},  # ["NaN", 1]
    ],
)
async def test_bad_paging_is_a_validation_error_not_a_crash(user_client, variables):
    body = await user_client.post(DEALS_QUERY, variables)

    assert body["data"] is None
    (error,) = body["errors"]
    assert error["extensions"]["code"] == "VALIDATION"
    assert error["message"] != "Unexpected error."


USER_DEALS_QUERY = """
query UserDeals($id: ID!) {
  node(id: $id) { ... on User { deals { totalCount edges { node { id } } } } }
}
"""


async def test_a_users_deals_go_through_the_visibility_filter(
    team: Team, user_client, manager_client
):
    public = await create_deal(manager_client, name="Open to all", isPublic=True)
    await create_deal(manager_client, name="Managers only")
    manager_id = global_id("User", team.manager.id)

    seen_by_user = (await user_client.data(USER_DEALS_QUERY, {"id": manager_id}))["node"]["deals"]
    seen_by_manager = (await manager_client.data(USER_DEALS_QUERY, {"id": manager_id}))["node"]

    assert seen_by_user == {"totalCount": 1, "edges": [{"node": {"id": public["id"]}}]}
    assert seen_by_manager["deals"]["totalCount"] == 2


async def test_changing_the_process_recomputes_its_deals(team: Team, admin_client, user_client):
    steps = await steps_by_name(user_client)
    deal = await create_deal(user_client)
    moved = (await complete(user_client, deal["id"], steps["Discovery meeting"]))["deal"]
    process = (await admin_client.data(PROCESS_QUERY, {"id": deal["process"]["id"]}))["process"]
    needs_analysis = process["stages"][1]
    update = as_update(process)
    update["stages"] = [
        stage for stage in update["stages"] if stage["id"] != needs_analysis["id"]
    ] + [{"name": "Extra", "steps": [{"name": "Later", "weight": 10}]}]
    for stage in update["stages"]:
        for step in stage["steps"]:
            step["weight"] = 10 if step.get("id") == steps["Discovery meeting"] else 0
    update["stages"][-1]["steps"][0]["weight"] = 10

    await admin_client.mutate(UPDATE_PROCESS_MUTATION, {"input": update})
    after = (await user_client.data(DEAL_QUERY, {"id": deal["id"]}))["deal"]

    assert moved["stage"]["name"] == "Needs analysis" and moved["probability"] == 10
    # The stage holding the completed step was archived: the deal falls back to the first.
    assert after["stage"]["name"] == "Qualify"
    assert after["probability"] == 0
    assert after["stageEnteredAt"] > moved["stageEnteredAt"]


async def test_a_status_list_of_any_length_asks_for_each_status_once(
    user_client: GraphQLClient, manager_client: GraphQLClient
):
    """A list of 40,000 statuses is four statuses: PostgreSQL's driver takes at most
    32,767 parameters a statement, and each repeat was one more."""
    await create_deal(user_client, name="Listed")
    repeated = {"deals": ["OPEN", "WON"] * 20_000, "leads": ["NEW", "CONTACTED"] * 20_000}

    deals = await user_client.post(DEALS_QUERY, {"status": repeated["deals"], "first": 5})
    leads = await manager_client.post(LEADS_QUERY, {"filter": {"status": repeated["leads"]}})

    assert "errors" not in deals, deals["errors"]
    assert [e["node"]["name"] for e in deals["data"]["deals"]["edges"]] == ["Listed"]
    assert "errors" not in leads, leads["errors"]
