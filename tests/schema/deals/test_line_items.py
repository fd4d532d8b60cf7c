"""A deal's line items over HTTP: replaced at once, amounts to the cent, the value as
their sum, and everything that follows the value (forecast, board, history)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from models.deal import Deal, LineItem
from resolvers.deals.line_items import MAX_LINE_ITEMS, line_amount
from testkit.clients import GraphQLClient
from testkit.deals import create_deal
from testkit.documents import (
    BOARD_QUERY,
    CREATE_PRODUCT_MUTATION,
    HISTORY_QUERY,
    SET_LINE_ITEMS_MUTATION,
    UPDATE_DEAL_MUTATION,
    UPDATE_PRODUCT_MUTATION,
)
from testkit.ids import pk
from testkit.teams import Team


async def product(client: GraphQLClient, name: str, price: str, code: str | None = None) -> str:
    made = await client.mutate(
        CREATE_PRODUCT_MUTATION, {"input": {"name": name, "unitPrice": price, "code": code}}
    )
    assert made["errors"] == [], made["errors"]
    product_id: str = made["product"]["id"]
    return product_id


async def set_items(
    client: GraphQLClient, deal: dict[str, Any], items: list[dict[str, Any]]
) -> dict[str, Any]:
    payload: dict[str, Any] = await client.mutate(
        SET_LINE_ITEMS_MUTATION,
        {"input": {"dealId": deal["id"], "version": deal["version"], "items": items}},
    )
    return payload


@pytest.mark.parametrize(
    ("quantity", "price", "discount", "amount"),
    [
        ("1", "0.01", "33.33", "0.01"),  # 0.006667 rounds up
        ("1", "0.01", "50", "0.01"),  # half a cent rounds up
        ("3", "0.10", "50.5", "0.15"),  # 0.1485
        ("1", "999.99", "100", "0.00"),
        ("0.3333", "3.00", "0", "1.00"),  # 0.9999
        ("1000000", "99999.99", "0", "99999990000.00"),
    ],
)
def test_an_item_s_amount_is_rounded_to_the_cent_once(quantity, price, discount, amount):
    assert line_amount(Decimal(quantity), Decimal(price), Decimal(discount)) == Decimal(amount)


async def test_items_from_the_catalogue_and_free_text_make_the_deal_s_value(
    manager_client: GraphQLClient, user_client: GraphQLClient, process_id: str
):
    panel = await product(manager_client, "Solar panel", "250.00", "SP-1")
    deal = await create_deal(user_client, name="Roof", value="1.00")

    payload = await set_items(
        user_client,
        deal,
        [
            {"productId": panel, "quantity": "4", "discountPercent": "10"},
            {"name": "Installation", "quantity": "1.5", "unitPrice": "333.33"},
        ],
    )
    board = (await manager_client.data(BOARD_QUERY, {"processId": process_id}))["board"]
    history = (await user_client.data(HISTORY_QUERY, {"id": deal["id"]}))["deal"]["history"]

    assert payload["errors"] == []
    updated = payload["deal"]
    assert [
        (
            i["product"] and i["product"]["id"],
            i["name"],
            i["quantity"],
            i["unitPrice"],
            i["discountPercent"],
            i["amount"],
        )
        for i in updated["lineItems"]
    ] == [
        (panel, "Solar panel", "4", "250.00", "10.00", "900.00"),
        (None, "Installation", "1.5", "333.33", "0.00", "500.00"),  # 499.995
    ]
    assert updated["value"] == "1400.00"
    assert updated["version"] == deal["version"] + 1
    assert Decimal(updated["forecastValue"]) == Decimal("1400.00") * updated["probability"] / 100
    assert board["totalValue"] == "1400.00"
    latest = history["edges"][0]["node"]
    assert {c["field"]: (c["from"], c["to"]) for c in latest["changes"]} == {
        "lineItems": (
            None,
            "4 x Solar panel @ 250.00 -10% = 900.00; 1.5 x Installation @ 333.33 = 500.00",
        ),
        "value": ("1.00", "1400.00"),
    }


async def test_with_items_the_value_is_not_entered_by_hand(user_client: GraphQLClient):
    deal = await create_deal(user_client, value="10.00")
    with_items = (
        await set_items(
            user_client, deal, [{"name": "Audit", "quantity": "1", "unitPrice": "500.00"}]
        )
    )["deal"]

    refused = await user_client.mutate(
        UPDATE_DEAL_MUTATION,
        {"input": {"id": deal["id"], "version": with_items["version"], "value": "1.00"}},
    )
    cleared = (await set_items(user_client, with_items, []))["deal"]
    by_hand = await user_client.mutate(
        UPDATE_DEAL_MUTATION,
        {"input": {"id": deal["id"], "version": cleared["version"], "value": "42.00"}},
    )

    assert [(e["code"], e["field"]) for e in refused["errors"]] == [
        ("VALIDATION", ["input", "value"])
    ]
    assert cleared["lineItems"] == [] and cleared["value"] == "500.00"  # kept until changed
    assert by_hand["errors"] == [] and by_hand["deal"]["value"] == "42.00"


async def test_a_stale_version_changes_nothing(user_client: GraphQLClient):
    deal = await create_deal(user_client)
    first = (
        await set_items(user_client, deal, [{"name": "A", "quantity": "1", "unitPrice": "1.00"}])
    )["deal"]

    stale = await set_items(
        user_client, deal, [{"name": "B", "quantity": "1", "unitPrice": "2.00"}]
    )

    assert [e["code"] for e in stale["errors"]] == ["CONFLICT"]
    assert [i.name for i in await LineItem.filter(deal_id=pk(deal["id"]))] == ["A"]
    assert first["value"] == "1.00"


async def test_every_problem_of_the_items_is_told_at_once_and_nothing_changes(
    manager_client: GraphQLClient,
    user_client: GraphQLClient,
    outsider_client: GraphQLClient,
    rival: Team,
):
    archived = await product(manager_client, "Old inverter", "80.00")
    await manager_client.mutate(
        UPDATE_PRODUCT_MUTATION, {"input": {"id": archived, "active": False}}
    )
    theirs = await product(
        GraphQLClient(outsider_client.http, rival.tokens["manager"]), "Theirs", "1.00"
    )
    deal = await create_deal(user_client, value="7.00")

    refused = await set_items(
        user_client,
        deal,
        [
            {"productId": archived, "quantity": "1"},
            {"productId": theirs, "quantity": "1"},
            {"name": "No price", "quantity": "1"},
            {"name": " ", "quantity": "0", "unitPrice": "1.00"},
            {
                "name": "Too exact",
                "quantity": "1.00001",
                "unitPrice": "1.001",
                "discountPercent": "101",
            },
        ],
    )
    too_many = await set_items(
        user_client,
        deal,
        [{"name": "x", "quantity": "1", "unitPrice": "1.00"}] * (MAX_LINE_ITEMS + 1),
    )

    assert {(e["code"], tuple(e["field"])) for e in refused["errors"]} == {
        ("VALIDATION", ("input", "items", "0", "productId")),
        ("NOT_FOUND", ("input", "items", "1", "productId")),
        ("VALIDATION", ("input", "items", "2", "unitPrice")),
        ("VALIDATION", ("input", "items", "3", "name")),
        ("VALIDATION", ("input", "items", "3", "quantity")),
        ("VALIDATION", ("input", "items", "4", "quantity")),
        ("VALIDATION", ("input", "items", "4", "unitPrice")),
        ("VALIDATION", ("input", "items", "4", "discountPercent")),
    }
    assert [(e["code"], e["field"]) for e in too_many["errors"]] == [
        ("VALIDATION", ["input", "items"])
    ]
    stored = await Deal.get(id=pk(deal["id"]))
    assert stored.value == Decimal("7.00") and stored.version == deal["version"]
    assert await LineItem.filter(deal_id=stored.id).count() == 0


async def test_only_people_on_the_deal_set_its_items(
    user_client: GraphQLClient, colleague_client: GraphQLClient
):
    deal = await create_deal(user_client, isPublic=True)

    refused = await set_items(
        colleague_client, deal, [{"name": "A", "quantity": "1", "unitPrice": "1.00"}]
    )

    assert [e["code"] for e in refused["errors"]] == ["FORBIDDEN"]
    assert await LineItem.filter(deal_id=pk(deal["id"])).count() == 0


async def test_an_archived_product_stays_readable_on_the_items_that_name_it(
    manager_client: GraphQLClient, user_client: GraphQLClient
):
    inverter = await product(manager_client, "Inverter", "80.00")
    deal = await create_deal(user_client)
    await set_items(user_client, deal, [{"productId": inverter, "quantity": "2"}])

    await manager_client.mutate(
        UPDATE_PRODUCT_MUTATION, {"input": {"id": inverter, "active": False, "unitPrice": "99.00"}}
    )
    item = (
        await user_client.data(
            "query($id: ID!) { deal(id: $id) { value "
            "lineItems { product { name active } unitPrice amount } } }",
            {"id": deal["id"]},
        )
    )["deal"]

    assert item == {
        "value": "160.00",
        "lineItems": [
            {
                "product": {"name": "Inverter", "active": False},
                "unitPrice": "80.00",
                "amount": "160.00",
            }
        ],
    }
