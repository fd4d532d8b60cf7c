"""Qualifying a lead over HTTP: into a new deal (carrying the lead over, with a value or
line items) or into a deal that exists, all in one transaction."""

from __future__ import annotations

from typing import Any

from models.deal import Deal
from models.history import HistoryEntry
from models.lead import Lead
from schema.ids import global_id
from testkit.clients import GraphQLClient
from testkit.deals import create_deal
from testkit.documents import (
    CREATE_LEAD_MUTATION,
    CREATE_PRODUCT_MUTATION,
    DEAL_QUERY,
    QUALIFY_LEAD_MUTATION,
)
from testkit.ids import pk
from testkit.teams import Team


async def owned_lead(client: GraphQLClient, team: Team, **fields: Any) -> dict[str, Any]:
    payload = await client.mutate(
        CREATE_LEAD_MUTATION,
        {
            "input": {
                "name": "Ewa Nowak",
                "ownerId": global_id("User", team.user.id),
                **fields,
            }
        },
    )
    assert payload["errors"] == [], payload["errors"]
    lead: dict[str, Any] = payload["lead"]
    return lead


async def qualify(client: GraphQLClient, lead_id: str, **fields: Any) -> dict[str, Any]:
    return await client.mutate(QUALIFY_LEAD_MUTATION, {"input": {"leadId": lead_id, **fields}})


def codes(payload: dict[str, Any]) -> list[str]:
    return [error["code"] for error in payload["errors"]]


async def test_a_lead_becomes_a_deal_that_carries_it_over(
    team: Team, user_client: GraphQLClient, process_id: str
):
    lead = await owned_lead(
        user_client, team, company="Green Farm", source="Fair", email="ewa@farm.example"
    )

    answer = await qualify(user_client, lead["id"], value="12000.00")

    assert answer["errors"] == []
    deal = answer["deal"]
    assert (deal["name"], deal["company"], deal["contactPerson"], deal["source"]) == (
        "Green Farm",
        "Green Farm",
        "Ewa Nowak",
        "Fair",
    )
    assert deal["value"] == "12000.00" and deal["owner"]["id"] == global_id("User", team.user.id)
    assert deal["process"]["id"] == process_id
    assert deal["lead"] == {"id": lead["id"], "name": "Ewa Nowak"}
    assert answer["lead"]["status"] == "QUALIFIED"
    assert answer["lead"]["deal"]["id"] == deal["id"]
    kinds = (
        await HistoryEntry.filter(lead_id=pk(lead["id"]))
        .order_by("id")
        .values_list("kind", flat=True)
    )
    assert kinds == ["LEAD_CREATED", "LEAD_QUALIFIED"]
    assert await HistoryEntry.filter(deal_id=pk(deal["id"]), kind="DEAL_CREATED").exists()


async def test_a_lead_with_line_items_makes_a_deal_worth_their_sum(
    team: Team, manager_client: GraphQLClient, user_client: GraphQLClient
):
    product = await manager_client.mutate(
        CREATE_PRODUCT_MUTATION, {"input": {"name": "Solar panel", "unitPrice": "250.00"}}
    )
    lead = await owned_lead(user_client, team)
    items = [
        {"productId": product["product"]["id"], "quantity": "3", "discountPercent": "10"},
        {"name": "Installation", "quantity": "1", "unitPrice": "0.333"},
    ]
    fractional = await qualify(user_client, lead["id"], lineItems=items)
    items[1]["unitPrice"] = "333.33"

    answer = await qualify(user_client, lead["id"], dealName="Roof", lineItems=items)

    assert [tuple(e["field"]) for e in fractional["errors"]] == [
        ("input", "lineItems", "1", "unitPrice")
    ]
    assert answer["errors"] == []
    assert answer["deal"]["name"] == "Roof"
    assert answer["deal"]["value"] == "1008.33"
    assert [i["amount"] for i in answer["deal"]["lineItems"]] == ["675.00", "333.33"]


