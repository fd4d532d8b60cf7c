"""Keepalive pings (`server.going_away.Keepalives`): every socket's pings on one timer
instead of a timer each, with uvicorn's meaning kept: a client that answers stays, one
that does not is closed with 1011 once its pong is overdue."""

from __future__ import annotations

import asyncio
from typing import Any, cast

import pytest
from websockets.exceptions import ConnectionClosed

from bench.waiting import wait_until
from server.going_away import GoingAwayWebSockets, Keepalives, keepalives
from testkit.deals import create_deal
from testkit.live import BOARD_EVENTS, live_client, subscribed, uvicorn_serving
from testkit.teams import Team


@pytest.fixture
def pings(monkeypatch: pytest.MonkeyPatch) -> dict[GoingAwayWebSockets, int]:
    """How many keepalive pings each socket was sent."""
    sent: dict[GoingAwayWebSockets, int] = {}
    ping = GoingAwayWebSockets.send_keepalive_ping

    def counted(self: GoingAwayWebSockets) -> None:
        sent[self] = sent.get(self, 0) + 1
        ping(self)

    monkeypatch.setattr(GoingAwayWebSockets, "send_keepalive_ping", counted)
    return sent


async def test_a_client_that_answers_stays_and_one_that_does_not_is_closed(
    app, team: Team, manager_client, process_id: str, pings
):
    async with (
        uvicorn_serving(app, ping_every=0.1, pong_within=0.3) as url,
        live_client(url, team.tokens["manager"]) as answering,
        live_client(url, team.tokens["user"]) as silent,
    ):
        await answering.subscribe("board", BOARD_EVENTS, processId=process_id)
        await silent.subscribe("board", BOARD_EVENTS, processId=process_id)
        await subscribed(app, team.workspace.id, 2)
        silent.ws.transport.pause_reading()  # it reads no ping, so it sends no pong
        await asyncio.sleep(1.2)
        silent.ws.transport.resume_reading()
        await create_deal(manager_client, name="Heard by the one that answers")
        event = await answering.event("board")
        with pytest.raises(ConnectionClosed) as closed:
            await asyncio.wait_for(silent.ws.recv(), 5)
        sockets = [socket for socket in pings if not socket.transport.is_closing()]

    assert event["deal"]["name"] == "Heard by the one that answers"
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1011
    assert len(pings) == 2 and max(pings.values()) >= 5  # a ping every 0.1 s, 1.2 s long
    assert [socket.ping_timer for socket in sockets] == [None]  # no timer of its own


async def test_a_closed_socket_leaves_no_keepalive_behind(app, team: Team, process_id: str):
    """Its entry goes when the socket closes (`stop_keepalive`), not when its next ping
    would have been due (a minute away here)."""
    loop = asyncio.get_running_loop()
    async with uvicorn_serving(app, ping_every=60, pong_within=20) as url:
        for _ in range(3):
            async with live_client(url, team.tokens["manager"]) as client:
                await client.subscribe("board", BOARD_EVENTS, processId=process_id)
                await subscribed(app, team.workspace.id, 1)
                held_while_open = len(keepalives(loop)._due)
        await wait_until(lambda: not keepalives(loop)._due, 5)
        due = dict(keepalives(loop)._due)

    assert held_while_open == 1
    assert due == {}


class FakeSocket:
    """What `Keepalives` uses of a socket: its interval and its ping."""

    def __init__(self, pings: list[FakeSocket], fails: bool = False) -> None:
        self.ping_interval = 0.2
        self.pings = pings
        self.fails = fails

    def send_keepalive_ping(self) -> None:
        self.pings.append(self)
        if self.fails:
            raise RuntimeError("the socket's state refused the ping")


async def test_many_sockets_cost_a_pass_a_tick_and_a_failing_ping_stops_no_other(
    monkeypatch: pytest.MonkeyPatch,
):
    """Due times spread over the interval would fire a timer per socket; one firing a
    tick (a quarter of the interval here) sends every ping due within it. A ping that
    raises is logged; the others go, and later ticks still come."""
    loop = asyncio.get_running_loop()
    keepalive = Keepalives(loop)
    firings = 0
    ping_due = Keepalives._ping_due

    def counted(self: Keepalives) -> None:
        nonlocal firings
        firings += 1
        ping_due(self)

    monkeypatch.setattr(Keepalives, "_ping_due", counted)
    pings: list[FakeSocket] = []
    sockets = [FakeSocket(pings, fails=index == 0) for index in range(200)]
    for index, socket in enumerate(sockets):
        keepalive.schedule(cast(Any, socket), 0.2 * index / len(sockets))
    await asyncio.sleep(0.35)

    assert sorted(map(id, pings)) == sorted(map(id, sockets))  # each pinged once
    assert firings <= 5  # 0.2 s of due times at one firing per 0.05 s tick, and one more
    keepalive.schedule(cast(Any, sockets[1]), 0.01)
    await asyncio.sleep(0.1)
    assert pings[-1] is sockets[1]
