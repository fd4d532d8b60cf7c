"""How a socket is set up before its sub-protocol's handler takes it
(`server.app.DealflowGraphQL._socket_handler`, Strawberry's `run` for a socket, done
by the app so that `run`'s frame is not kept for the socket's life): a page on an
origin that is not allowed is refused before anything else, a client that is not a
browser (no `Origin`) and an allowed origin are accepted on either sub-protocol, and a
socket that offers neither is closed with 4406."""

from __future__ import annotations

import json

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.typing import Subprotocol

from server.settings import Settings
from testkit.live import PROTOCOLS, served_app
from testkit.teams import Team

ALLOWED = "https://app.example.com"


def init_message(token: str) -> str:
    return json.dumps({"type": "connection_init", "payload": {"authorization": f"Bearer {token}"}})


@pytest.fixture
async def served(settings: Settings, orm: None):
    async with served_app(settings.replace(allowed_origins=(ALLOWED,))) as served:
        yield served


@pytest.mark.parametrize("origin", [ALLOWED, None])
@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_an_allowed_origin_or_none_is_acknowledged(
    served, team: Team, origin: str | None, protocol: str
):
    async with connect(served.url, origin=origin, subprotocols=[Subprotocol(protocol)]) as ws:
        await ws.send(init_message(team.tokens["manager"]))
        ack = json.loads(await ws.recv())

        assert ws.subprotocol == protocol
    assert ack["type"] == "connection_ack"


@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_a_page_on_another_origin_is_refused_before_the_socket_opens(served, protocol: str):
    with pytest.raises(InvalidStatus) as refused:
        async with connect(
            served.url, origin="https://evil.example", subprotocols=[Subprotocol(protocol)]
        ):
            pass

    assert refused.value.response.status_code == 403


async def test_a_socket_offering_neither_sub_protocol_is_closed_with_4406(served):
    async with connect(served.url, subprotocols=[Subprotocol("mqtt")]) as ws:
        with pytest.raises(ConnectionClosed) as closed:
            await ws.recv()

        assert ws.subprotocol is None
    assert closed.value.rcvd is not None
    assert (closed.value.rcvd.code, closed.value.rcvd.reason) == (
        4406,
        "Subprotocol not acceptable",
    )