async def test_a_failed_qualification_changes_nothing(team: Team, user_client: GraphQLClient):
    lead = await owned_lead(user_client, team)
    deals_before = await Deal.filter(workspace_id=team.workspace.id).count()

    both = await qualify(
        user_client,
        lead["id"],
        value="10.00",
        lineItems=[{"name": "Audit", "quantity": "1", "unitPrice": "10.00"}],
    )
    unknown_product = await qualify(
        user_client,
        lead["id"],
        lineItems=[{"productId": global_id("Product", 999_999), "quantity": "1"}],
    )
    unknown_process = await qualify(
        user_client, lead["id"], processId=global_id("Process", 999_999)
    )

    assert codes(both) == ["VALIDATION"]
    assert codes(unknown_product) == ["NOT_FOUND"]
    assert codes(unknown_process) == ["NOT_FOUND"]
    assert await Deal.filter(workspace_id=team.workspace.id).count() == deals_before
    row = await Lead.get(id=pk(lead["id"]))
    assert (row.status, row.deal_id, row.version) == ("NEW", None, 1)


async def test_a_lead_joins_a_deal_its_qualifier_may_edit(
    team: Team,
    manager_client: GraphQLClient,
    user_client: GraphQLClient,
    colleague_client: GraphQLClient,
):
    mine = await create_deal(user_client, name="Solar roof", value="40000.00")
    private = await create_deal(colleague_client, name="Colleague's")
    public = await create_deal(colleague_client, name="Colleague's public", isPublic=True)
    lead = await owned_lead(user_client, team)

    hidden = await qualify(user_client, lead["id"], existingDealId=private["id"])
    read_only = await qualify(user_client, lead["id"], existingDealId=public["id"])
    with_value = await qualify(user_client, lead["id"], existingDealId=mine["id"], value="1.00")
    joined = await qualify(user_client, lead["id"], existingDealId=mine["id"])
    again = await qualify(user_client, lead["id"], existingDealId=mine["id"])

    assert codes(hidden) == ["NOT_FOUND"]
    assert hidden["errors"][0]["field"] == ["input", "existingDealId"]
    assert codes(read_only) == ["FORBIDDEN"]
    assert codes(with_value) == ["VALIDATION"]
    assert joined["errors"] == []
    assert joined["deal"]["id"] == mine["id"] and joined["deal"]["value"] == "40000.00"
    assert joined["deal"]["version"] == mine["version"] + 1
    assert codes(again) == ["LEAD_CLOSED"]
    deal = (await manager_client.data(DEAL_QUERY, {"id": mine["id"]}))["deal"]
    assert deal["lead"]["id"] == lead["id"]
    entry = await HistoryEntry.filter(deal_id=pk(mine["id"])).order_by("-id").first()
    assert entry is not None and entry.data["changes"] == [
        {"field": "lead", "from": None, "to": "Ewa Nowak"}
    ]


async def test_only_the_owner_or_a_manager_qualifies_and_a_pool_lead_is_claimed_first(
    team: Team,
    manager_client: GraphQLClient,
    user_client: GraphQLClient,
    colleague_client: GraphQLClient,
):
    pool = (await manager_client.mutate(CREATE_LEAD_MUTATION, {"input": {"name": "Pool lead"}}))[
        "lead"
    ]
    theirs = await owned_lead(user_client, team, name="Theirs")

    from_pool = await qualify(colleague_client, pool["id"])
    not_theirs = await qualify(colleague_client, theirs["id"])
    by_manager = await qualify(manager_client, pool["id"])

    assert codes(from_pool) == ["FORBIDDEN"]
    assert codes(not_theirs) == ["NOT_FOUND"]
    assert by_manager["errors"] == []
    assert by_manager["deal"]["owner"]["id"] == global_id("User", team.manager.id)
    assert by_manager["lead"]["owner"]["id"] == global_id("User", team.manager.id)
