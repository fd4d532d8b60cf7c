"""Frames spliced by a sink read exactly like the plain encoding of the same message,
whatever the operation's id (`server.frames`); frames written at once are the bytes
websockets would write, and go through websockets when an extension is on
(`server.going_away`)."""

from __future__ import annotations

import contextlib
import json
from typing import Any

import pytest
from starlette.websockets import WebSocketState
from strawberry.http.exceptions import WebSocketDisconnected
from websockets.extensions.permessage_deflate import PerMessageDeflate
from websockets.frames import Frame, Opcode
from websockets.protocol import State
from websockets.server import ServerProtocol

from server import going_away
from server.frames import RAW_SEND, encode, legacy_sink, transport_sink
from server.going_away import _text_header
from testkit.deals import create_deal
from testkit.live import BOARD_EVENTS, PROTOCOLS, event_id, live_client, subscribed, uvicorn_serving
from testkit.teams import Team

PAYLOAD = {"data": {"boardEvents": {"cursor": "7", "deal": {"name": 'Quote "x" \u0142 \u2028'}}}}
ODD_IDS = ["1", "sub-2", 'quote"d', "back\\slash", "\u0142\u00f3d\u017a", "</script>", "\u2028", ""]


class Recorder:
    """A connected socket whose scope carries the server's own `send`, as the app's
    middleware leaves it."""

    application_state = WebSocketState.CONNECTED

    def __init__(self) -> None:
        self.sent: list[str] = []
        self.scope = {RAW_SEND: self.raw_send}

    async def raw_send(self, message: dict[str, Any]) -> None:
        assert message["type"] == "websocket.send"
        self.sent.append(message["text"])


class Operation:
    completed = False


@pytest.mark.parametrize("op_id", ODD_IDS)
async def test_a_spliced_frame_reads_like_the_message_it_stands_for(op_id: str):
    socket: Any = Recorder()
    operation = Operation()
    await transport_sink(socket, op_id, operation).next(encode(PAYLOAD))
    await legacy_sink(socket, op_id).next(encode(PAYLOAD))

    transport, legacy = (json.loads(frame) for frame in socket.sent)
    assert transport == {"id": op_id, "type": "next", "payload": PAYLOAD}
    assert legacy == {"type": "data", "id": op_id, "payload": PAYLOAD}


async def test_a_completed_operation_sends_nothing_more():
    socket: Any = Recorder()
    operation = Operation()
    sink = transport_sink(socket, "1", operation)
    await sink.next(encode(PAYLOAD))
    operation.completed = True
    await sink.next(encode(PAYLOAD))

    assert len(socket.sent) == 1


async def test_a_closed_socket_is_told_as_a_disconnection():
    socket: Any = Recorder()
    socket.application_state = WebSocketState.DISCONNECTED
    with pytest.raises(WebSocketDisconnected):
        await legacy_sink(socket, "1").next(encode(PAYLOAD))
    assert socket.sent == []


@pytest.mark.parametrize("length", [0, 1, 125, 126, 127, 65535, 65536, 70000])
def test_a_frame_written_at_once_is_the_frame_websockets_would_write(length: int):
    data = ("\u0142" * length).encode()[:length]
    ours = _text_header(len(data)) + data
    theirs = Frame(Opcode.TEXT, data).serialize(mask=False)
    assert ours == theirs


