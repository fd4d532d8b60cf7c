"""The README's walk-through, as written there, on the demo workspace: from a lead in the
pool to a won deal with products, its finance by product and its activity."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from server.demo import DEMO_PASSWORD, DEMO_TIME_ZONE, seed_demo
from server.settings import Settings
from testkit.clients import GraphQLClient
from testkit.documents import COMPLETE_STEP_MUTATION, LOGIN_MUTATION, WIN_DEAL_MUTATION

CREATE = """
mutation { createLead(input: {name: "Olga Sadowska", company: "Baltic Wind",
    source: "Web form", idempotencyKey: "form-4711"}) { lead { id status owner { name } } } }
"""
CLAIM = """
mutation Claim($lead: ID!) {
  claimLead(input: {id: $lead}) { lead { owner { name } version } errors { code } } }
"""
QUALIFY = """
mutation Qualify($lead: ID!, $units: ID!, $training: ID!) {
  qualifyLead(input: {leadId: $lead, lineItems: [
      {productId: $units, quantity: "12", discountPercent: "5"},
      {productId: $training, quantity: "2"}]}) {
    lead { status deal { id } }
    deal { id name value createdAt lead { name }
           lineItems { name quantity unitPrice amount } missingMandatorySteps { id name } }
    errors { code message field } } }
"""
FINANCE = """
query($from: Date!, $to: Date!) { finance(from: $from, to: $to, groupBy: PRODUCT) {
  rows { label wonValue } totals { wonValue } } }
"""


def workspace_days_from(moment: str) -> dict[str, str]:
    """The demo workspace's day of `moment` and the next: finance counts a deal won on the day
    it closed in the workspace's time zone, which is not the UTC day around midnight there, and
    the win may come just after midnight."""
    first: date = datetime.fromisoformat(moment).astimezone(ZoneInfo(DEMO_TIME_ZONE)).date()
    return {"from": first.isoformat(), "to": (first + timedelta(days=1)).isoformat()}


async def log_in(http: httpx.AsyncClient, who: str) -> GraphQLClient:
    payload = await GraphQLClient(http).mutate(
        LOGIN_MUTATION, {"email": f"{who}@demo.dealflow.dev", "password": DEMO_PASSWORD}
    )
    assert payload["errors"] == [], payload["errors"]
    return GraphQLClient(http, payload["token"])


async def test_from_a_lead_to_a_won_deal_as_the_readme_tells_it(
    settings: Settings, orm: None, http: httpx.AsyncClient
):
    await seed_demo(settings.file_store())
    anna, manager = await log_in(http, "anna"), await log_in(http, "manager")
    products = {
        p["code"]: p["id"] for p in (await anna.data("{ products { id code } }"))["products"]
    }

    lead = (await anna.mutate(CREATE))["lead"]
    claimed = await anna.mutate(CLAIM, {"lead": lead["id"]})
    qualified = await anna.mutate(
        QUALIFY,
        {"lead": lead["id"], "units": products["FT-100"], "training": products["TRAIN-1D"]},
    )
    deal: dict[str, Any] = qualified["deal"]
    for step in deal["missingMandatorySteps"]:
        done = await manager.mutate(
            COMPLETE_STEP_MUTATION, {"input": {"dealId": deal["id"], "stepId": step["id"]}}
        )
        assert done["errors"] == [], done["errors"]
    days = workspace_days_from(deal["createdAt"])
    before = (await manager.data(FINANCE, days))["finance"]
    won = await anna.mutate(WIN_DEAL_MUTATION, {"id": deal["id"]})
    after = (await manager.data(FINANCE, days))["finance"]
    activity = (
        await manager.data("{ activity(first: 100) { edges { node { kind lead { name } } } } }")
    )["activity"]

    assert lead["status"] == "NEW" and lead["owner"] is None
    assert claimed["lead"]["owner"] == {"name": "Anna Nowak"}
    assert qualified["errors"] == [] and qualified["lead"]["status"] == "QUALIFIED"
    assert (deal["name"], deal["value"], deal["lead"]) == (
        "Baltic Wind",
        "20080.00",
        {"name": "Olga Sadowska"},
    )
    assert [item["amount"] for item in deal["lineItems"]] == ["13680.00", "6400.00"]
    assert [s["name"] for s in deal["missingMandatorySteps"]] == [
        "Offer approved by a manager",
        "Contract signed",
    ]
    assert won["errors"] == [] and won["deal"]["status"] == "WON"

    def won_by_product(finance: dict[str, Any]) -> dict[str, Decimal]:
        return {r["label"]: Decimal(r["wonValue"]) for r in finance["rows"]}

    gained = {
        label: value - won_by_product(before).get(label, Decimal(0))
        for label, value in won_by_product(after).items()
    }
    assert {label: str(v) for label, v in gained.items() if v} == {
        "Fleet telematics unit": "13680.00",
        "Training day": "6400.00",
    }
    kinds = [e["node"]["kind"] for e in activity["edges"]]
    assert kinds.index("DEAL_WON") < kinds.index("LEAD_QUALIFIED") < kinds.index("LEAD_CLAIMED")
