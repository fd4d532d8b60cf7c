"""Expected refusals log one line at INFO; only unexpected errors log a traceback
(issue 11, defect 10)."""

from __future__ import annotations

import logging

import httpx
import pytest

from resolvers.accounts import users
from testkit.clients import GraphQLClient
from testkit.documents import CREATE_USER_MUTATION, ME_QUERY, USERS_QUERY


def tracebacks(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [
        record
        for record in caplog.records
        if record.exc_info or "Traceback" in record.getMessage() or record.levelno >= logging.ERROR
    ]


async def test_expected_refusals_log_one_line_without_a_traceback(
    http: httpx.AsyncClient, team, caplog: pytest.LogCaptureFixture
):
    caplog.set_level(logging.INFO)
    new_user = {
        "input": {"email": "x@example.com", "name": "X", "role": "USER", "password": "p" * 12}
    }

    refused = await team.client(http, "user").post(CREATE_USER_MUTATION, new_user)
    bad_token = await GraphQLClient(http, "not-a-token").post(ME_QUERY)
    syntax = await GraphQLClient(http).post("{ me { id ")
    invalid = await GraphQLClient(http).post("{ nothingHere }")

    assert refused["data"]["createUser"]["errors"][0]["code"] == "FORBIDDEN"
    for body in (bad_token, syntax, invalid):
        assert body["errors"], body
    assert tracebacks(caplog) == []
    refusals = [r for r in caplog.records if r.getMessage().startswith("refused")]
    assert len(refusals) >= 3
    assert all(r.levelno == logging.INFO and "\n" not in r.getMessage() for r in refusals)


async def test_unexpected_errors_still_log_their_traceback(
    admin_client: GraphQLClient, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
):
    async def broken(actor: object) -> list[object]:
        raise RuntimeError("a bug")

    monkeypatch.setattr(users, "workspace_users", broken)

    body = await admin_client.post(USERS_QUERY)

    assert [e["message"] for e in body["errors"]] == ["Unexpected error."]
    assert any(
        record.exc_info or "RuntimeError" in record.getMessage() for record in tracebacks(caplog)
    )
