"""Both WebSocket sub-protocols over a real uvicorn server, token in `connection_init`."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from models.account import AuthToken, Role
from testkit.documents import ME_QUERY
from testkit.teams import Team


async def receive(ws: ClientConnection) -> dict[str, Any]:
    while True:
        message: dict[str, Any] = json.loads(await asyncio.wait_for(ws.recv(), timeout=5))
        if message["type"] not in ("ka", "ping", "pong"):
            return message


async def test_graphql_transport_ws_runs_an_operation_as_the_token_user(live_url, team: Team):
    async with connect(live_url, subprotocols=["graphql-transport-ws"]) as ws:
        await ws.send(
            json.dumps(
                {
                    "type": "connection_init",
                    "payload": {"authorization": f"Bearer {team.tokens['manager']}"},
                }
            )
        )
        assert (await receive(ws))["type"] == "connection_ack"
        await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": ME_QUERY}}))
        result = await receive(ws)
        done = await receive(ws)

    assert result["type"] == "next"
    assert result["payload"]["data"]["me"]["email"] == team.manager.email
    assert done == {"id": "1", "type": "complete"}


async def test_legacy_graphql_ws_acknowledges_a_valid_token(live_url, team: Team):
    """The legacy protocol carries subscriptions only; its handshake authenticates."""
    async with connect(live_url, subprotocols=["graphql-ws"]) as ws:
        await ws.send(
            json.dumps(
                {
                    "type": "connection_init",
                    "payload": {"authorization": f"Bearer {team.tokens['user']}"},
                }
            )
        )
        ack = await receive(ws)

    assert ws.subprotocol == "graphql-ws"
    assert ack["type"] == "connection_ack"


async def test_a_query_on_the_legacy_protocol_is_a_coded_refusal_not_a_server_error(
    live_url, team: Team, caplog: pytest.LogCaptureFixture
):
    """graphql-ws carries subscriptions only: a query is the client's mistake, answered
    with an error frame and one INFO line, never an ERROR with a trace."""
    async with connect(live_url, subprotocols=["graphql-ws"]) as ws:
        init = {"authorization": f"Bearer {team.tokens['user']}"}
        await ws.send(json.dumps({"type": "connection_init", "payload": init}))
        assert (await receive(ws))["type"] == "connection_ack"
        await ws.send(json.dumps({"id": "1", "type": "start", "payload": {"query": ME_QUERY}}))
        answer = await receive(ws)

    assert answer["type"] == "error"
    assert answer["payload"]["extensions"]["code"] == "BAD_REQUEST"
    assert not [r for r in caplog.records if r.levelname == "ERROR"]


@pytest.mark.parametrize("payload", [{}, {"authorization": "Bearer not-a-token"}, None])
async def test_graphql_transport_ws_without_a_valid_token_is_closed(live_url, team, payload):
    async with connect(live_url, subprotocols=["graphql-transport-ws"]) as ws:
        message: dict[str, Any] = {"type": "connection_init"}
        if payload is not None:
            message["payload"] = payload
        await ws.send(json.dumps(message))
        with pytest.raises(ConnectionClosed) as closed:
            await receive(ws)

    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4403


async def test_legacy_graphql_ws_without_a_valid_token_is_refused(live_url, team):
    async with connect(live_url, subprotocols=["graphql-ws"]) as ws:
        await ws.send(
            json.dumps({"type": "connection_init", "payload": {"authorization": "Bearer stolen"}})
        )
        answer: dict[str, Any] | None = None
        with pytest.raises(ConnectionClosed) as closed:
            answer = await receive(ws)
            await receive(ws)

    assert answer is not None and answer["type"] == "connection_error"
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4403


async def test_an_operation_before_connection_init_is_refused(live_url, team):
    async with connect(live_url, subprotocols=["graphql-transport-ws"]) as ws:
        await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": ME_QUERY}}))
        with pytest.raises(ConnectionClosed) as closed:
            await receive(ws)

    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4401


async def _run(ws: ClientConnection, op_id: str, query: str) -> dict[str, Any]:
    await ws.send(json.dumps({"id": op_id, "type": "subscribe", "payload": {"query": query}}))
    result = await receive(ws)
    assert result["type"] in ("next", "error")
    if result["type"] == "next":
        assert (await receive(ws))["type"] == "complete"
    return result


@pytest.mark.parametrize("change", ["deactivate", "revoke", "expire", "demote"])
async def test_an_open_socket_follows_changes_to_its_token_and_user(
    live_url, team: Team, change: str
):
    async with connect(live_url, subprotocols=["graphql-transport-ws"]) as ws:
        await ws.send(
            json.dumps(
                {
                    "type": "connection_init",
                    "payload": {"authorization": f"Bearer {team.tokens['admin']}"},
                }
            )
        )
        assert (await receive(ws))["type"] == "connection_ack"
        before = await _run(ws, "1", "{ me { role } }")
        tokens = AuthToken.filter(user_id=team.admin.id)
        if change == "deactivate":
            team.admin.active = False
        elif change == "demote":
            team.admin.role = Role.USER
        await team.admin.save()
        if change == "revoke":
            await tokens.update(revoked_at=datetime.now(UTC))
        elif change == "expire":
            await tokens.update(expires_at=datetime.now(UTC) - timedelta(seconds=1))
        after = await _run(ws, "2", "{ me { role } }")

    assert before["payload"]["data"]["me"]["role"] == "ADMIN"
    if change == "demote":
        assert after["payload"]["data"]["me"]["role"] == "USER"
    else:
        assert after["payload"]["data"]["me"] is None
        assert after["payload"]["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
