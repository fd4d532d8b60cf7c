"""Depth, alias and size limits: refused before anything runs, in time linear in the
document, whatever its fragments (issue 11, defect 1); and before validation, whose
comparison of same-named fields is quadratic."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from strawberry.extensions.parser_cache import _get_parse_cache

from models.deal import Deal
from schema.kept import KEPT_DOCUMENTS
from schema.limits import DEFAULT_MAX_DOCUMENT_CHARS
from server.settings import Settings
from testkit.clients import GraphQLClient
from testkit.documents import CREATE_DEAL_MUTATION, ME_QUERY
from testkit.live import BOARD_EVENTS, PROTOCOLS, live_client
from testkit.servers import dealflow_server, env_of
from testkit.teams import Team


def fragment_bomb(levels: int, body: str = "...F{p} ...F{p}", root: str = "me") -> str:
    """`fragment F{i} on User { ...F{i-1} ...F{i-1} }`: 2^levels fields in ~1 KB."""
    fragments = ["fragment F0 on User { id }"] + [
        f"fragment F{i} on User {{ {body.format(p=i - 1)} }}" for i in range(1, levels + 1)
    ]
    return f"query {{ {root} {{ ...F{levels} }} }} " + " ".join(fragments)


BOMBS = {
    "doubling": fragment_bomb(29),
    "aliases in fragments": fragment_bomb(29, "a: id ...F{p} ...F{p}"),
    "inline fragments": fragment_bomb(29, "... on User {{ ...F{p} }} ... {{ ...F{p} }}"),
    "deep through fragments": " ".join(
        ["query { me { ...D40 } }", "fragment D0 on User { id }"]
        + [
            f"fragment D{i} on User {{ workspace {{ owner {{ ...D{i - 1} }} }} }}"
            for i in range(1, 41)
        ]
    ),
    "cycle": "query { me { ...A } } fragment A on User { ...B } fragment B on User { ...A }",
    # Validation compares every pair of same-named fields (1.5 s for this one, 7.8 KB).
    "repeated fields": "{" + " processes { stages { id } }" * 280 + "}",
    "fragments side by side": " ".join(
        [f"fragment P{i} on Query {{ processes {{ stages {{ id }} }} }}" for i in range(45)]
        + ["{" + " ".join(f"...P{i}" for i in range(45)) + "}"]
    ),
}


@pytest.mark.parametrize("name", list(BOMBS))
async def test_fragment_bombs_are_refused_without_a_token(http: httpx.AsyncClient, name: str):
    response = await http.post("/graphql", json={"query": BOMBS[name]}, timeout=30)

    body = response.json()
    assert body.get("data") is None
    assert body["errors"], body
    if name != "cycle":
        assert body["errors"][0]["extensions"]["code"] == "QUERY_TOO_COMPLEX"


async def test_a_fragment_bomb_does_not_stop_the_server_answering_others(
    settings: Settings, orm: None
):
    async with (
        dealflow_server(**env_of(settings)) as server,
        httpx.AsyncClient(timeout=60) as http,
    ):
        bombs = [http.post(server.http_url, json={"query": BOMBS[name]}) for name in BOMBS]
        health = [http.get(f"{server.base_url}/healthz") for _ in range(5)]
        answers = await asyncio.gather(*bombs, *health)

    refused, healthy = answers[: len(BOMBS)], answers[len(BOMBS) :]
    assert all(answer.json().get("data") is None for answer in refused)
    assert all(answer.status_code == 200 for answer in healthy)


async def test_fields_repeated_across_a_clients_fragments_are_fine(
    user_client: GraphQLClient, process_id: str
):
    """Component fragments each ask for `id`: a few pairs, well within the bound."""
    fragments = " ".join(
        f"fragment Card{i} on Deal {{ id name value owner {{ id name }} }}" for i in range(8)
    )
    spreads = " ".join(f"...Card{i}" for i in range(8))
    document = (
        "query Board($processId: ID!) { board(processId: $processId) { columns { "
        f"deals {{ edges {{ node {{ id {spreads} }} }} }} }} }} }} {fragments}"
    )

    data = await user_client.data(document, {"processId": process_id})

    assert data["board"]["columns"]


def padded(document: str, length: int) -> str:
    """`document` and a comment, `length` characters in all (no token more)."""
    return document + "\n#" + "x" * (length - len(document) - 2)


def parse_misses() -> int:
    """How many documents the shared parser cache has parsed (and kept)."""
    info = _get_parse_cache(KEPT_DOCUMENTS).cache_info()
    return int(info.misses)


async def test_a_document_longer_than_the_limit_is_refused_and_not_kept(
    user_client: GraphQLClient, team: Team
):
    """Comments and spaces are no tokens, and documents are kept by their text: a
    client could pad 256 documents to the body's limit and have them held."""
    limit = DEFAULT_MAX_DOCUMENT_CHARS
    at_limit = await user_client.post(padded(ME_QUERY, limit))
    misses = parse_misses()
    over = [await user_client.post(padded(ME_QUERY, limit + 1 + n), {}) for n in range(3)]
    mutation = await user_client.post(
        padded(CREATE_DEAL_MUTATION, limit + 1), {"input": {"name": "Padded", "value": "1"}}
    )

    assert at_limit["data"]["me"]["email"] == team.user.email
    for refused in [*over, mutation]:
        assert refused.get("data") is None
        assert [e["extensions"]["code"] for e in refused["errors"]] == ["QUERY_TOO_COMPLEX"]
    assert f"{limit + 1} characters long" in over[0]["errors"][0]["message"]
    assert f"Allowed: {limit}." in over[0]["errors"][0]["message"]
    assert parse_misses() == misses, "parsed, refused, and kept by no cache"
    assert not await Deal.filter(name="Padded").exists()


@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_a_subscription_longer_than_the_limit_is_refused_at_the_start(
    live_url: str, team: Team, process_id: str, protocol: str
):
    long = padded(BOARD_EVENTS, DEFAULT_MAX_DOCUMENT_CHARS + 1)
    async with live_client(live_url, team.tokens["user"], protocol) as client:
        await client.subscribe("long", long, processId=process_id)
        refused = await client.message("long")

    payload = refused["payload"]
    errors = payload.get("errors", [payload]) if isinstance(payload, dict) else payload
    assert [e["extensions"]["code"] for e in errors] == ["QUERY_TOO_COMPLEX"]
