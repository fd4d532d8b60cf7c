"""Automatic persisted queries (Apollo's protocol) through the real app: a hash the
server does not know, then the document with its hash, then the hash alone by POST and
by GET (with ETag revalidation), shared by two app instances when the bus is Redis."""

from __future__ import annotations

import hashlib
import json
import os
from typing import Any

import httpx
import pytest

from server import persisted_queries
from testkit.documents import ME_QUERY
from testkit.teams import Team

OTHER_QUERY = "query Who { me { id name } }"


def persisted(query: str) -> dict[str, Any]:
    digest = hashlib.sha256(query.encode()).hexdigest()
    return {"persistedQuery": {"version": 1, "sha256Hash": digest}}


def auth(team: Team) -> dict[str, str]:
    return {"authorization": f"Bearer {team.tokens['user']}"}


async def test_a_hash_is_answered_not_found_until_its_document_has_been_sent(
    team: Team, http: httpx.AsyncClient
):
    extensions = persisted(ME_QUERY)

    unknown = await http.post("/graphql", json={"extensions": extensions}, headers=auth(team))
    taught = await http.post(
        "/graphql", json={"query": ME_QUERY, "extensions": extensions}, headers=auth(team)
    )
    known = await http.post("/graphql", json={"extensions": extensions}, headers=auth(team))

    assert unknown.status_code == 200
    assert unknown.json() == {
        "errors": [
            {
                "message": "PersistedQueryNotFound",
                "extensions": {"code": "PERSISTED_QUERY_NOT_FOUND"},
            }
        ]
    }
    assert taught.json()["data"]["me"]["email"] == team.user.email
    assert known.json() == taught.json()


async def test_get_runs_a_persisted_query_and_revalidates_with_its_etag(
    team: Team, http: httpx.AsyncClient
):
    extensions = persisted(OTHER_QUERY)
    await http.post(
        "/graphql", json={"query": OTHER_QUERY, "extensions": extensions}, headers=auth(team)
    )
    params = {"extensions": json.dumps(extensions), "operationName": "Who"}

    first = await http.get("/graphql", params=params, headers=auth(team))
    again = await http.get(
        "/graphql", params=params, headers={**auth(team), "if-none-match": first.headers["etag"]}
    )
    manager = {"authorization": f"Bearer {team.tokens['manager']}"}
    await http.post(
        "/graphql", json={"query": OTHER_QUERY, "extensions": extensions}, headers=manager
    )
    someone_else = await http.get(
        "/graphql", params=params, headers={**manager, "if-none-match": first.headers["etag"]}
    )

    assert first.status_code == 200 and first.json()["data"]["me"]["name"] == team.user.name
    assert first.headers["cache-control"] == "private, no-cache"
    assert "Authorization" in first.headers["vary"]
    assert again.status_code == 304 and again.content == b""
    assert someone_else.status_code == 200
    assert someone_else.json()["data"]["me"]["name"] == team.manager.name


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"query": ME_QUERY, "extensions": persisted(OTHER_QUERY)}, "does not match"),
        ({"extensions": {"persistedQuery": {"version": 2, "sha256Hash": "0" * 64}}}, "version"),
        ({"extensions": {"persistedQuery": {"version": 1, "sha256Hash": "zz"}}}, "64"),
    ],
)
async def test_a_wrong_hash_or_version_is_a_bad_request(
    team: Team, http: httpx.AsyncClient, body: dict[str, Any], message: str
):
    answer = await http.post("/graphql", json=body, headers=auth(team))

    assert answer.status_code == 400
    (error,) = answer.json()["errors"]
    assert error["extensions"]["code"] == "BAD_REQUEST" and message in error["message"]


async def test_a_persisted_mutation_is_not_run_by_get(team: Team, http: httpx.AsyncClient):
    mutation = 'mutation { createLead(input: {name: "By GET"}) { lead { id } } }'
    extensions = persisted(mutation)
    await http.post(
        "/graphql", json={"query": mutation, "extensions": extensions}, headers=auth(team)
    )

    answer = await http.get(
        "/graphql", params={"extensions": json.dumps(extensions)}, headers=auth(team)
    )

    assert answer.status_code in (400, 405)
    assert "errors" in answer.json()


