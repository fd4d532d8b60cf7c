"""A subscriber that does not keep up has a bounded queue; when it overflows the
subscriber is dropped and told how to resume, and nobody else waits for it."""

from __future__ import annotations

import asyncio
import json
import socket
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from starlette.applications import Starlette
from websockets.asyncio.client import ClientConnection, connect

from models.event import Event
from server import going_away
from subscriptions.changes import BoardTopic
from subscriptions.feeds import SubscriberTooSlow
from testkit.deals import create_deal
from testkit.ids import pk
from testkit.live import BOARD_EVENTS, event_id, live_client, subscribed
from testkit.teams import Team

FAT_BOARD_EVENTS = """
subscription Fat($processId: ID!) {
  boardEvents(processId: $processId) {
    cursor kind deal { id name company contactPerson value forecastValue history { totalCount } }
    columns {
      dealCount deals(first: 100) { edges { node { id name company value owner { name } } } }
    }
  }
}
"""


@asynccontextmanager
async def stuck_subscriber(
    live_url: str, token: str, process_id: str
) -> AsyncIterator[ClientConnection]:
    """A socket subscribed to the board (with large events) whose client reads nothing
    until the test does: a small receive buffer, one message queued at most."""
    raw = socket.socket()
    raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    host, port = live_url.removeprefix("ws://").split("/")[0].split(":")
    raw.connect((host, int(port)))
    async with connect(
        live_url, sock=raw, subprotocols=["graphql-transport-ws"], max_queue=1
    ) as stuck:
        init = {"type": "connection_init", "payload": {"authorization": f"Bearer {token}"}}
        await stuck.send(json.dumps(init))
        subscribe = {
            "id": "1",
            "type": "subscribe",
            "payload": {"query": FAT_BOARD_EVENTS, "variables": {"processId": process_id}},
        }
        await stuck.send(json.dumps(subscribe))
        yield stuck


async def test_an_overflowing_subscriber_is_dropped_and_told_where_to_resume(
    app: Starlette, team: Team, manager_client, process_id: str, monkeypatch: pytest.MonkeyPatch
):
    hub = app.state.live.hub
    monkeypatch.setattr(hub, "queue_size", 3)
    await create_deal(manager_client, name="Before")
    stream = await hub.stream(team.manager, BoardTopic(pk(process_id)), None)
    feed = hub.feeds[team.workspace.id]
    for i in range(6):
        await create_deal(manager_client, name=f"Deal {i}")
    await feed.catch_up()

    received = []
    with pytest.raises(SubscriberTooSlow) as too_slow:
        async for change in stream:
            received.append(change.cursor)

    assert received == [], "an overflowed queue is emptied: memory is given back at once"
    before = await Event.filter(workspace_id=team.workspace.id).order_by("-id").first()
    assert before is not None and event_id(too_slow.value.cursor) == before.id - 6
    assert not any(s.viewer.id == team.manager.id for s in feed.subscribers)


async def test_a_stuck_socket_does_not_slow_the_others_and_its_queue_stays_bounded(
    live_url, app: Starlette, team: Team, manager_client, process_id: str
):
    hub = app.state.live.hub
    async with (
        stuck_subscriber(live_url, team.tokens["user"], process_id),
        live_client(live_url, team.tokens["manager"]) as reader,
    ):
        await reader.subscribe("board", BOARD_EVENTS, processId=process_id)
        await subscribed(app, team.workspace.id, 2)

        largest_queue = 0
        delays = []
        for i in range(40):
            started = time.perf_counter()
            await create_deal(manager_client, name=f"Rush {i}", company="x" * 150)
            await reader.event("board")
            delays.append(time.perf_counter() - started)
            feed = hub.feeds[team.workspace.id]
            largest_queue = max([largest_queue, *(s.queued() for s in feed.subscribers)])

    assert largest_queue <= hub.queue_size
    assert max(delays) < 2.0, "the reader never waits for the stuck socket"


async def test_the_feed_writes_for_a_handed_over_socket_and_drops_it_once_its_buffer_is_full(
    live_url,
    app: Starlette,
    team: Team,
    manager_client,
    process_id: str,
    monkeypatch: pytest.MonkeyPatch,
):
    """A subscriber whose socket can be written at once is handed over to the feed after
    its replay; a client that stops reading fills its socket's buffer, and past the
    limit the feed drops it: the client, reading again, gets every frame written before,
    in order, then SUBSCRIBER_TOO_SLOW with the cursor of the last of them."""
    monkeypatch.setattr(going_away, "BUFFER_LIMIT", 16 * 1024)
    # The server's end of each socket with a small kernel buffer, so that what the
    # client does not read piles up in the server's own buffer soon.
    made = going_away.GoingAwayWebSockets.connection_made

    def small_kernel_buffer(self: going_away.GoingAwayWebSockets, transport: Any) -> None:
        transport.get_extra_info("socket").setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)
        made(self, transport)

    monkeypatch.setattr(going_away.GoingAwayWebSockets, "connection_made", small_kernel_buffer)
    hub = app.state.live.hub
    async with (
        stuck_subscriber(live_url, team.tokens["user"], process_id) as stuck,
        live_client(live_url, team.tokens["manager"]) as reader,
    ):
        await reader.subscribe("board", BOARD_EVENTS, processId=process_id)
        await subscribed(app, team.workspace.id, 2)
        feed = hub.feeds[team.workspace.id]
        await create_deal(manager_client, name="First", isPublic=True)
        await reader.event("board")
        assert all(s.direct for s in feed.subscribers), "both handed over to the feed"
        assert len({id(s.delivery) for s in feed.subscribers}) == 2
        stuck_one = next(s for s in feed.subscribers if s.viewer.id == team.user.id)
        for i in range(60):
            await create_deal(manager_client, name=f"Rush {i}", company="x" * 150, isPublic=True)
            await reader.event("board")
            if stuck_one not in feed.subscribers:
                break
        assert stuck_one not in feed.subscribers, "dropped once its buffer was full"
        assert stuck_one.queued() == 0, "nothing queued for it meanwhile"

        frames = []
        while True:
            message = json.loads(await asyncio.wait_for(stuck.recv(), 10))
            if message["type"] == "connection_ack":
                continue
            frames.append(message)
            if message["type"] != "next" or message["payload"].get("errors"):
                break

    *delivered, last = frames
    cursors = [event_id(m["payload"]["data"]["boardEvents"]["cursor"]) for m in delivered]
    assert cursors == sorted(cursors) and len(cursors) >= 2
    (error,) = last["payload"]["errors"]
    assert error["extensions"]["code"] == "SUBSCRIBER_TOO_SLOW"
    assert event_id(error["extensions"]["cursor"]) == cursors[-1]
