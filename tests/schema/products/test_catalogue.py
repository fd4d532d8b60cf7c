"""The product catalogue over HTTP: who may change it, what it refuses, archiving."""

from __future__ import annotations

from typing import Any

import pytest

from models.product import Product
from testkit.clients import GraphQLClient
from testkit.documents import (
    CREATE_PRODUCT_MUTATION,
    PRODUCTS_QUERY,
    UPDATE_PRODUCT_MUTATION,
)
from testkit.ids import pk
from testkit.teams import Team


async def create(client: GraphQLClient, **fields: Any) -> dict[str, Any]:
    payload: dict[str, Any] = await client.mutate(
        CREATE_PRODUCT_MUTATION, {"input": {"name": "Solar panel", "unitPrice": "250.00", **fields}}
    )
    return payload


async def update(client: GraphQLClient, product_id: str, **fields: Any) -> dict[str, Any]:
    payload: dict[str, Any] = await client.mutate(
        UPDATE_PRODUCT_MUTATION, {"input": {"id": product_id, **fields}}
    )
    return payload


@pytest.mark.parametrize("who", ["admin_client", "manager_client"])
async def test_managers_and_admins_build_the_catalogue_everyone_reads(
    who: str, request: pytest.FixtureRequest, user_client: GraphQLClient
):
    client: GraphQLClient = request.getfixturevalue(who)

    made = await create(client, name="  Solar panel ", code="SP-1", unitPrice="250.5")
    listed = (await user_client.data(PRODUCTS_QUERY))["products"]

    assert made["errors"] == []
    product = made["product"]
    assert {k: product[k] for k in ("name", "code", "unitPrice", "active")} == {
        "name": "Solar panel",
        "code": "SP-1",
        "unitPrice": "250.50",
        "active": True,
    }
    assert listed == [product]


async def test_salespeople_may_not_change_the_catalogue(
    user_client: GraphQLClient, manager_client: GraphQLClient, team: Team
):
    refused = await create(user_client)
    product = (await create(manager_client))["product"]
    renamed = await update(user_client, product["id"], name="Cheaper panel")

    assert [e["code"] for e in refused["errors"]] == ["FORBIDDEN"]
    assert [e["code"] for e in renamed["errors"]] == ["FORBIDDEN"]
    assert await Product.filter(workspace_id=team.workspace.id).count() == 1
    assert (await Product.get(id=pk(product["id"]))).name == "Solar panel"


async def test_every_problem_of_a_product_is_told_at_once(manager_client: GraphQLClient):
    refused = await create(manager_client, name=" ", code="x" * 65, unitPrice="-1")
    fractions = await create(manager_client, unitPrice="1.005")

    assert {(e["code"], tuple(e["field"])) for e in refused["errors"]} == {
        ("VALIDATION", ("input", "name")),
        ("VALIDATION", ("input", "code")),
        ("VALIDATION", ("input", "unitPrice")),
    }
    assert [e["field"] for e in fractions["errors"]] == [["input", "unitPrice"]]
    assert refused["product"] is None and fractions["product"] is None


async def test_a_code_names_one_product_of_the_workspace(
    manager_client: GraphQLClient, outsider_client: GraphQLClient, rival: Team
):
    first = (await create(manager_client, code="SP-1"))["product"]
    again = await create(manager_client, name="Other", code="SP-1")
    other = (await create(manager_client, name="Other", code="SP-2"))["product"]
    recoded = await update(manager_client, other["id"], code="SP-1")
    elsewhere = await create(
        GraphQLClient(outsider_client.http, rival.tokens["manager"]), code="SP-1"
    )
    uncoded = await update(manager_client, first["id"], code=None)

    assert [(e["code"], e["field"]) for e in again["errors"]] == [("CONFLICT", ["input", "code"])]
    assert [e["code"] for e in recoded["errors"]] == ["CONFLICT"]
    assert elsewhere["errors"] == []  # codes are per workspace
    assert uncoded["product"]["code"] is None


async def test_archiving_takes_a_product_off_the_list_and_keeps_it_readable(
    manager_client: GraphQLClient, user_client: GraphQLClient
):
    kept = (await create(manager_client, name="Battery"))["product"]
    archived = (await create(manager_client, name="Old inverter"))["product"]

    off = await update(manager_client, archived["id"], active=False)
    listed = (await user_client.data(PRODUCTS_QUERY))["products"]
    everything = (await user_client.data(PRODUCTS_QUERY, {"includeArchived": True}))["products"]
    node = await user_client.data(
        "query($id: ID!) { node(id: $id) { ... on Product { name active } } }",
        {"id": archived["id"]},
    )
    back = await update(manager_client, archived["id"], active=True, unitPrice="99.99")

    assert off["product"]["active"] is False
    assert [p["name"] for p in listed] == [kept["name"]]
    assert [p["name"] for p in everything] == ["Battery", "Old inverter"]
    assert node["node"] == {"name": "Old inverter", "active": False}
    assert back["product"]["active"] is True and back["product"]["unitPrice"] == "99.99"


async def test_another_workspace_s_product_reads_as_unknown(
    manager_client: GraphQLClient, outsider_client: GraphQLClient, rival: Team
):
    product = (await create(manager_client))["product"]
    rival_manager = GraphQLClient(outsider_client.http, rival.tokens["manager"])

    changed = await update(rival_manager, product["id"], name="Taken over")
    listed = (await outsider_client.data(PRODUCTS_QUERY, {"includeArchived": True}))["products"]

    assert [(e["code"], e["message"]) for e in changed["errors"]] == [
        ("NOT_FOUND", "Product not found.")
    ]
    assert listed == []
    assert (await Product.get(id=pk(product["id"]))).name == "Solar panel"
