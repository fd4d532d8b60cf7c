"""The fuzz run over WebSockets, both sub-protocols: a socket opened as a role (or with
no token, a bad one, or no `connection_init` at all), then random frames: operations
generated from the schema (subscriptions, queries, mutations), frames of the protocol
with wrong ids and payloads, frames of the other protocol, JSON that is not an object,
text that is not JSON, binary frames. The server answers by the protocol or closes
with a documented code, and logs no error."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed
from websockets.typing import Subprotocol

from testkit.live import PROTOCOLS
from tests.fuzz.documents import operations, root_fields
from tests.fuzz.oracle import Failure, check_result, watching_logs
from tests.fuzz.profiles import fuzz_settings
from tests.fuzz.values import HOSTILE_TEXT, scalar_strategies
from tests.fuzz.world import ROLES, World

# What each sub-protocol's server may send.
SERVER_MESSAGES = {
    "graphql-transport-ws": {"connection_ack", "ping", "pong", "next", "error", "complete"},
    "graphql-ws": {"connection_ack", "connection_error", "ka", "data", "error", "complete"},
}
CLIENT_MESSAGES = {
    "graphql-transport-ws": ["connection_init", "ping", "pong", "subscribe", "complete"],
    "graphql-ws": ["connection_init", "start", "stop", "connection_terminate"],
}
# Close codes the README, the sub-protocols and RFC 6455 document: normal, going away,
# protocol error (a binary frame on the legacy sub-protocol), unsupported or invalid
# data, too big, try again later (database outage), bad message, unauthorised,
# forbidden, sub-protocol not acceptable, init timeout, duplicate id, too many inits or
# over a rate limit. Not 1011 (an internal error) nor 1006 (the server dropped the
# connection without a close).
DOCUMENTED_CLOSE_CODES = {1000, 1001, 1002, 1003, 1007, 1009, 1013}
DOCUMENTED_CLOSE_CODES |= {4400, 4401, 4403, 4406, 4408, 4409, 4429}
QUIET_SECONDS = 0.3


def _json() -> st.SearchStrategy[Any]:
    leaves = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text()
    return st.recursive(
        leaves,
        lambda inner: (
            st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
        ),
        max_leaves=6,
    )


ids = st.one_of(
    st.sampled_from(["1", "2", "1"]),
    st.sampled_from(HOSTILE_TEXT),
    st.integers(),
    st.none(),
)


@st.composite
def frames(draw: st.DrawFn, protocol: str, scalars: dict[str, Any]) -> str | bytes:
    """One frame from the client."""
    kind = draw(
        st.sampled_from(["operation", "operation", "operation", "protocol", "other", "raw"])
    )
    if kind == "operation":
        op_kind = draw(st.sampled_from(["subscription", "subscription", "query", "mutation"]))
        field = draw(st.sampled_from(root_fields(op_kind)))
        operation = draw(operations(op_kind, field, scalars))
        start = "subscribe" if protocol == "graphql-transport-ws" else "start"
        return json.dumps({"id": draw(ids), "type": start, "payload": operation.body()})
    if kind == "protocol":
        message: dict[str, Any] = {"type": draw(st.sampled_from(CLIENT_MESSAGES[protocol]))}
        if draw(st.booleans()):
            message["id"] = draw(ids)
        if draw(st.booleans()):
            message["payload"] = draw(_json())
        return json.dumps(message)
    if kind == "other":
        other = next(p for p in PROTOCOLS if p != protocol)
        return json.dumps(
            {"type": draw(st.sampled_from(CLIENT_MESSAGES[other])), "id": "1", "payload": {}}
        )
    return draw(
        st.sampled_from(["42", '"x"', "null", "[]", '[{"type": "ping"}]', "{", ""])
        | st.text(max_size=20)
        | st.binary(max_size=20)
        | _json().map(json.dumps)
    )


async def _read_until_quiet(ws: ClientConnection, received: list[Any]) -> None:
    while True:
        try:
            raw = await asyncio.wait_for(ws.recv(), QUIET_SECONDS)
        except TimeoutError:
            return
        received.append(raw)


def check_messages(protocol: str, received: list[Any]) -> None:
    for raw in received:
        if not isinstance(raw, str):
            raise Failure(f"{protocol}: a binary frame from the server: {raw[:200]!r}")
        try:
            message = json.loads(raw)
        except ValueError as error:
            raise Failure(f"{protocol}: a frame that is not JSON: {raw[:200]}") from error
        if not isinstance(message, dict) or message.get("type") not in SERVER_MESSAGES[protocol]:
            raise Failure(f"{protocol}: a frame not of the protocol: {raw[:500]}")
        if message["type"] in ("next", "data"):
            check_result(message.get("payload"), f"{protocol} {message['type']}")
        if message["type"] == "error":
            payload = message.get("payload")
            errors = payload if isinstance(payload, list) else [payload]
            for error in errors:
                if isinstance(error, dict) and error.get("message") == "Unexpected error.":
                    raise Failure(f"{protocol}: an internal error (masked): {raw[:500]}")


@pytest.mark.parametrize("protocol", PROTOCOLS)
@fuzz_settings(short_examples=12)
@given(data=st.data())
async def test_any_frames_answer_by_the_protocol(
    live_url: str,
    world: World,
    protocol: str,
    data: st.DataObject,
):
    await world.refresh_sessions()
    scalars = scalar_strategies(world.ids, world.cursors, world.strings)
    role = data.draw(st.sampled_from(ROLES), label="role")
    token = world.tokens[role]
    init = data.draw(
        st.sampled_from(["token", "token", "token", "none", "bad", "empty", "twice"]),
        label="connection_init",
    )
    sent = data.draw(st.lists(frames(protocol, scalars), max_size=5), label="frames")
    received: list[Any] = []
    close: tuple[int | None, str] = (None, "")
    with watching_logs() as logs:
        async with connect(live_url, subprotocols=[Subprotocol(protocol)]) as ws:
            try:
                if init != "none":
                    payload: Any = {"authorization": f"Bearer {token}"} if token else {}
                    if init == "bad":
                        payload = {"authorization": "Bearer forged"}
                    if init == "empty":
                        payload = None
                    for _ in range(2 if init == "twice" else 1):
                        await ws.send(json.dumps({"type": "connection_init", "payload": payload}))
                await _read_until_quiet(ws, received)
                for frame in sent:
                    await ws.send(frame)
                await _read_until_quiet(ws, received)
            except ConnectionClosed:
                pass
            if ws.close_code is not None:
                close = (ws.close_code, ws.close_reason or "")
        await asyncio.sleep(0.05)  # what the server logs as the socket ends
        logs.check(f"{protocol} as {role}")
    check_messages(protocol, received)
    if close[0] is not None and close[0] not in DOCUMENTED_CLOSE_CODES:
        raise Failure(f"{protocol} as {role}: closed with {close}")
