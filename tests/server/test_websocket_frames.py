"""Hostile WebSocket clients: sockets that never start, malformed frames. Each is closed
with its protocol's code (or answered with the protocol's error), and the server logs
no exception for any of it."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed
from websockets.typing import Subprotocol

from server.settings import Settings
from testkit.documents import ME_QUERY
from testkit.live import BOARD_EVENTS, PROTOCOLS, served_app
from testkit.servers import dealflow_server, env_of
from testkit.teams import Team

TRANSPORT, LEGACY = PROTOCOLS


@pytest.fixture
def server_log(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    """Everything the in-process server logs, uvicorn's own errors included (uvicorn's
    logger does not propagate to the root, where caplog listens)."""
    uvicorn_log = logging.getLogger("uvicorn")
    uvicorn_log.addHandler(caplog.handler)
    caplog.set_level(logging.INFO)
    try:
        yield caplog
    finally:
        uvicorn_log.removeHandler(caplog.handler)


def no_exception_logged(log: pytest.LogCaptureFixture) -> list[str]:
    """Errors and traces the server logged, except the GraphQL errors it answered with
    (Strawberry logs each of those, whatever the transport)."""
    return [
        f"{record.name}: {record.getMessage()}"
        for record in log.records
        if record.name != "strawberry.execution"
        and (
            record.exc_info or record.levelno >= logging.ERROR or "Traceback" in record.getMessage()
        )
    ]


async def closed_with(ws: ClientConnection) -> tuple[int, str, list[dict[str, Any]]]:
    """Read until the server closes: its close code and reason, and what came before."""
    messages: list[dict[str, Any]] = []
    try:
        while True:
            message = json.loads(await asyncio.wait_for(ws.recv(), timeout=5))
            if message["type"] not in ("ka", "ping", "pong"):
                messages.append(message)
    except ConnectionClosed as closed:
        assert closed.rcvd is not None, "the client closed first"
        return closed.rcvd.code, closed.rcvd.reason, messages


async def initialised(ws: ClientConnection, token: str) -> None:
    init = {"type": "connection_init", "payload": {"authorization": f"Bearer {token}"}}
    await ws.send(json.dumps(init))
    while (message := json.loads(await asyncio.wait_for(ws.recv(), 5)))["type"] != (
        "connection_ack"
    ):
        assert message["type"] in ("ka", "ping", "pong"), message


def operation(protocol: str, op_id: Any, payload: Any) -> str:
    kind = "subscribe" if protocol == TRANSPORT else "start"
    return json.dumps({"id": op_id, "type": kind, "payload": payload})


def me(protocol: str, op_id: Any = "1", **payload: Any) -> str:
    return operation(protocol, op_id, {"query": ME_QUERY, **payload})


BEFORE_INIT: dict[str, Any] = {
    "array": "[]",
    "number": "42",
    "string": '"connection_init"',
    "null": "null",
    "invalid JSON": "{not json",
    "binary": b"\x00\x01",
    "nested deep": "[" * 100_000 + "]" * 100_000,
    "huge": json.dumps({"type": "connection_init", "payload": {"x": "a" * 2_000_000}}),
    "no type": "{}",
    "type not a string": '{"type": ["connection_init"]}',
    "unknown type": '{"type": "hello"}',
    "init payload not an object": '{"type": "connection_init", "payload": [1]}',
}

AFTER_INIT: dict[str, Any] = {
    "query not a string": lambda p: operation(p, "1", {"query": 42}),
    "payload not an object": lambda p: operation(p, "1", [ME_QUERY]),
    "no payload": lambda p: operation(p, "1", None),
    "variables not an object": lambda p: me(p, variables=[1, 2]),
    "operation name not a string": lambda p: me(p, operationName={"a": 1}),
    "operation name a lone surrogate": lambda p: me(p, operationName="\ud800"),
    "id not a string": lambda p: me(p, op_id=1),
    "id missing": lambda p: me(p, op_id=None),
    "id too long": lambda p: me(p, op_id="x" * 1000),
    "stop without id": lambda p: json.dumps({"type": "complete" if p == TRANSPORT else "stop"}),
    "unknown type": lambda p: json.dumps({"id": "1", "type": "data", "payload": {}}),
    "array": lambda p: "[1]",
    "invalid JSON": lambda p: '{"id": "1", "type": ',
}


@pytest.mark.parametrize("protocol", PROTOCOLS)
@pytest.mark.parametrize("frame", BEFORE_INIT.values(), ids=BEFORE_INIT.keys())
async def test_a_malformed_frame_before_init_closes_with_4400(
    live_url, protocol: str, frame: Any, server_log
):
    async with connect(live_url, subprotocols=[Subprotocol(protocol)], max_size=None) as ws:
        await ws.send(frame)
        code, reason, _ = await closed_with(ws)

    assert code == 4400, reason
    assert no_exception_logged(server_log) == []


@pytest.mark.parametrize("protocol", PROTOCOLS)
@pytest.mark.parametrize("frame", AFTER_INIT.values(), ids=AFTER_INIT.keys())
async def test_a_malformed_frame_closes_with_4400(
    live_url, team: Team, protocol: str, frame: Any, server_log
):
    async with connect(live_url, subprotocols=[Subprotocol(protocol)]) as ws:
        await initialised(ws, team.tokens["user"])
        await ws.send(frame(protocol))
        code, reason, _ = await closed_with(ws)

    assert code == 4400, reason
    assert no_exception_logged(server_log) == []


async def test_a_syntax_error_is_a_protocol_error(live_url, team: Team, server_log):
    """graphql-transport-ws closes with 4400 (its spec); graphql-ws answers `error`."""
    async with connect(live_url, subprotocols=[Subprotocol(TRANSPORT)]) as ws:
        await initialised(ws, team.tokens["user"])
        await ws.send(operation(TRANSPORT, "1", {"query": "subscription { boardEvents("}))
        code, _, _ = await closed_with(ws)
    async with connect(live_url, subprotocols=[Subprotocol(LEGACY)]) as ws:
        await initialised(ws, team.tokens["user"])
        await ws.send(operation(LEGACY, "1", {"query": "subscription { boardEvents("}))
        error = json.loads(await asyncio.wait_for(ws.recv(), 5))

    assert code == 4400
    assert error["type"] == "error" and error["id"] == "1"
    assert no_exception_logged(server_log) == []


async def test_a_duplicate_id_closes_with_4409(live_url, team: Team, process_id: str, server_log):
    async with connect(live_url, subprotocols=[Subprotocol(TRANSPORT)]) as ws:
        await initialised(ws, team.tokens["user"])
        board = {"query": BOARD_EVENTS, "variables": {"processId": process_id}}
        await ws.send(operation(TRANSPORT, "1", board))
        await ws.send(operation(TRANSPORT, "1", board))
        code, _, _ = await closed_with(ws)

    assert code == 4409
    assert no_exception_logged(server_log) == []


@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_a_socket_that_never_initialises_is_closed_with_4408(
    settings: Settings, orm: None, protocol: str, server_log
):
    async with (
        served_app(settings.replace(ws_init_timeout_seconds=0.5)) as served,
        connect(served.url, subprotocols=[Subprotocol(protocol)]) as ws,
    ):
        code, reason, _ = await closed_with(ws)

    assert code == 4408 and "timeout" in reason
    assert no_exception_logged(server_log) == []


@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_an_initialised_socket_outlives_the_init_timeout(
    settings: Settings, team: Team, protocol: str
):
    async with (
        served_app(settings.replace(ws_init_timeout_seconds=0.3)) as served,
        connect(served.url, subprotocols=[Subprotocol(protocol)]) as ws,
    ):
        await initialised(ws, team.tokens["user"])
        await asyncio.sleep(0.8)
        await ws.send(me(protocol))
        answer = json.loads(await asyncio.wait_for(ws.recv(), 5))
        while answer["type"] in ("ka", "ping", "pong"):
            answer = json.loads(await asyncio.wait_for(ws.recv(), 5))

    assert answer["type"] in ("next", "data", "error"), answer


async def test_dealflow_serve_refuses_a_huge_frame_unread(settings: Settings, orm, team: Team):
    """`dealflow serve` caps frames at MAX_REQUEST_BYTES in uvicorn: 1009, no trace;
    the server goes on answering."""
    async with dealflow_server(**env_of(settings, MAX_REQUEST_BYTES="65536")) as server:
        async with connect(server.ws_url, subprotocols=[Subprotocol(TRANSPORT)]) as ws:
            await initialised(ws, team.tokens["user"])
            await ws.send(me(TRANSPORT, query="{ me { id } }" + " " * 200_000))
            code, _, _ = await closed_with(ws)
        async with httpx.AsyncClient() as http:
            health = await http.get(f"{server.base_url}/healthz", timeout=10)
        log = server.log_text()

    assert code == 1009
    assert health.status_code == 200
    assert "Traceback" not in log
