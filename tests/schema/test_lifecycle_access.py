"""Who may do what with leads, products, finance and activity, table-driven over every
relation: admin, manager, the lead's owner, a colleague (another salesperson) and the
administrator of another workspace. A lead someone may not see answers exactly as an
unknown id does."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

import httpx
import pytest

from models.account import User
from schema.ids import global_id
from testkit.clients import GraphQLClient
from testkit.deals import create_deal
from testkit.documents import (
    CLAIM_LEAD_MUTATION,
    CREATE_LEAD_MUTATION,
    CREATE_PRODUCT_MUTATION,
    DISQUALIFY_LEAD_MUTATION,
    LEAD_QUERY,
    LEADS_QUERY,
    PRODUCTS_QUERY,
    QUALIFY_LEAD_MUTATION,
    REOPEN_LEAD_MUTATION,
    UPDATE_LEAD_MUTATION,
    UPDATE_PRODUCT_MUTATION,
)
from testkit.teams import Team, add_member

RELATIONS = ["admin", "manager", "owner", "colleague", "outsider"]
UNKNOWN_LEAD = global_id("Lead", 2_000_000_000)
TODAY = date.today()


@dataclass
class Cast:
    team: Team
    clients: dict[str, GraphQLClient]
    users: dict[str, User]


@pytest.fixture
async def cast(team: Team, rival: Team, http: httpx.AsyncClient, password_hash: str) -> Cast:
    colleague = await add_member(team, "colleague", "Cora Colleague", password_hash)
    clients = {
        "admin": team.client(http, "admin"),
        "manager": team.client(http, "manager"),
        "owner": team.client(http, "user"),
        "colleague": colleague.client(http),
        "outsider": rival.client(http, "admin"),
    }
    users = {"owner": team.user, "colleague": colleague.user, "manager": team.manager}
    return Cast(team, clients, users)


async def owned_lead(cast: Cast) -> str:
    payload = await cast.clients["manager"].mutate(
        CREATE_LEAD_MUTATION,
        {"input": {"name": "Ewa", "ownerId": global_id("User", cast.users["owner"].id)}},
    )
    assert payload["errors"] == []
    return str(payload["lead"]["id"])


def outcome(payload: dict[str, Any] | None) -> str:
    """ok, or the first error's code; `null` for a read that found nothing."""
    if payload is None:
        return "null"
    return "ok" if not payload["errors"] else str(payload["errors"][0]["code"])


@dataclass(frozen=True)
class LeadOperation:
    document: str
    variables: Callable[[str], dict[str, Any]]

    async def __call__(self, client: GraphQLClient, lead_id: str) -> str:
        return outcome(await client.mutate(self.document, self.variables(lead_id)))


async def _read(client: GraphQLClient, lead_id: str) -> str:
    found = (await client.data(LEAD_QUERY, {"id": lead_id}))["lead"]
    return "null" if found is None else "ok"


OPERATIONS: dict[str, Callable[[GraphQLClient, str], Awaitable[str]]] = {
    "read": _read,
    "updateLead": LeadOperation(
        UPDATE_LEAD_MUTATION, lambda i: {"input": {"id": i, "version": 1, "phone": "+48 1"}}
    ),
    "claimLead": LeadOperation(CLAIM_LEAD_MUTATION, lambda i: {"id": i}),
    "qualifyLead": LeadOperation(QUALIFY_LEAD_MUTATION, lambda i: {"input": {"leadId": i}}),
    "disqualifyLead": LeadOperation(
        DISQUALIFY_LEAD_MUTATION, lambda i: {"input": {"leadId": i, "reason": "No budget"}}
    ),
    "reopenLead": LeadOperation(REOPEN_LEAD_MUTATION, lambda i: {"id": i}),
}
# An owned lead (the owner's), for each relation in RELATIONS' order. Claiming a lead
# someone owns is a conflict for everyone but its owner (for whom it is a no-op); the
# outsider's lead ids name nothing. Reopening an open lead is a VALIDATION error for
# those who may work on it.
EXPECTED = {
    "read": ["ok", "ok", "ok", "null", "null"],
    "updateLead": ["ok", "ok", "ok", "NOT_FOUND", "NOT_FOUND"],
    "claimLead": ["CONFLICT", "CONFLICT", "ok", "CONFLICT", "NOT_FOUND"],
    "qualifyLead": ["ok", "ok", "ok", "NOT_FOUND", "NOT_FOUND"],
    "disqualifyLead": ["ok", "ok", "ok", "NOT_FOUND", "NOT_FOUND"],
    "reopenLead": ["VALIDATION", "VALIDATION", "VALIDATION", "NOT_FOUND", "NOT_FOUND"],
}


