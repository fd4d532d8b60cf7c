"""GraphQL over HTTP's media type: a client that prefers
`application/graphql-response+json` gets it, and a request error (a document that does
not parse or validate, variables that do not coerce) as 400 with no `data`; with
`application/json` such errors stay 200 (the spec's advice for legacy clients)."""

from __future__ import annotations

import httpx
import pytest

from testkit.teams import Team

MODERN = "application/graphql-response+json, application/json;q=0.9"


def headers(team: Team, accept: str) -> dict[str, str]:
    return {"accept": accept, "authorization": f"Bearer {team.tokens['user']}"}


@pytest.mark.parametrize(
    "body",
    [
        {"query": "{ me { id "},
        {"query": "{ nope }"},
        {"query": "query($id: ID!) { deal(id: $id) { id } }", "variables": {"id": [1]}},
    ],
)
async def test_a_request_error_is_400_without_data_for_graphql_response_json(
    team: Team, http: httpx.AsyncClient, body: dict[str, object]
):
    modern = await http.post("/graphql", json=body, headers=headers(team, MODERN))
    legacy = await http.post("/graphql", json=body, headers=headers(team, "application/json"))

    assert modern.status_code == 400
    assert modern.headers["content-type"] == "application/graphql-response+json; charset=utf-8"
    assert "data" not in modern.json() and modern.json()["errors"]
    assert legacy.status_code == 200 and legacy.headers["content-type"] == "application/json"
    assert legacy.json()["data"] is None


async def test_an_executed_operation_keeps_200_and_data_in_either_media_type(
    team: Team, http: httpx.AsyncClient
):
    ok = await http.post("/graphql", json={"query": "{ me { id } }"}, headers=headers(team, MODERN))
    refused = await http.post(
        "/graphql", json={"query": "{ me { id } }"}, headers={"accept": MODERN}
    )

    assert ok.status_code == 200 and ok.json()["data"]["me"]["id"]
    assert ok.headers["content-type"].startswith("application/graphql-response+json")
    assert refused.status_code == 200 and refused.json()["data"] == {"me": None}
    assert refused.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


@pytest.mark.parametrize(
    ("accept", "modern"),
    [
        ("application/json", False),
        ("*/*", False),
        ("application/json, application/graphql-response+json;q=0.5", False),
        ("application/graphql-response+json;q=0", False),
        ("application/graphql-response+json", True),
        ("application/json;q=0.5, application/graphql-response+json", True),
    ],
)
async def test_the_media_type_follows_the_accept_header(
    team: Team, http: httpx.AsyncClient, accept: str, modern: bool
):
    answer = await http.post(
        "/graphql", json={"query": "{ me { id } }"}, headers=headers(team, accept)
    )
    expected = "application/graphql-response+json" if modern else "application/json"
    assert answer.headers["content-type"].startswith(expected)


async def test_a_subscription_over_http_is_refused_not_run(team: Team, http: httpx.AsyncClient):
    body = {"query": "subscription { notifications { id } }"}
    answer = await http.post("/graphql", json=body, headers=headers(team, MODERN))

    assert answer.status_code == 400
    assert answer.json()["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