async def test_a_hash_runs_only_for_the_session_that_sent_its_document(
    team: Team, rival: Team, http: httpx.AsyncClient
):
    """Were a hash known to all, whether it runs would tell anyone whether someone had
    run that document, literals included: here a search in another workspace."""
    search = 'query Falcon { deals(filter: {search: "Project Falcon"}) { totalCount } }'
    extensions = persisted(search)
    strangers = {
        "rival": {"authorization": f"Bearer {rival.tokens['user']}"},
        "colleague": {"authorization": f"Bearer {team.tokens['manager']}"},
        "no one": {},
    }

    ran = await http.post(
        "/graphql", json={"query": search, "extensions": extensions}, headers=auth(team)
    )
    again = await http.post("/graphql", json={"extensions": extensions}, headers=auth(team))
    tried = {
        who: await http.post("/graphql", json={"extensions": extensions}, headers=headers)
        for who, headers in strangers.items()
    }

    assert ran.json()["data"]["deals"]["totalCount"] == 0
    assert again.json() == ran.json()
    for who, answer in tried.items():
        (error,) = answer.json()["errors"]
        assert error["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND", who


@pytest.mark.skipif(
    not os.environ.get("BROADCAST_URL", "").startswith("redis://"),
    reason="the shared store is Redis (BROADCAST_URL)",
)
async def test_two_app_instances_share_what_they_were_told(
    team: Team, http: httpx.AsyncClient, app_with: Any
):
    query = "query Shared { me { id email } }"
    extensions = persisted(query)
    await http.post("/graphql", json={"query": query, "extensions": extensions}, headers=auth(team))

    async with await app_with() as other:
        answer = await other.post("/graphql", json={"extensions": extensions}, headers=auth(team))

    assert answer.json()["data"]["me"]["email"] == team.user.email


@pytest.mark.skipif(
    not os.environ.get("BROADCAST_URL", "").startswith("redis://"),
    reason="the count is Redis's (the in-process store is bounded in bytes)",
)
async def test_one_session_stores_a_bounded_number_of_documents_in_redis(
    team: Team, http: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(persisted_queries, "MAX_DOCUMENTS_PER_SESSION", 2)
    documents = [f"query Count{n} {{ me {{ id }} }}" for n in range(3)]
    # The first sent twice is one document of the session's, not two.
    for document in [documents[0], *documents]:
        sent = await http.post(
            "/graphql",
            json={"query": document, "extensions": persisted(document)},
            headers=auth(team),
        )
        assert sent.json()["data"]["me"]["id"]

    again = [
        await http.post("/graphql", json={"extensions": persisted(d)}, headers=auth(team))
        for d in documents
    ]

    assert [("data" in answer.json()) for answer in again] == [True, True, False]
    assert again[2].json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"


async def test_only_documents_that_ran_for_someone_are_stored(team: Team, http: httpx.AsyncClient):
    anonymous = "query Anon { me { id } }"
    broken = "query Broken { nope }"
    for query, headers in ((anonymous, {}), (broken, auth(team))):
        await http.post(
            "/graphql", json={"query": query, "extensions": persisted(query)}, headers=headers
        )
        again = await http.post(
            "/graphql", json={"extensions": persisted(query)}, headers=auth(team)
        )
        assert again.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"


async def test_a_document_that_cannot_be_encoded_is_refused_not_a_server_error(
    team: Team, http: httpx.AsyncClient
):
    body = (
        b'{"query": "{ me { id } } # \\ud800", "extensions": {"persistedQuery": '
        b'{"version": 1, "sha256Hash": "' + b"0" * 64 + b'"}}}'
    )
    answer = await http.post(
        "/graphql",
        content=body.replace(b"\\\\", b"\\"),
        headers={**auth(team), "content-type": "application/json"},
    )
    assert answer.status_code == 400
