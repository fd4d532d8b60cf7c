"""What a connection keeps once it is an open WebSocket: no garbage for the cycle
collector (its HTTP protocol object is freed as soon as the socket takes over:
`server.http_protocol`), not the handshake's headers (`server.going_away`), and no frame
of the middleware it passed through (`server.http_only`), nor the last message it was sent
(`server.websocket_handlers`); and what a subscription keeps once the feed writes its
frames: none of its GraphQL execution (`subscriptions.feeds.HandedOver`)."""

from __future__ import annotations

import asyncio
import gc
import inspect
import json
import sys
import weakref
from collections.abc import Iterator
from contextlib import AsyncExitStack
from typing import Any

import pytest
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
)
from strawberry.subscriptions.protocols.graphql_ws.handlers import BaseGraphQLWSHandler
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus
from websockets.http11 import Request

from bench.waiting import wait_until
from schema.ids import global_id
from schema.live.execution import SharedEventExecution
from server.app import DealflowGraphQL
from server.going_away import GoingAwayWebSockets
from server.http_protocol import UpgradeReleasingHttpTools
from testkit.deals import create_deal
from testkit.documents import UPDATE_USER_MUTATION
from testkit.live import (
    BOARD_EVENTS,
    PROTOCOLS,
    handed_over,
    live_client,
    subscribed,
    uvicorn_serving,
)
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


async def test_an_open_socket_keeps_its_protocol_state_in_slots(
    app, team: Team, process_id: str, manager_client, handshakes
):
    """The 35 attributes of uvicorn's protocol that an open socket keeps, an instance
    dictionary of 1.6 KB a socket, live in `GoingAwayWebSockets`' slots. An attribute a
    uvicorn upgrade adds would go to the dictionary again, and fail here: give it a
    slot."""
    async with (
        uvicorn_serving(app, ping_every=0.05, pong_within=5) as url,
        live_client(url, team.tokens["manager"]) as manager,
    ):
        await manager.subscribe("board", BOARD_EVENTS, processId=process_id)
        await subscribed(app, team.workspace.id, 1)
        [(socket, _)] = handshakes
        assert await wait_until(lambda: socket.last_ping_rtt > 0, 5)  # a ping and its pong
        await create_deal(manager_client, name="Slotted")  # a frame out
        await manager.event("board")

        assert socket.handshake_complete and socket.conn is not None
        assert vars(socket) == {}
    assert socket.close_sent or socket.disconnected
    assert vars(socket) == {}