@pytest.mark.parametrize("operation", list(OPERATIONS))
async def test_lead_access_table(cast: Cast, operation: str):
    outcomes = {}
    for relation in RELATIONS:
        lead_id = await owned_lead(cast)
        outcomes[relation] = await OPERATIONS[operation](cast.clients[relation], lead_id)

    assert outcomes == dict(zip(RELATIONS, EXPECTED[operation], strict=True))


@pytest.mark.parametrize("operation", [op for op in OPERATIONS if op not in ("read", "claimLead")])
async def test_hidden_leads_answer_exactly_like_unknown_ones(cast: Cast, operation: str):
    run = OPERATIONS[operation]
    assert isinstance(run, LeadOperation)
    lead_id = await owned_lead(cast)
    for relation in ("colleague", "outsider"):
        client = cast.clients[relation]
        hidden = await client.post(run.document, run.variables(lead_id))
        unknown = await client.post(run.document, run.variables(UNKNOWN_LEAD))
        assert hidden == unknown


async def test_catalogue_finance_and_activity_by_role(cast: Cast):
    made = await cast.clients["manager"].mutate(
        CREATE_PRODUCT_MUTATION, {"input": {"name": "Panel", "unitPrice": "10.00"}}
    )
    product_id = made["product"]["id"]
    await create_deal(
        cast.clients["owner"], name="Private", value="100.00", expectedCloseDate=str(TODAY)
    )
    await create_deal(
        cast.clients["colleague"],
        name="Public",
        value="50.00",
        isPublic=True,
        expectedCloseDate=str(TODAY),
    )
    await owned_lead(cast)
    finance = (
        "query($d: Date!) { finance(from: $d, to: $d, groupBy: OWNER) "
        "{ totals { dealCount } rows { label } } }"
    )
    activity = "{ activity { totalCount edges { node { deal { name } lead { name } } } } }"

    seen = {}
    for relation in RELATIONS:
        client = cast.clients[relation]
        create = await client.mutate(
            CREATE_PRODUCT_MUTATION, {"input": {"name": f"By {relation}", "unitPrice": "1.00"}}
        )
        update = await client.mutate(
            UPDATE_PRODUCT_MUTATION, {"input": {"id": product_id, "name": "Renamed"}}
        )
        products = (await client.data(PRODUCTS_QUERY))["products"]
        totals = (await client.data(finance, {"d": str(TODAY)}))["finance"]
        entries = (await client.data(activity))["activity"]
        leads = (await client.data(LEADS_QUERY))["leads"]["totalCount"]
        seen[relation] = (
            outcome(create),
            outcome(update),
            len(products) > 0,
            totals["totals"]["dealCount"],
            sorted(r["label"] for r in totals["rows"]),
            entries["totalCount"] > 0,
            leads,
        )

    assert seen["admin"][:2] == ("ok", "ok") and seen["manager"][:2] == ("ok", "ok")
    assert seen["owner"][:2] == ("FORBIDDEN", "FORBIDDEN")
    assert seen["colleague"][:2] == ("FORBIDDEN", "FORBIDDEN")
    assert seen["outsider"][:3] == ("ok", "NOT_FOUND", True), "their own catalogue"
    assert [seen[r][3] for r in RELATIONS] == [2, 2, 2, 1, 0]
    assert seen["owner"][4] == sorted([cast.users["owner"].name, "Cora Colleague"])
    assert seen["colleague"][4] == ["Cora Colleague"]
    assert seen["outsider"][5] is False
    assert [seen[r][6] for r in RELATIONS] == [1, 1, 1, 0, 0]
