"""Text the database cannot store (NUL, control characters, lone surrogates,
noncharacters) is refused with VALIDATION for every input, before any resolver runs, the
same on both backends, and changes nothing."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from testkit.clients import GraphQLClient
from testkit.database import every_row
from testkit.deals import create_deal, steps_by_name
from testkit.documents import (
    BOARD_QUERY,
    COMPLETE_STEP_MUTATION,
    CREATE_DEAL_MUTATION,
    CREATE_PROCESS_MUTATION,
    CREATE_TASK_MUTATION,
    CREATE_USER_MUTATION,
    DEAL_QUERY,
    DEALS_QUERY,
    HISTORY_QUERY,
    LOGIN_MUTATION,
    LOSE_DEAL_MUTATION,
    NODE_QUERY,
    REQUEST_ACCESS_MUTATION,
    UPDATE_DEAL_MUTATION,
    UPDATE_TASK_MUTATION,
    UPDATE_USER_MUTATION,
)
from testkit.live import DEAL_EVENTS, PROTOCOLS, live_client
from testkit.teams import Team

NUL = "\x00"
LONE_SURROGATE = "\ud800"
# Each refused: other C0 controls, DEL, the C1 range and a noncharacter.
OTHERS = ("\x1b", "\x7f", "\x85", "\ufffe", "\U0010ffff")


async def post_escaped(
    client: GraphQLClient, query: str, variables: dict[str, Any]
) -> dict[str, Any]:
    """Post as JSON with non-ASCII escaped (`\\ud800`), as a JavaScript client would send a
    lone surrogate (httpx's own JSON encoding cannot encode one)."""
    headers = {"content-type": "application/json"}
    if client.token:
        headers["authorization"] = f"Bearer {client.token}"
    response = await client.http.post(
        "/graphql", content=json.dumps({"query": query, "variables": variables}), headers=headers
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


@dataclass
class Given:
    team: Team
    deal: str
    task: str
    step: str
    process: str
    clients: dict[str, GraphQLClient]


Case = tuple[str, str, Callable[[Given, str], dict[str, Any]]]

CASES: list[Case] = [
    ("admin", CREATE_DEAL_MUTATION, lambda g, t: {"input": {"name": f"Fleet{t}"}}),
    ("admin", CREATE_DEAL_MUTATION, lambda g, t: {"input": {"name": "F", "company": t}}),
    ("admin", CREATE_DEAL_MUTATION, lambda g, t: {"input": {"name": "F", "contactPerson": t}}),
    ("admin", CREATE_DEAL_MUTATION, lambda g, t: {"input": {"name": "F", "source": t}}),
    ("admin", CREATE_DEAL_MUTATION, lambda g, t: {"input": {"name": "F", "idempotencyKey": t}}),
    ("admin", CREATE_DEAL_MUTATION, lambda g, t: {"input": {"name": "F", "value": f"1{t}"}}),
    ("admin", CREATE_DEAL_MUTATION, lambda g, t: {"input": {"name": "F", "ownerId": t}}),
    (
        "admin",
        UPDATE_DEAL_MUTATION,
        lambda g, t: {"input": {"id": g.deal, "version": 1, "name": t}},
    ),
    ("admin", UPDATE_DEAL_MUTATION, lambda g, t: {"input": {"id": g.deal + t, "version": 1}}),
    ("admin", LOSE_DEAL_MUTATION, lambda g, t: {"input": {"dealId": g.deal, "reason": t}}),
    (
        "admin",
        COMPLETE_STEP_MUTATION,
        lambda g, t: {"input": {"dealId": g.deal, "stepId": g.step, "note": f"ok{t}"}},
    ),
    ("admin", CREATE_TASK_MUTATION, lambda g, t: {"input": {"title": t, "dealId": g.deal}}),
    ("admin", UPDATE_TASK_MUTATION, lambda g, t: {"input": {"id": g.task, "title": t}}),
    (
        "admin",
        CREATE_USER_MUTATION,
        lambda g, t: {
            "input": {"email": f"x{t}@example.com", "name": "X", "password": "long enough pw"}
        },
    ),
    (
        "admin",
        CREATE_USER_MUTATION,
        lambda g, t: {
            "input": {"email": "x@example.com", "name": "X", "password": f"long enough{t}"}
        },
    ),
    ("admin", UPDATE_USER_MUTATION, lambda g, t: {"input": {"id": g.clients["id"], "name": t}}),
    ("anonymous", LOGIN_MUTATION, lambda g, t: {"email": f"a{t}@example.com", "password": "x"}),
    ("anonymous", LOGIN_MUTATION, lambda g, t: {"email": "a@example.com", "password": t}),
    (
        "admin",
        CREATE_PROCESS_MUTATION,
        lambda g, t: {
            "input": {"name": "P", "stages": [{"name": "S", "steps": [{"name": t, "weight": 1}]}]}
        },
    ),
    ("user", REQUEST_ACCESS_MUTATION, lambda g, t: {"id": g.deal, "key": t}),
    ("admin", DEALS_QUERY, lambda g, t: {"filter": {"search": t}}),
    ("admin", DEALS_QUERY, lambda g, t: {"after": t}),
    ("admin", BOARD_QUERY, lambda g, t: {"processId": g.process, "filter": {"search": t}}),
    ("admin", DEAL_QUERY, lambda g, t: {"id": t}),
    ("admin", NODE_QUERY, lambda g, t: {"id": g.deal + t}),
    ("admin", HISTORY_QUERY, lambda g, t: {"id": g.deal, "after": t}),
    ("admin", DEALS_QUERY, lambda g, t: {"filter": {"ownerIds": [t]}}),
]


@pytest.fixture
async def given(team: Team, http: Any) -> Given:
    admin = team.client(http, "admin")
    deal = await create_deal(admin, name="Fleet renewal")
    task = await admin.mutate(
        CREATE_TASK_MUTATION, {"input": {"title": "Call", "dealId": deal["id"]}}
    )
    steps = await steps_by_name(admin)
    processes = (await admin.data("{ processes { id } }"))["processes"]
    users = (await admin.data("{ users { id role } }"))["users"]
    clients = {
        "admin": admin,
        "user": team.client(http, "user"),
        "anonymous": GraphQLClient(http),
        "id": next(u["id"] for u in users if u["role"] == "USER"),
    }
    return Given(
        team,
        deal["id"],
        task["task"]["id"],
        next(iter(steps.values())),
        processes[0]["id"],
        clients,  # type: ignore[arg-type]
    )


@pytest.mark.parametrize("text", [NUL, LONE_SURROGATE], ids=["nul", "lone-surrogate"])
@pytest.mark.parametrize("case", CASES, ids=[f"{i}" for i in range(len(CASES))])
async def test_unstorable_text_in_any_input_is_refused_and_changes_nothing(
    given: Given, case: Case, text: str
):
    who, document, variables = case
    client = given.clients[who]
    before = await every_row()

    body = await post_escaped(client, document, variables(given, text))

    assert body.get("data") is None, body
    (error,) = body["errors"]
    assert error["extensions"]["code"] == "VALIDATION", error
    assert await every_row() == before


@pytest.mark.parametrize("text", OTHERS)
async def test_other_control_characters_and_noncharacters_are_refused(given: Given, text: str):
    body = await post_escaped(
        given.clients["admin"], CREATE_DEAL_MUTATION, {"input": {"name": f"Fleet{text}"}}
    )

    assert body["errors"][0]["extensions"] == {"code": "VALIDATION", "field": ["input", "name"]}


async def test_tabs_line_breaks_and_any_real_unicode_are_kept(given: Given):
    name = "Fleet\trenewal\r\nfor Zoë 😀, 東京, مرحبا"

    payload = await given.clients["admin"].mutate(
        CREATE_DEAL_MUTATION, {"input": {"name": "X", "company": name}}
    )

    assert payload["errors"] == []
    assert payload["deal"]["company"] == name


async def test_a_literal_in_the_document_is_checked_too(given: Given):
    before = await every_row()

    body = await given.clients["admin"].post(
        'mutation { createDeal(input: {name: "a\\u0000b"}) { deal { id } errors { code } } }'
    )

    assert body["errors"][0]["extensions"]["code"] == "VALIDATION"
    assert await every_row() == before


async def test_an_uploaded_file_name_is_checked_too(given: Given):
    operations = {
        "query": COMPLETE_STEP_MUTATION,
        "variables": {"input": {"dealId": given.deal, "stepId": given.step, "file": None}},
    }
    before = await every_row()

    response = await given.clients["admin"].http.post(
        "/graphql",
        data={
            "operations": json.dumps(operations),
            "map": json.dumps({"0": ["variables.input.file"]}),
        },
        files={"0": ("offer\x1b.pdf", b"%PDF", "application/pdf")},
        headers={
            "authorization": f"Bearer {given.team.tokens['admin']}",
            "x-apollo-operation-name": "CompleteStep",
        },
    )

    assert response.json()["errors"][0]["extensions"]["code"] == "VALIDATION"
    assert await every_row() == before


@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_a_subscription_is_checked_too(live_url: str, given: Given, protocol: str):
    async with live_client(live_url, given.team.tokens["admin"], protocol) as phone:
        await phone.subscribe("deal", DEAL_EVENTS, dealId=given.deal, after=f"x{NUL}")
        message = await phone.message("deal")

    payload = message["payload"]
    # graphql-transport-ws: an `error` with a list; graphql-ws: `data` with errors, or an
    # `error` with one.
    errors = payload if isinstance(payload, list) else payload.get("errors", [payload])
    assert errors[0]["extensions"]["code"] == "VALIDATION", message