async def test_sockets_hold_what_their_scopes_have_alike_once_and_read_only(
    app, team: Team, process_id: str, handshakes
):
    async with (
        uvicorn_serving(app) as url,
        live_client(url, team.tokens["manager"]) as manager,
        live_client(url, team.tokens["user"], PROTOCOLS[1]) as user,
    ):
        await manager.subscribe("board", BOARD_EVENTS, processId=process_id)
        await user.subscribe("board", BOARD_EVENTS, processId=process_id)
        await subscribed(app, team.workspace.id, 2)
        [first, second] = [socket.scope for socket, _ in handshakes]

        for name in ("asgi", "server"):
            assert first[name] is second[name]
        http_response = "websocket.http.response"
        assert first["extensions"][http_response] is second["extensions"][http_response]
        assert first["extensions"] is not second["extensions"]  # each its frame writer
        assert dict(first["asgi"]) == {"version": "3.0", "spec_version": "2.4"}
        with pytest.raises(TypeError):
            first["asgi"]["version"] = "2.0"  # type: ignore[index]
        with pytest.raises(TypeError):
            first["extensions"][http_response]["x"] = 1
        assert first["client"] != second["client"]


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
    without staying suspended for as long as it is open (`server.http_only`), so do
    Starlette's own `__call__` and its server error middleware
    (`FramelessStarlette`), and the API's socket skips Starlette's routing
    (`server.socket_route`)."""
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
        *("Starlette", "ServerErrorMiddleware"),
    )
    assert [name for name in socket if name.split(".")[0].endswith(layers)] == []
    # The walk starts at uvicorn's task and reaches Strawberry's handler, past them.
    assert socket[0] == "WebSocketsSansIOProtocol.run_asgi"
    assert "BaseGraphQLTransportWSHandler.handle" in socket


@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_an_idle_socket_waits_for_its_next_message_four_coroutines_deep(
    app, team: Team, process_id: str, protocol: str
):
    """Between messages a socket's task is suspended in uvicorn's task, the app's
    `__call__`, the protocol handler's read loop, the reader's `__anext__`
    (`server.socket_reader`) and the inbox's `get` (`server.going_away.Inbox`), and
    in nothing else: neither Strawberry's `run` (`DealflowGraphQL._socket_handler`),
    nor Strawberry's async generator of messages and Starlette's two receives, nor
    uvicorn's `receive` around the inbox. Each would be kept for as long as the socket
    is open."""
    handle = {
        "graphql-transport-ws": "BaseGraphQLTransportWSHandler.handle",
        "graphql-ws": "LegacyWSHandler.handle",
    }[protocol]
    async with (
        uvicorn_serving(app) as url,
        live_client(url, team.tokens["manager"], protocol) as manager,
    ):
        await manager.subscribe("board", BOARD_EVENTS, processId=process_id)
        await handed_over(app, team.workspace.id, 1)

        stacks = [awaiting(task) for task in asyncio.all_tasks()]
        [socket] = [s for s in stacks if s and s[0] == "WebSocketsSansIOProtocol.run_asgi"]

    assert socket == [
        "WebSocketsSansIOProtocol.run_asgi",
        "DealflowGraphQL.__call__",
        handle,
        "JsonMessages.__anext__",
        "Inbox.get",
    ]


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


@pytest.fixture
def executions_built(monkeypatch: pytest.MonkeyPatch) -> list[weakref.ref[SharedEventExecution]]:
    """Weak references to every execution the schema builds from now on."""
    made: list[weakref.ref[SharedEventExecution]] = []
    build = SharedEventExecution.build.__func__  # type: ignore[attr-defined]

    def recorded(cls: type[SharedEventExecution], *args: Any, **kwargs: Any) -> Any:
        built = build(cls, *args, **kwargs)
        if isinstance(built, SharedEventExecution):
            made.append(weakref.ref(built))
        return built

    monkeypatch.setattr(SharedEventExecution, "build", classmethod(recorded))
    return made


def suspended_generators() -> list[str]:
    """The qualified names of the async generators that are suspended (not finished)."""
    return [
        o.ag_code.co_qualname
        for o in gc.get_objects()
        if inspect.isasyncgen(o) and o.ag_frame is not None
    ]


@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_a_subscription_the_feed_writes_for_keeps_none_of_its_execution(
    app, team: Team, manager_client, process_id: str, protocol: str, executions_built
):
    """Once handed over, a subscription's GraphQL execution has unwound (Strawberry's
    stream, graphql-core's, our resolver's and the feed's generators): its operation
    waits for its end with no task of its own (a socket keeps one task, its read loop),
    and one executor renders for every subscription of the same document and variables,
    whoever subscribed."""
    async with (
        uvicorn_serving(app) as url,
        live_client(url, team.tokens["manager"], protocol) as manager,
        live_client(url, team.tokens["user"], protocol) as seller,
    ):
        for client in (manager, seller):
            await client.subscribe("board", BOARD_EVENTS, processId=process_id)
        await handed_over(app, team.workspace.id, 2)
        generators = suspended_generators()
        gc.collect()  # the unwound execution is cycles, collected as any garbage
        executions = [built() for built in executions_built if built() is not None]
        renderers = {
            id(s.delivery.executor) for s in app.state.live.hub.feeds[team.workspace.id].subscribers
        }  # type: ignore[union-attr]
        stacks = [awaiting(task) for task in asyncio.all_tasks()]
        await create_deal(manager_client, name="Still heard", isPublic=True)
        heard = [(await client.event("board"))["deal"]["name"] for client in (manager, seller)]

    unwound = ("_stream", "map_async_iterable", "_framed", "_relayed", "board_events", "_changes")
    assert [name for name in generators if name.endswith(unwound)] == []
    assert len(executions) == 1
    assert renderers == {id(executions[0])}
    operations = ("run_operation", "handle_async_results", "handed_over")
    assert [stack for stack in stacks if any(name.endswith(operations) for name in stack)] == []
    assert sum("DealflowGraphQL.__call__" in stack for stack in stacks) == 2  # read loops
    assert heard == ["Still heard", "Still heard"]


@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_a_subscription_the_feed_writes_for_ends_when_its_client_stops_it(
    app, team: Team, manager_client, process_id: str, protocol: str
):
    async with (
        uvicorn_serving(app) as url,
        live_client(url, team.tokens["manager"], protocol) as manager,
    ):
        await manager.subscribe("board", BOARD_EVENTS, processId=process_id)
        await handed_over(app, team.workspace.id, 1)
        stop = "complete" if protocol == PROTOCOLS[0] else "stop"
        await manager.ws.send(json.dumps({"id": "board", "type": stop}))
        feed = app.state.live.hub.feeds[team.workspace.id]
        for _ in range(500):
            if not feed.subscribers:
                break
            await asyncio.sleep(0.01)
        left = len(feed.subscribers)
        if protocol == PROTOCOLS[1]:  # graphql-ws answers a stop with `complete`
            assert (await manager.message("board"))["type"] == "complete"
        await create_deal(manager_client, name="Not heard")
        await manager.nothing("board")

        await manager.subscribe("board", BOARD_EVENTS, processId=process_id)  # the id is free
        await handed_over(app, team.workspace.id, 1)
        await create_deal(manager_client, name="Heard again")
        again = await manager.event("board")

    assert left == 0
    assert again["deal"]["name"] == "Heard again"


async def test_sockets_of_one_user_share_its_row_until_the_user_changes(
    app, team: Team, admin_client, process_id: str
):
    """However far apart their `connection_init`s, the sockets of one user hold one row
    of it (`auth.authenticate_together`); once the user changes, the next socket reads
    the row anew, and those before keep theirs."""

    def feed_viewers() -> list[Any]:
        return [s.viewer for s in app.state.live.hub.feeds[team.workspace.id].subscribers]

    async with uvicorn_serving(app) as url, AsyncExitStack() as stack:
        for count in (1, 2):
            client = await stack.enter_async_context(live_client(url, team.tokens["user"]))
            await client.subscribe("board", BOARD_EVENTS, processId=process_id)
            await subscribed(app, team.workspace.id, count)
        same = feed_viewers()
        renamed = await admin_client.data(
            UPDATE_USER_MUTATION,
            {"input": {"id": global_id("User", team.user.id), "name": "Renamed"}},
        )
        assert renamed["updateUser"]["errors"] == []
        client = await stack.enter_async_context(live_client(url, team.tokens["user"]))
        await client.subscribe("board", BOARD_EVENTS, processId=process_id)
        await subscribed(app, team.workspace.id, 3)
        after = feed_viewers()

    assert same[0] is same[1]
    assert after[2] is not same[0]
    assert [v.name for v in after] == [team.user.name, team.user.name, "Renamed"]


@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_a_subscription_the_feed_writes_for_ends_with_its_socket(
    app, team: Team, process_id: str, protocol: str
):
    async with uvicorn_serving(app) as url:
        async with live_client(url, team.tokens["manager"], protocol) as manager:
            await manager.subscribe("board", BOARD_EVENTS, processId=process_id)
            await handed_over(app, team.workspace.id, 1)
        feed = app.state.live.hub.feeds[team.workspace.id]
        for _ in range(500):
            if not feed.subscribers:
                break
            await asyncio.sleep(0.01)

    assert not feed.subscribers


@pytest.fixture
def received(monkeypatch: pytest.MonkeyPatch) -> tuple[list[Any], list[str]]:
    """Every text frame a server's socket read, and every message text its app got."""
    frames: list[Any] = []
    texts: list[str] = []
    handle_text = WebSocketsSansIOProtocol.handle_text

    def frame_recorded(self: Any, event: Any) -> None:
        frames.append(event)
        handle_text(self, event)

    decode_json = DealflowGraphQL.decode_json

    def text_recorded(self: DealflowGraphQL, text: str) -> object:
        texts.append(text)
        return decode_json(self, text)

    monkeypatch.setattr(WebSocketsSansIOProtocol, "handle_text", frame_recorded)
    monkeypatch.setattr(DealflowGraphQL, "decode_json", text_recorded)
    return frames, texts


@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_an_idle_socket_keeps_neither_the_bytes_nor_the_text_of_its_last_message(
    app, team: Team, process_id: str, received, protocol: str
):
    """websockets' parser keeps the last frame it read until the next comes, and
    Strawberry's reader the last text: for an idle subscriber, its subscribe message.
    The frame's data goes once uvicorn has it (`server.going_away`), the text once it
    is decoded (`server.socket_reader`)."""
    frames, texts = received
    async with (
        uvicorn_serving(app) as url,
        live_client(url, team.tokens["manager"], protocol) as manager,
    ):
        await manager.subscribe("board", BOARD_EVENTS, processId=process_id)
        await subscribed(app, team.workspace.id, 1)
        await asyncio.sleep(0.05)
        # Its references beside the list's and the call's own.
        kept = [sys.getrefcount(texts[index]) - 2 for index in range(len(texts))]

    assert len(frames) == 2 and [frame.data for frame in frames] == [b"", b""]
    assert len(texts) == 2 and ('"subscribe"' in texts[1] or '"start"' in texts[1])
    assert kept == [0, 0]
