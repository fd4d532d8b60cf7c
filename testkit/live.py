"""A real WebSocket client for subscription tests, speaking either sub-protocol."""

from __future__ import annotations

import asyncio
import json
from collections import defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import uvicorn
from starlette.applications import Starlette
from websockets.asyncio.client import ClientConnection, connect
from websockets.typing import Subprotocol

from resolvers.events.log import latest_event_id
from resolvers.pagination import IdCursor
from server.app import create_app
from server.going_away import WS_PROTOCOLS
from server.http_protocol import HTTP_PROTOCOL
from server.settings import Settings

PROTOCOLS = ["graphql-transport-ws", "graphql-ws"]

BOARD_EVENTS = """
subscription Board($processId: ID!, $after: String) {
  boardEvents(processId: $processId, after: $after) {
    cursor kind dealId
    deal { id name value probability stage { name } owner { id } taskStatus }
    columns { stage { name } dealCount totalValue forecastValue }
  }
}
"""

DEAL_EVENTS = """
subscription Deal($dealId: ID!, $after: String) {
  dealEvents(dealId: $dealId, after: $after) {
    cursor kind at actor { id } deal { id name } changes { field from to } note
  }
}
"""

NOTIFICATIONS = """
subscription Notes($after: String) {
  notifications(after: $after) { id cursor kind message deal { id } actor { id } readAt }
}
"""


class LiveClient:
    """One socket: subscribe, then read each operation's results in order."""

    def __init__(self, ws: ClientConnection, protocol: str) -> None:
        self.ws = ws
        self.protocol = protocol
        self.results: dict[str, asyncio.Queue[dict[str, Any]]] = defaultdict(asyncio.Queue)
        self.closed: asyncio.Future[tuple[int | None, str]] = asyncio.Future()
        self._reader: asyncio.Task[None] | None = None

    async def start(self, token: str) -> dict[str, Any]:
        await self.ws.send(
            json.dumps({"type": "connection_init", "payload": {"authorization": f"Bearer {token}"}})
        )
        while True:
            ack: dict[str, Any] = json.loads(await asyncio.wait_for(self.ws.recv(), 5))
            if ack["type"] not in ("ka", "ping", "pong"):
                break
        self._reader = asyncio.create_task(self._read())
        return ack

    async def _read(self) -> None:
        try:
            async for raw in self.ws:
                message = json.loads(raw)
                if message["type"] in ("next", "data", "error", "complete"):
                    await self.results[message["id"]].put(message)
        finally:
            close = self.ws.close_code, self.ws.close_reason or ""
            if not self.closed.done():
                self.closed.set_result(close)

    async def subscribe(self, op_id: str, query: str, **variables: Any) -> None:
        kind = "subscribe" if self.protocol == "graphql-transport-ws" else "start"
        payload = {"query": query, "variables": variables}
        await self.ws.send(json.dumps({"id": op_id, "type": kind, "payload": payload}))

    async def message(self, op_id: str, wait: float = 5) -> dict[str, Any]:
        return await asyncio.wait_for(self.results[op_id].get(), wait)

    async def event(self, op_id: str, wait: float = 5) -> dict[str, Any]:
        """The next result's data (fails on an error or completion)."""
        message = await self.message(op_id, wait)
        assert message["type"] in ("next", "data"), message
        assert not message["payload"].get("errors"), message
        data: dict[str, Any] = message["payload"]["data"]
        (value,) = data.values()
        result: dict[str, Any] = value
        return result

    async def nothing(self, op_id: str, within: float = 0.8) -> None:
        """Nothing arrives for the operation within `within` seconds."""
        try:
            message = await asyncio.wait_for(self.results[op_id].get(), within)
        except TimeoutError:
            return
        raise AssertionError(f"unexpected message: {message}")


@asynccontextmanager
async def live_client(
    url: str, token: str, protocol: str = PROTOCOLS[0]
) -> AsyncIterator[LiveClient]:
    async with connect(url, subprotocols=[Subprotocol(protocol)]) as ws:
        client = LiveClient(ws, protocol)
        ack = await client.start(token)
        assert ack["type"] == "connection_ack", ack
        try:
            yield client
        finally:
            if client._reader is not None:
                client._reader.cancel()


