"""`node(id:)` answers every type that implements `Node`, for whoever may see the
object, and null for anyone else (hidden reads as unknown)."""

from __future__ import annotations

from resolvers.clock import now_utc
from resolvers.webhooks.delivery import make_out
from schema import build_schema
from schema.node import NODE_LOADERS
from testkit.clients import GraphQLClient
from testkit.deals import create_deal
from testkit.documents import (
    CREATE_PRODUCT_MUTATION,
    CREATE_TASK_MUTATION,
    PROCESSES_QUERY,
    REQUEST_ACCESS_MUTATION,
)

NODE = "query Node($id: ID!) { node(id: $id) { __typename id } }"
HISTORY = "query H($id: ID!) { deal(id: $id) { history { edges { node { id } } } } }"
INBOX = "query { notifications { edges { node { id accessRequest { id } } } } }"


def node_types() -> set[str]:
    schema = build_schema()._schema
    interface = schema.get_type("Node")
    return {t.name for t in schema.get_implementations(interface).objects}  # type: ignore[arg-type]


def test_every_node_type_has_a_loader():
    assert node_types() == set(NODE_LOADERS)


async def test_node_answers_one_object_of_every_node_type_and_null_to_others(
    user_client: GraphQLClient,
    colleague_client: GraphQLClient,
    outsider_client: GraphQLClient,
    manager_client: GraphQLClient,
):
    me = (await user_client.data("query { me { id } }"))["me"]
    (process, *_) = (await user_client.data(PROCESSES_QUERY))["processes"]
    stage = process["stages"][0]
    deal = await create_deal(user_client, name="Private pitch")
    history = await user_client.data(HISTORY, {"id": deal["id"]})
    task = await user_client.mutate(
        CREATE_TASK_MUTATION, {"input": {"title": "Call", "dealId": deal["id"]}}
    )
    asked = await colleague_client.mutate(REQUEST_ACCESS_MUTATION, {"id": deal["id"]})
    (told,) = [e["node"] for e in (await user_client.data(INBOX))["notifications"]["edges"]]
    product = await manager_client.mutate(
        CREATE_PRODUCT_MUTATION, {"input": {"name": "Panel", "unitPrice": "250.00"}}
    )
    lead = await user_client.mutate('mutation { createLead(input: {name: "Ewa"}) { lead { id } } }')
    hook = await user_client.mutate(
        'mutation { createWebhook(input: {url: "http://127.0.0.1:9/hook", '
        'events: ["deal.created"]}) { webhook { id } } }'
    )
    await create_deal(user_client, name="Told to the hook")
    await make_out(now_utc())
    deliveries = await user_client.data(
        "{ webhooks { deliveries(first: 1) { edges { node { id } } } } }"
    )
    entries = await user_client.data("{ activity(first: 1) { edges { node { id } } } }")
    ids = {
        "Activity": entries["activity"]["edges"][0]["node"]["id"],
        "Webhook": hook["webhook"]["id"],
        "WebhookDelivery": deliveries["webhooks"][0]["deliveries"]["edges"][0]["node"]["id"],
        "Lead": lead["lead"]["id"],
        "User": me["id"],
        "Process": process["id"],
        "Stage": stage["id"],
        "Step": stage["steps"][0]["id"],
        "Deal": deal["id"],
        "DealEvent": history["deal"]["history"]["edges"][0]["node"]["id"],
        "Task": task["task"]["id"],
        "AccessRequest": asked["request"]["id"],
        "Notification": told["id"],
        "Product": product["product"]["id"],
    }
    # A lead form is an administrator's alone: tests/schema/leads/test_forms.py.
    assert set(ids) == node_types() - {"LeadForm"}
    assert told["accessRequest"]["id"] == ids["AccessRequest"]

    for type_name, node_id in ids.items():
        mine = await user_client.data(NODE, {"id": node_id})
        theirs = await outsider_client.data(NODE, {"id": node_id})
        assert mine["node"] == {"__typename": type_name, "id": node_id}, type_name
        assert theirs["node"] is None, type_name

    hidden = ("Deal", "DealEvent", "Task", "Notification")
    for type_name in hidden:
        seen = await colleague_client.data(NODE, {"id": ids[type_name]})
        assert seen["node"] is None, type_name
