"""Logs as an operator reads them, from a real `dealflow serve` with LOG_FORMAT=json:
every line a JSON object with the request id the answer carried; one line per GraphQL
operation with its name, user, workspace, status, duration and outcome; never a
password or any other value a client sent."""

from __future__ import annotations

import json
import re
from pathlib import Path

import httpx

from server.settings import Settings
from testkit.servers import dealflow_server, env_of
from testkit.teams import Team

SECRET = "hunter2-very-secret"
LOGIN = "mutation Login($input: LoginInput!) { login(input: $input) { token errors { code } } }"


async def test_json_lines_with_request_ids_and_no_values(
    settings: Settings, team: Team, tmp_path: Path
):
    log_file = tmp_path / "server.log"
    async with (
        dealflow_server(log=log_file, **env_of(settings, LOG_FORMAT="json")) as server,
        httpx.AsyncClient() as http,
    ):
        wrong = await http.post(
            server.http_url,
            json={
                "query": LOGIN,
                "variables": {"input": {"email": team.user.email, "password": SECRET}},
            },
            headers={"x-request-id": "req-given-1"},
        )
        coerced = await http.post(
            server.http_url,
            json={"query": LOGIN, "variables": {"input": {"email": 5, "password": SECRET}}},
            headers={"traceparent": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"},
        )
        syntax = await http.post(
            server.http_url,
            json={"query": f'{{ me(x: "{SECRET}" }}'},
            headers={"x-request-id": "bad id with spaces"},
        )
        single_quoted = await http.post(
            server.http_url,
            json={
                "query": "query Page($n: Int) { deals(first: $n) { totalCount } }",
                "variables": {"n": SECRET},
            },
            headers={"authorization": f"Bearer {team.tokens['user']}"},
        )
        mine = await http.post(
            server.http_url,
            json={"query": "query Me { me { id } }"},
            headers={"authorization": f"Bearer {team.tokens['user']}"},
        )
    log = log_file.read_text()

    assert wrong.headers["x-request-id"] == "req-given-1"
    assert coerced.headers["x-request-id"] == "4bf92f3577b34da6a3ce929d0e0e4736"
    assert re.fullmatch(r"[0-9a-f]{32}", syntax.headers["x-request-id"])
    assert single_quoted.json()["errors"][0]["extensions"]["code"] == "VALIDATION"
    assert SECRET not in log
    records = [json.loads(line) for line in log.splitlines() if line.startswith("{")]
    assert records and len(records) == len([ln for ln in log.splitlines() if ln.strip()])
    access = {r["request_id"]: r for r in records if r["logger"] == "dealflow.access"}
    assert access["req-given-1"]["operation"] == "Login"
    assert access["req-given-1"]["outcome"] == "ok"  # a wrong password is a payload error
    assert access["4bf92f3577b34da6a3ce929d0e0e4736"]["outcome"] == "VALIDATION"
    me = access[mine.headers["x-request-id"]]
    assert (me["user_id"], me["workspace_id"]) == (team.user.id, team.workspace.id)
    assert me["status"] == 200 and me["duration_ms"] >= 0
    assert {"time", "level", "logger", "message", "request_id"} <= set(me)