@asynccontextmanager
async def uvicorn_serving(
    app: Starlette,
    port: int = 0,
    compression: bool = False,
    ping_every: float = 20.0,
    pong_within: float = 20.0,
) -> AsyncIterator[str]:
    """`app` (its lifespan already open) served by uvicorn on `port` (0: a free one),
    with per-message compression if asked (off, as `dealflow serve` runs) and keepalive
    pings as uvicorn's defaults unless told; its WS URL."""
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=port,
        lifespan="off",
        # The protocols `dealflow serve` runs (the WebSocket one's direct writes included).
        http=HTTP_PROTOCOL,
        ws=WS_PROTOCOLS["auto"],
        ws_per_message_deflate=compression,
        ws_ping_interval=ping_every,
        ws_ping_timeout=pong_within,
        # As `dealflow serve`: the app trusts forwarded headers itself (server.app).
        proxy_headers=False,
        log_level="warning",
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:  # uvicorn offers no event to wait on
        if task.done():  # it could not start (it has logged why)
            task.result()
            raise RuntimeError("uvicorn did not start")
        await asyncio.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"ws://127.0.0.1:{port}/graphql"
    finally:
        server.should_exit = True
        await task


@dataclass(frozen=True)
class Served:
    """An app served by uvicorn: where to connect, and the app (to wait on its state)."""

    url: str
    app: Starlette


@asynccontextmanager
async def served_app(settings: Settings, port: int = 0) -> AsyncIterator[Served]:
    """A fresh app (its own feeds, bus connection and relay: a restarted server) served
    by uvicorn on `port` (0: a free one)."""
    app = create_app(settings, manage_orm=False)
    async with app.router.lifespan_context(app), uvicorn_serving(app, port) as url:
        yield Served(url, app)


def event_id(cursor: str) -> int:
    """The event id behind a cursor (cursors are sealed; tests compare their order)."""
    return IdCursor.EVENT.read(cursor)


async def subscribed(app: Starlette, workspace_id: int, count: int, wait: float = 5) -> None:
    """Until `count` subscribers of the workspace are registered in the app's feed (the
    server's own state: no fixed sleep), or fail after `wait` seconds."""
    hub = app.state.live.hub
    deadline = asyncio.get_running_loop().time() + wait
    while True:
        feed = hub.feeds.get(workspace_id)
        if feed is not None and len(feed.subscribers) >= count:
            return
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"{count} subscribers never registered")
        await asyncio.sleep(0.01)


async def handed_over(app: Starlette, workspace_id: int, count: int, wait: float = 5) -> None:
    """Until `count` subscribers of the workspace are registered and the feed writes the
    frames of each (`subscriptions.feeds.HandedOver`), or fail after `wait` seconds."""
    await subscribed(app, workspace_id, count, wait)
    feed = app.state.live.hub.feeds[workspace_id]
    deadline = asyncio.get_running_loop().time() + wait
    while not all(subscriber.direct for subscriber in feed.subscribers):
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("the feed never took the subscriptions over")
        await asyncio.sleep(0.01)


async def cursor_before_a_change(workspace_id: int, change: Callable[[], Awaitable[object]]) -> str:
    """Make `change` and answer the board cursor just before its event, for
    `replayed_from`."""
    await change()
    latest = await latest_event_id(workspace_id)
    if latest <= 1:  # the first event of the database: no cursor comes before it
        await change()
        latest = await latest_event_id(workspace_id)
    return IdCursor.EVENT.of(latest - 1)


async def replayed_from(
    client: LiveClient, operation: str, process_id: str, after: str
) -> dict[str, Any]:
    """Subscribe `operation` to the board from `after` and answer the first event the
    server replays: its arrival shows that the subscription is registered. For a server
    in another process, whose state a test cannot read (in process, `subscribed` waits
    on the feed itself)."""
    await client.subscribe(operation, BOARD_EVENTS, processId=process_id, after=after)
    return await client.event(operation, wait=10)
