"""Every cursor is checked against the types of its list's sort key before any query:
a forged one (huge numbers, exponents, dates past the calendar, NaN, wrong types, another
list's cursor) is `Invalid cursor.` (VALIDATION) on every paginated field and backend,
never an internal error. Cursors are opaque: they do not carry plain row ids."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given as for_every
from hypothesis import strategies as st

from resolvers.clock import now_utc
from resolvers.pagination import CursorCodec, IntKey, MomentKey
from resolvers.webhooks.delivery import make_out
from schema.ids import global_id
from testkit.clients import GraphQLClient
from testkit.deals import create_deal
from testkit.documents import REQUEST_ACCESS_MUTATION
from testkit.teams import Team

DEAL_PAGE = "totalCount edges { cursor node { id } }"

# Each paginated field, as (document, variables but `after`).
FIELDS: dict[str, tuple[str, dict[str, Any]]] = {
    f"deals-{order}": (
        f"query($after: String, $orderBy: DealOrder) {{ deals(after: $after, orderBy: $orderBy)"
        f" {{ {DEAL_PAGE} }} }}",
        {"orderBy": {"field": order}},
    )
    for order in ("UPDATED_AT", "CREATED_AT", "VALUE", "EXPECTED_CLOSE_DATE", "PROBABILITY")
}
FIELDS |= {
    "deletedDeals": (
        f"query($after: String) {{ deletedDeals(after: $after) {{ {DEAL_PAGE} }} }}",
        {},
    ),
    "User.deals": (
        f"query($after: String) {{ me {{ deals(after: $after) {{ {DEAL_PAGE} }} }} }}",
        {},
    ),
    "board": (
        "query($after: String, $process: ID!) { board(processId: $process) { columns {"
        f" deals(after: $after) {{ {DEAL_PAGE} }} }} }} }}",
        {},
    ),
    "Deal.history": (
        "query($after: String, $deal: ID!) { deal(id: $deal) { history(after: $after) {"
        " totalCount edges { cursor } } } }",
        {},
    ),
    "notifications": (
        "query($after: String) { notifications(after: $after) { totalCount edges { cursor } } }",
        {},
    ),
    "leads": (
        "query($after: String) { leads(after: $after) { totalCount edges { cursor } } }",
        {},
    ),
    "activity": (
        "query($after: String) { activity(after: $after) { totalCount edges { cursor } } }",
        {},
    ),
    "Webhook.deliveries": (
        "query($after: String) { webhooks { deliveries(after: $after) {"
        " totalCount edges { cursor } } } }",
        {},
    ),
}


def _forged(key: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(key).encode()).decode()


DEAL = global_id("Deal", 1)
FORGED = {
    "40-digits": _forged([10**39, DEAL]),
    "past-bigint": _forged([2**63, DEAL]),
    "negative": _forged([-1, DEAL]),
    "1e30": base64.urlsafe_b64encode(f'[1e30, "{DEAL}"]'.encode()).decode(),
    "past-the-calendar": _forged(["9999-12-31T23:00:00-05:00", DEAL]),
    "before-the-calendar": _forged(["0001-01-01T00:30:00+01:00", DEAL]),
    "nan": base64.urlsafe_b64encode(f'[NaN, "{DEAL}"]'.encode()).decode(),
    "infinity": base64.urlsafe_b64encode(f'[Infinity, "{DEAL}"]'.encode()).decode(),
    "string-for-number": _forged(["12", DEAL]),
    "id-for-sort-key": _forged([DEAL, DEAL]),
    "bool": _forged([True, DEAL]),
    "plain-id": _forged([1, 1]),
    "huge-id": _forged([1, 10**40]),
    "nested": _forged([[[[1]]], DEAL]),
    "object": _forged({"a": 1}),
    "too-long": _forged([1, DEAL] * 300),
    "not-base64": "%%%",
    "not-json": base64.urlsafe_b64encode(b"\xff\xfe").decode(),
    "digits": "12",
    "a-deal-id": DEAL,
    "a-task-id": global_id("Task", 1),
}


@pytest.fixture
async def given(team: Team, admin_client: GraphQLClient, http: Any) -> dict[str, str]:
    deal = await create_deal(admin_client)
    # The owner is told of the request: a notification to page through.
    asked = await team.client(http, "user").mutate(REQUEST_ACCESS_MUTATION, {"id": deal["id"]})
    assert asked["errors"] == []
    # Two leads told to a webhook: two deliveries to page through.
    hook = await admin_client.mutate(
        'mutation { createWebhook(input: {url: "http://127.0.0.1:9/hook", '
        'events: ["lead.created"]}) { errors { code } } }'
    )
    assert hook["errors"] == []
    for name in ("First lead", "Second lead"):
        made = await admin_client.mutate(
            "mutation($name: String!) { createLead(input: {name: $name}) { errors { code } } }",
            {"name": name},
        )
        assert made["errors"] == []
    await make_out(now_utc())
    processes = (await admin_client.data("{ processes { id } }"))["processes"]
    return {"deal": deal["id"], "process": processes[0]["id"]}


@pytest.mark.parametrize("forged", FORGED.values(), ids=FORGED.keys())
@pytest.mark.parametrize("field", FIELDS.values(), ids=FIELDS.keys())
async def test_a_forged_cursor_is_invalid_on_every_paginated_field(
    admin_client: GraphQLClient,
    given: dict[str, str],
    field: tuple[str, dict[str, Any]],
    forged: str,
):
    document, variables = field
    body = await admin_client.post(document, {**variables, **given, "after": forged})

    errors = body.get("errors", [])
    assert errors, body
    assert {(e["message"], e["extensions"]["code"]) for e in errors} == {
        ("Invalid cursor.", "VALIDATION")
    }, errors


@pytest.mark.parametrize("field", FIELDS.values(), ids=FIELDS.keys())
async def test_the_cursors_a_list_gives_lead_to_its_next_page(
    admin_client: GraphQLClient, given: dict[str, str], field: tuple[str, dict[str, Any]]
):
    second = await create_deal(admin_client, name="Second")
    await admin_client.mutate(
        "mutation($id: ID!) { deleteDeal(input: {id: $id}) { errors { code } } }",
        {"id": second["id"]},
    )
    document, variables = field

    cursors = _cursors(await admin_client.data(document, {**variables, **given}))

    assert cursors
    for cursor in cursors:
        after = await admin_client.post(document, {**variables, **given, "after": cursor})
        assert "errors" not in after, after["errors"]


def _cursors(data: Any) -> list[str]:
    if isinstance(data, dict):
        return [c for key, value in data.items() for c in _cursors(value)] + (
            [data["cursor"]] if isinstance(data.get("cursor"), str) else []
        )
    if isinstance(data, list):
        return [c for item in data for c in _cursors(item)]
    return []


@pytest.mark.parametrize(
    ("field", "kind"), [("notifications", "EventCursor"), ("Deal.history", "NotificationCursor")]
)
async def test_an_id_cursor_of_the_other_kind_is_invalid(
    admin_client: GraphQLClient, given: dict[str, str], field: str, kind: str
):
    document, _ = FIELDS[field]

    body = await admin_client.post(document, {**given, "after": global_id(kind, 1)})

    assert [e["extensions"]["code"] for e in body["errors"]] == ["VALIDATION"]


async def test_cursors_carry_no_plain_row_id(admin_client: GraphQLClient, given: dict[str, str]):
    document, variables = FIELDS["deals-VALUE"]

    (edge,) = (await admin_client.data(document, variables))["deals"]["edges"]

    assert json.loads(base64.urlsafe_b64decode(edge["cursor"])) == [0, given["deal"]]


@for_every(
    st.datetimes(
        min_value=datetime(1900, 1, 1),
        max_value=datetime(2200, 1, 1),
        timezones=st.sampled_from([UTC, ZoneInfo("Europe/Warsaw")]),
    ),
    st.integers(1, 2**31 - 1),
)
def test_a_moment_is_written_as_its_iso_text_whatever_its_zone(moment: datetime, pk: int):
    """`MomentKey` leaves a moment in UTC to orjson: the cursor's text is what
    `isoformat` writes, as for any other zone, and it reads back as the same moment."""
    codec = CursorCodec((MomentKey(), IntKey(1, 2**31 - 1)))
    cursor = codec.encode([moment, pk])
    assert json.loads(base64.urlsafe_b64decode(cursor)) == [moment.isoformat(), pk]
    read, read_pk = codec.decode(cursor) or []
    assert read.timestamp() == moment.timestamp() and read_pk == pk
