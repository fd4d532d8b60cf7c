"""What a connection keeps once it is an open WebSocket: no garbage for the cycle
collector (its HTTP protocol object is freed as soon as the socket takes over:
`server.http_protocol`), not the handshake's headers (`server.going_away`), and no frame
of the middleware it passed through (`server.http_only`), nor the last message it was sent
(`server.websocket_handlers`)."""

from __future__ import annotations

import asyncio
import gc
import inspect
import weakref
from collections.abc import Iterator
from typing import Any

import pytest
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
)
from strawberry.subscriptions.protocols.graphql_ws.handlers import BaseGraphQLWSHandler
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus
from websockets.http11 import Request

from server.going_away import GoingAwayWebSockets
from server.http_protocol import UpgradeReleasingHttpTools
from testkit.deals import create_deal
from testkit.live import BOARD_EVENTS, PROTOCOLS, live_client, subscribed, uvicorn_serving
from testkit.teams import Team


@pytest.fixture
def upgraded(monkeypatch: pytest.MonkeyPatch) -> list[weakref.ref[UpgradeReleasingHttpTools]]:
    """Weak references to every HTTP protocol object that handed its connection over."""
    made: list[weakref.ref[UpgradeReleasingHttpTools]] = []
    upgrade = UpgradeReleasingHttpTools.handle_websocket_upgrade

    def recorded(self: UpgradeReleasingHttpTools) -> None:
        made.append(weakref.ref(self))
        upgrade(self)

    monkeypatch.setattr(UpgradeReleasingHttpTools, "handle_websocket_upgrade", recorded)
    return made


@pytest.fixture
def no_cycle_collection() -> Iterator[None]:
    """Only reference counting frees anything meanwhile, as under the server's raised
    collector thresholds, where a cycle waits for a full collection."""
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


async def test_an_upgraded_connection_frees_its_http_protocol_at_once(
    app, team: Team, process_id: str, upgraded, no_cycle_collection: None
):
    async with (
        uvicorn_serving(app) as url,
        live_client(url, team.tokens["manager"]) as first,
        live_client(url, team.tokens["user"]) as second,
    ):
        await first.subscribe("board", BOARD_EVENTS, processId=process_id)
        await second.subscribe("board", BOARD_EVENTS, processId=process_id)
        await subscribed(app, team.workspace.id, 2)

        assert len(upgraded) == 2
        assert [ref() for ref in upgraded] == [None, None]


@pytest.fixture
def handshakes(monkeypatch: pytest.MonkeyPatch) -> list[tuple[GoingAwayWebSockets, Request]]:
    """Every socket the server answered, with its handshake request."""
    made: list[tuple[GoingAwayWebSockets, Request]] = []
    connect = GoingAwayWebSockets.handle_connect

    def recorded(self: GoingAwayWebSockets, event: Request) -> None:
        made.append((self, event))
        connect(self, event)

    monkeypatch.setattr(GoingAwayWebSockets, "handle_connect", recorded)
    return made


async def test_an_open_socket_keeps_no_handshake_headers(
    app, team: Team, process_id: str, handshakes
):
    async with (
        uvicorn_serving(app) as url,
        live_client(url, team.tokens["manager"]) as manager,
    ):
        await manager.subscribe("board", BOARD_EVENTS, processId=process_id)
        await subscribed(app, team.workspace.id, 1)
        [(socket, request)] = handshakes

        assert dict(request.headers) == {}
        assert socket.scope["headers"] == []
        assert not hasattr(socket, "request")


def awaiting(task: asyncio.Task[object]) -> list[str]:
    """The qualified names of the coroutines a task is suspended in, outermost first."""
    names: list[str] = []
    coroutine: Any = task.get_coro()
    while inspect.iscoroutine(coroutine):
        names.append(coroutine.cr_code.co_qualname)
        coroutine = coroutine.cr_await
    return names


async def test_an_open_socket_is_held_by_no_middleware_frame_of_ours(
    app, team: Team, process_id: str
):
    """The middleware only HTTP needs (and those that set a WebSocket up) hand it on
    without staying suspended for as long as it is open (`server.http_only`), and the
    API's socket skips Starlette's routing (`server.socket_route`)."""
    async with (
        uvicorn_serving(app) as url,
        live_client(url, team.tokens["manager"]) as manager,
    ):
        await manager.subscribe("board", BOARD_EVENTS, processId=process_id)
        await subscribed(app, team.workspace.id, 1)

        stacks = [awaiting(task) for task in asyncio.all_tasks()]
        socket = next(s for s in stacks if "DealflowGraphQL.__call__" in s)

    layers = (
        *("RawSocketSend", "RequestIds", "SecurityHeaders", "BodySizeLimit", "CORSMiddleware"),
        *("ExceptionMiddleware", "wrap_app_handling_exceptions", "Router", "WebSocketRoute"),
    )
    assert [name for name in socket if name.split(".")[0].endswith(layers)] == []
    assert "ServerErrorMiddleware.__call__" in socket  # the walk reaches past them


@pytest.fixture
def messages_handled(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """Every message Strawberry's handlers were given, as the same objects."""
    seen: list[dict[str, Any]] = []
    for handler in (BaseGraphQLTransportWSHandler, BaseGraphQLWSHandler):
        handle = handler.handle_message

        async def recorded(self: Any, message: Any, handle: Any = handle) -> None:
            seen.append(message)
            await handle(self, message)

        monkeypatch.setattr(handler, "handle_message", recorded)
    return seen


@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_an_idle_socket_keeps_none_of_the_messages_it_was_sent(
    app, team: Team, manager_client, process_id: str, messages_handled, protocol: str
):
    async with (
        uvicorn_serving(app) as url,
        live_client(url, team.tokens["manager"], protocol) as manager,
    ):
        await manager.subscribe("board", BOARD_EVENTS, processId=process_id)
        await subscribed(app, team.workspace.id, 1)
        sizes = [len(message) for message in messages_handled]
        await create_deal(manager_client, name="Still heard")
        event = await manager.event("board")

    assert sizes == [0, 0]  # connection_init, subscribe
    assert event["deal"]["name"] == "Still heard"


@pytest.mark.parametrize("path", ["/graphql/", "/graphqlx", "/files/x", "/"])
async def test_a_socket_elsewhere_is_still_refused_by_the_router(app, path: str):
    async with uvicorn_serving(app) as url:
        with pytest.raises(InvalidStatus) as refused:
            async with connect(url.replace("/graphql", path)):
                pass

    assert refused.value.response.status_code == 403
