"""Leads over HTTP: the lifecycle with every error, who sees which lead, claiming from
the pool (at once, too), and the list with its filters and counts."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from models.event import Event
from models.history import HistoryEntry
from models.lead import Lead
from testkit.clients import GraphQLClient
from testkit.documents import (
    CLAIM_LEAD_MUTATION,
    CREATE_LEAD_MUTATION,
    DISQUALIFY_LEAD_MUTATION,
    LEAD_QUERY,
    LEADS_QUERY,
    REOPEN_LEAD_MUTATION,
    UPDATE_LEAD_MUTATION,
)
from testkit.ids import pk
from testkit.teams import Team

NODE_QUERY = "query Node($id: ID!) { node(id: $id) { id ... on Lead { name } } }"


async def create(client: GraphQLClient, **fields: Any) -> dict[str, Any]:
    payload = await client.mutate(CREATE_LEAD_MUTATION, {"input": {"name": "Ewa Nowak", **fields}})
    assert payload["errors"] == [], payload["errors"]
    lead: dict[str, Any] = payload["lead"]
    return lead


async def update(client: GraphQLClient, lead: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return await client.mutate(
        UPDATE_LEAD_MUTATION, {"input": {"id": lead["id"], "version": lead["version"], **fields}}
    )


def codes(payload: dict[str, Any]) -> list[str]:
    return [error["code"] for error in payload["errors"]]


async def test_a_web_form_lead_lands_in_the_pool_once_however_often_it_is_sent(
    team: Team, manager_client: GraphQLClient, user_client: GraphQLClient
):
    fields = {
        "name": " Ewa Nowak ",
        "company": "Green Farm",
        "email": "ewa@farm.example",
        "phone": "+48 600 100 200",
        "source": "Web form",
        "note": "Wants a quote for 40 panels",
        "idempotencyKey": "form-4711",
    }

    first = await create(manager_client, **fields)
    retried = await create(manager_client, **fields)
    seen_by_salesperson = (await user_client.data(LEAD_QUERY, {"id": first["id"]}))["lead"]

    assert retried == first
    assert first["name"] == "Ewa Nowak" and first["status"] == "NEW"
    assert first["owner"] is None and first["version"] == 1
    assert seen_by_salesperson == first
    assert await Lead.filter(workspace_id=team.workspace.id).count() == 1
    entries = await HistoryEntry.filter(lead_id=pk(first["id"])).values_list("kind", flat=True)
    assert entries == ["LEAD_CREATED"]
    assert await Event.filter(lead_id=pk(first["id"]), kind="LEAD_CREATED").count() == 1


async def test_every_problem_of_a_lead_is_told_at_once_and_nothing_is_made(
    team: Team, user_client: GraphQLClient
):
    refused = await user_client.mutate(
        CREATE_LEAD_MUTATION,
        {
            "input": {
                "name": " ",
                "email": "not an address",
                "phone": "1" * 51,
                "note": "x" * 10_001,
            }
        },
    )

    assert {(e["code"], tuple(e["field"])) for e in refused["errors"]} == {
        ("VALIDATION", ("input", "name")),
        ("VALIDATION", ("input", "email")),
        ("VALIDATION", ("input", "phone")),
        ("VALIDATION", ("input", "note")),
    }
    assert refused["lead"] is None
    assert not await Lead.filter(workspace_id=team.workspace.id).exists()


async def test_salespeople_take_leads_themselves_managers_give_them_to_anyone(
    team: Team, manager_client: GraphQLClient, user_client: GraphQLClient, outsider_client
):
    user_id = (await create(user_client, ownerId=_gid_of(team, "user")))["owner"]["id"]
    for_the_manager = await user_client.mutate(
        CREATE_LEAD_MUTATION, {"input": {"name": "Piotr", "ownerId": _gid_of(team, "manager")}}
    )
    given = await create(manager_client, ownerId=_gid_of(team, "user"))
    foreign_owner = await outsider_client.mutate(
        CREATE_LEAD_MUTATION, {"input": {"name": "Piotr", "ownerId": _gid_of(team, "user")}}
    )

    assert user_id == _gid_of(team, "user")
    assert codes(for_the_manager) == ["FORBIDDEN"]
    assert given["owner"]["id"] == _gid_of(team, "user")
    assert codes(foreign_owner) == ["NOT_FOUND"]


async def test_a_salesperson_sees_their_leads_and_the_pool_and_nothing_else(
    team: Team,
    manager_client: GraphQLClient,
    user_client: GraphQLClient,
    colleague_client: GraphQLClient,
    outsider_client: GraphQLClient,
):
    mine = await create(user_client, name="Mine", ownerId=_gid_of(team, "user"))
    pool = await create(manager_client, name="Pool")
    managers = await create(manager_client, name="Managers'", ownerId=_gid_of(team, "manager"))

    async def names(client: GraphQLClient) -> tuple[set[str], int, dict[str, int]]:
        found = (await client.data(LEADS_QUERY, {"first": 50}))["leads"]
        counts = {c["status"]: c["count"] for c in found["statusCounts"]}
        return {e["node"]["name"] for e in found["edges"]}, found["totalCount"], counts

    assert await names(user_client) == ({"Mine", "Pool"}, 2, _counts(NEW=2))
    assert await names(colleague_client) == ({"Pool"}, 1, _counts(NEW=1))
    assert await names(manager_client) == ({"Mine", "Pool", "Managers'"}, 3, _counts(NEW=3))
    assert await names(outsider_client) == (set(), 0, _counts())
    for client, lead, seen in (
        (colleague_client, mine, False),
        (colleague_client, pool, True),
        (user_client, managers, False),
        (outsider_client, pool, False),
    ):
        read = (await client.data(LEAD_QUERY, {"id": lead["id"]}))["lead"]
        node = (await client.data(NODE_QUERY, {"id": lead["id"]}))["node"]
        assert (read is not None, node is not None) == (seen, seen), lead["name"]
    hidden = await update(colleague_client, mine, name="Taken over")
    assert codes(hidden) == ["NOT_FOUND"]


async def test_a_stale_version_conflicts_and_closed_statuses_need_their_own_mutations(
    team: Team, user_client: GraphQLClient
):
    lead = await create(user_client, ownerId=_gid_of(team, "user"))

    contacted = await update(user_client, lead, status="CONTACTED", phone="+48 1")
    stale = await update(user_client, lead, name="Someone else")
    qualified_by_hand = await update(user_client, contacted["lead"], status="QUALIFIED")
    unchanged = await update(user_client, contacted["lead"], phone="+48 1")

    assert contacted["errors"] == []
    assert contacted["lead"]["status"] == "CONTACTED" and contacted["lead"]["version"] == 2
    assert codes(stale) == ["CONFLICT"]
    assert codes(qualified_by_hand) == ["VALIDATION"]
    assert unchanged["lead"]["version"] == 2
    changes = await HistoryEntry.filter(lead_id=pk(lead["id"]), kind="LEAD_UPDATED").first()
    assert changes is not None
    assert {(c["field"], c["from"], c["to"]) for c in changes.data["changes"]} == {
        ("status", "NEW", "CONTACTED"),
        ("phone", None, "+48 1"),
    }


async def test_a_pool_lead_is_claimed_before_it_is_worked_on(
    team: Team, manager_client: GraphQLClient, user_client: GraphQLClient
):
    lead = await create(manager_client)

    edited = await update(user_client, lead, name="Mine now")
    claimed = await user_client.mutate(CLAIM_LEAD_MUTATION, {"id": lead["id"]})
    again = await user_client.mutate(CLAIM_LEAD_MUTATION, {"id": lead["id"]})
    edited_after = await update(user_client, claimed["lead"], name="Mine now")
    released = await update(user_client, edited_after["lead"], ownerId=None)

    assert codes(edited) == ["FORBIDDEN"]
    assert claimed["errors"] == [] and claimed["lead"]["owner"]["name"] == team.user.name
    assert again["lead"]["version"] == claimed["lead"]["version"]
    assert edited_after["errors"] == []
    assert released["errors"] == [] and released["lead"]["owner"] is None
    kinds = (
        await HistoryEntry.filter(lead_id=pk(lead["id"]))
        .order_by("id")
        .values_list("kind", flat=True)
    )
    assert kinds == ["LEAD_CREATED", "LEAD_CLAIMED", "LEAD_UPDATED", "LEAD_UPDATED"]


async def test_of_two_claiming_at_once_exactly_one_wins(
    team: Team,
    manager_client: GraphQLClient,
    user_client: GraphQLClient,
    colleague_client: GraphQLClient,
):
    for round_ in range(5):
        lead = await create(manager_client, name=f"Contested {round_}")

        answers = await asyncio.gather(
            user_client.mutate(CLAIM_LEAD_MUTATION, {"id": lead["id"]}),
            colleague_client.mutate(CLAIM_LEAD_MUTATION, {"id": lead["id"]}),
        )

        outcomes = sorted(codes(answer) for answer in answers)
        assert outcomes == [[], ["CONFLICT"]], outcomes
        winner = next(answer for answer in answers if not answer["errors"])
        row = await Lead.get(id=pk(lead["id"]))
        assert row.owner_id == pk(winner["lead"]["owner"]["id"]) and row.version == 2
        claims = await Event.filter(lead_id=row.id, kind="LEAD_CLAIMED").count()
        assert claims == 1


async def test_disqualify_needs_a_reason_and_reopen_brings_the_lead_back(
    team: Team, user_client: GraphQLClient
):
    lead = await create(user_client, ownerId=_gid_of(team, "user"))

    no_reason = await user_client.mutate(
        DISQUALIFY_LEAD_MUTATION, {"input": {"leadId": lead["id"], "reason": "  "}}
    )
    out = await user_client.mutate(
        DISQUALIFY_LEAD_MUTATION, {"input": {"leadId": lead["id"], "reason": "No budget"}}
    )
    closed_edit = await update(user_client, out["lead"], name="Still trying")
    twice = await user_client.mutate(
        DISQUALIFY_LEAD_MUTATION, {"input": {"leadId": lead["id"], "reason": "Again"}}
    )
    back = await user_client.mutate(REOPEN_LEAD_MUTATION, {"id": lead["id"]})
    open_already = await user_client.mutate(REOPEN_LEAD_MUTATION, {"id": lead["id"]})

    assert codes(no_reason) == ["VALIDATION"]
    assert out["lead"]["status"] == "DISQUALIFIED"
    assert out["lead"]["disqualifiedReason"] == "No budget"
    assert codes(closed_edit) == ["LEAD_CLOSED"] and codes(twice) == ["LEAD_CLOSED"]
    assert back["lead"]["status"] == "NEW" and back["lead"]["disqualifiedReason"] is None
    assert codes(open_already) == ["VALIDATION"]


async def test_the_list_filters_pages_and_counts_by_status(
    team: Team, manager_client: GraphQLClient, user_client: GraphQLClient
):
    user = _gid_of(team, "user")
    made = [
        await create(manager_client, name="Anna", source="Fair"),
        await create(manager_client, name="Bruno", company="Mill & Co", source="fair"),
        await create(manager_client, name="Cleo", email="cleo@mill.example", ownerId=user),
        await create(manager_client, name="Dan", ownerId=user, source="Web form"),
    ]
    await manager_client.mutate(
        DISQUALIFY_LEAD_MUTATION, {"input": {"leadId": made[3]["id"], "reason": "Spam"}}
    )

    async def listed(**filter_: Any) -> tuple[list[str], dict[str, int]]:
        found = (await manager_client.data(LEADS_QUERY, {"filter": filter_}))["leads"]
        counts = {c["status"]: c["count"] for c in found["statusCounts"]}
        return [e["node"]["name"] for e in found["edges"]], counts

    assert await listed() == (["Dan", "Cleo", "Bruno", "Anna"], _counts(NEW=3, DISQUALIFIED=1))
    assert await listed(status=["NEW"]) == (
        ["Cleo", "Bruno", "Anna"],
        _counts(NEW=3, DISQUALIFIED=1),
    )
    assert await listed(unassigned=True) == (["Bruno", "Anna"], _counts(NEW=2))
    assert (await listed(unassigned=False))[0] == ["Dan", "Cleo"]
    assert (await listed(ownerIds=[user], unassigned=True))[0] == ["Dan", "Cleo", "Bruno", "Anna"]
    assert (await listed(source="FAIR"))[0] == ["Bruno", "Anna"]
    assert (await listed(search="mill"))[0] == ["Cleo", "Bruno"]

    first = (await manager_client.data(LEADS_QUERY, {"first": 3}))["leads"]
    rest = (
        await manager_client.data(
            LEADS_QUERY, {"first": 3, "after": first["pageInfo"]["endCursor"]}
        )
    )["leads"]
    assert first["pageInfo"]["hasNextPage"] and not rest["pageInfo"]["hasNextPage"]
    assert [e["node"]["name"] for e in rest["edges"]] == ["Anna"]
    forged = await manager_client.post(LEADS_QUERY, {"after": made[0]["id"]})
    assert forged["data"] is None
    assert forged["errors"][0]["message"] == "Invalid cursor."


@pytest.mark.parametrize(
    ("filter_", "field"),
    [({"ownerIds": ["nope"]}, "ownerIds"), ({"search": "x" * 201}, "search")],
)
async def test_a_bad_filter_is_refused(
    manager_client: GraphQLClient, filter_: dict[str, Any], field: str
):
    answer = await manager_client.post(LEADS_QUERY, {"filter": filter_})

    assert answer["data"] is None
    assert answer["errors"][0]["extensions"]["field"][:2] == ["filter", field]


def _counts(**given: int) -> dict[str, int]:
    return {
        status: given.get(status, 0) for status in ("NEW", "CONTACTED", "QUALIFIED", "DISQUALIFIED")
    }


def _gid_of(team: Team, who: str) -> str:
    from schema.ids import global_id

    return global_id("User", getattr(team, who).id)


async def test_a_retry_after_someone_claimed_the_lead_makes_no_second_one(
    team: Team, user_client: GraphQLClient, colleague_client: GraphQLClient
):
    first = await create(user_client, idempotencyKey="card-17")
    await colleague_client.mutate(CLAIM_LEAD_MUTATION, {"id": first["id"]})

    retried = await user_client.mutate(
        CREATE_LEAD_MUTATION, {"input": {"name": "Ewa Nowak", "idempotencyKey": "card-17"}}
    )

    assert codes(retried) == ["NOT_FOUND"]
    assert await Lead.filter(workspace_id=team.workspace.id).count() == 1