@pytest.fixture
def headers_made(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The lengths of the frames the server wrote as raw bytes."""
    made: list[int] = []
    make_header = going_away._text_header

    def counted(length: int) -> bytes:
        made.append(length)
        return make_header(length)

    monkeypatch.setattr(going_away, "_text_header", counted)
    return made


@pytest.mark.parametrize("compression", [False, True])
async def test_frames_are_raw_bytes_unless_the_client_negotiated_compression(
    app, team: Team, manager_client, process_id: str, headers_made: list[int], compression: bool
):
    """Without extensions (as `dealflow serve` runs) a live frame is written as its
    bytes; with per-message compression negotiated (a setting of uvicorn's), websockets
    frames it instead."""
    async with (
        uvicorn_serving(app, compression=compression) as url,
        live_client(url, team.tokens["manager"]) as manager,
    ):
        await manager.subscribe("board", BOARD_EVENTS, processId=process_id)
        await subscribed(app, team.workspace.id, 1)
        await create_deal(manager_client, name="Compressed", company="x" * 200)
        event = await manager.event("board")
        extensions = manager.ws.protocol.extensions

    assert event["deal"]["name"] == "Compressed"
    assert [type(e).__name__ for e in extensions] == (["PerMessageDeflate"] if compression else [])
    assert bool(headers_made) is not compression


@pytest.fixture
def writes(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many frames each of the server's writes at once held."""
    made: list[int] = []
    write = going_away.FrameWriter.write

    def counted(self: going_away.FrameWriter, tails: Any, frames: Any = None) -> bool:
        made.append(len(tails))
        return write(self, tails, frames)

    monkeypatch.setattr(going_away.FrameWriter, "write", counted)
    return made


@pytest.mark.parametrize("compression", [False, True])
@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_events_read_together_reach_a_socket_in_one_write_in_order(
    app,
    team: Team,
    manager_client,
    process_id: str,
    writes: list[int],
    compression: bool,
    protocol: str,
):
    """Events committed while the feed is busy are fanned out as one batch: each socket
    gets the batch's frames in one write, each a whole frame of its own, in the log's
    order, in either sub-protocol, with or without compression."""
    async with (
        uvicorn_serving(app, compression=compression) as url,
        live_client(url, team.tokens["manager"], protocol) as manager,
    ):
        await manager.subscribe("board", BOARD_EVENTS, processId=process_id)
        await subscribed(app, team.workspace.id, 1)
        await create_deal(manager_client, name="Before")
        assert (await manager.event("board"))["deal"]["name"] == "Before"
        feed = app.state.live.hub.feeds[team.workspace.id]
        assert all(s.direct for s in feed.subscribers), "handed over: the feed writes"
        writes.clear()
        names = ["One", 'Two "quoted"', "Three \u0142"]
        async with feed.lock:  # the feed is busy: the three wait for it together
            for name in names:
                await create_deal(manager_client, name=name)
        events = [await manager.event("board") for _ in names]

    assert [e["deal"]["name"] for e in events] == names
    cursors = [event_id(e["cursor"]) for e in events]
    assert cursors == sorted(cursors)
    assert writes == [3]


@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_a_groups_frame_is_made_once_per_operation_id_and_each_socket_gets_its_own(
    app, team: Team, manager_client, process_id: str, headers_made: list[int], protocol: str
):
    """Sockets of one group (one viewer, one document) get one payload: its whole frame
    is made once for each operation id among them, and written as it is to the others
    with that id, each socket reading its own id, odd ones included."""
    ids = ["1", "1", "1", 'quote"d', "\u0142\u00f3d\u017a", "1", "</script>"]
    async with (
        uvicorn_serving(app) as url,
        contextlib.AsyncExitStack() as sockets,
    ):
        clients = [
            await sockets.enter_async_context(live_client(url, team.tokens["manager"], protocol))
            for _ in ids
        ]
        for client, op_id in zip(clients, ids, strict=True):
            await client.subscribe(op_id, BOARD_EVENTS, processId=process_id)
        await subscribed(app, team.workspace.id, len(ids))
        feed = app.state.live.hub.feeds[team.workspace.id]
        await create_deal(manager_client, name="Warm")  # every socket handed over by then
        for client, op_id in zip(clients, ids, strict=True):
            await client.event(op_id)
        assert all(s.direct for s in feed.subscribers), "handed over: the feed writes"
        headers_made.clear()
        await create_deal(manager_client, name="Shared")
        got = [await client.message(op_id) for client, op_id in zip(clients, ids, strict=True)]

    assert [message["id"] for message in got] == ids
    for client, op_id in zip(clients, ids, strict=True):
        assert set(client.results) == {op_id}, "no frame of another socket's operation"
    assert {message["payload"]["data"]["boardEvents"]["deal"]["name"] for message in got} == {
        "Shared"
    }
    assert len(headers_made) == len(set(ids))


class Transport:
    """What a `FrameWriter` uses of a transport: what it was given, and its state."""

    def __init__(self) -> None:
        self.written: list[bytes] = []
        self.closing = False
        self.buffered = 0

    def is_closing(self) -> bool:
        return self.closing

    def get_write_buffer_size(self) -> int:
        return self.buffered

    def write(self, data: bytes) -> None:
        self.written.append(data)


class Protocol:
    """What a `FrameWriter` uses of uvicorn's protocol: its transport, its connection's
    extensions and whether it has sent its close or lost the connection."""

    def __init__(self) -> None:
        self.transport = Transport()
        self.conn = type("Conn", (), {"extensions": []})()
        self.close_sent = False
        self.disconnected = False


def writer(operation: Operation | None = None) -> tuple[going_away.FrameWriter, Transport]:
    protocol: Any = Protocol()
    return going_away.FrameWriter(protocol, b'{"id":"1","payload":', operation), protocol.transport


def test_a_writer_writes_each_tail_as_one_whole_frame_in_one_write() -> None:
    made, transport = writer(Operation())
    assert made.write([b"1}", b"2}"]) is True
    assert made.write([b"3}"]) is True
    head = b'{"id":"1","payload":'
    frames = [Frame(Opcode.TEXT, head + tail).serialize(mask=False) for tail in (b"1}", b"2}")]
    assert transport.written == [b"".join(frames), _text_header(len(head) + 2) + head + b"3}"]


def test_sockets_with_the_same_head_share_one_frame_and_others_make_their_own() -> None:
    shared: dict[bytes, bytes] = {}
    first, one = writer()
    second, two = writer()
    other = going_away.FrameWriter(Protocol(), b'{"id":"2","payload":', None)  # type: ignore[arg-type]
    for made in (first, second, other):
        made.write([b"x}"], shared)
    assert one.written[0] is two.written[0]
    assert set(shared) == {b'{"id":"1","payload":', b'{"id":"2","payload":'}


@pytest.mark.parametrize("state", ["completed", "close_sent", "disconnected", "closing"])
def test_nothing_is_written_for_an_operation_that_is_over_or_a_socket_going_away(
    state: str,
) -> None:
    operation = Operation()
    made, transport = writer(operation)
    if state == "completed":
        operation.completed = True
    elif state == "closing":
        transport.closing = True
    else:
        setattr(made.protocol, state, True)
    assert made.write([b"1}"]) is True, "not a socket that fell behind"
    assert transport.written == []


def test_a_compressed_socket_out_of_the_open_state_takes_nothing() -> None:
    """With an extension websockets frames the text, and refuses to once the
    connection has left its open state: the writer does not ask it to."""
    protocol: Any = Protocol()
    protocol.conn = ServerProtocol(extensions=[])
    protocol.conn.state = State.OPEN
    protocol.conn.extensions = [PerMessageDeflate(False, False, 15, 15)]  # as if agreed
    made = going_away.FrameWriter(protocol, b'{"id":"1","payload":', None)
    assert made.write([b"1}"]) is True
    assert len(protocol.transport.written) == 1
    protocol.conn.state = State.CLOSING
    assert made.write([b"2}"]) is True
    assert len(protocol.transport.written) == 1


def test_a_socket_whose_buffer_is_over_the_limit_takes_nothing_and_says_so() -> None:
    made, transport = writer()
    transport.buffered = going_away.BUFFER_LIMIT + 1
    assert made.write([b"1}"]) is False
    assert transport.written == []
    transport.buffered = going_away.BUFFER_LIMIT
    assert made.write([b"1}"]) is True
    assert len(transport.written) == 1
