"""The fan-out benchmark's reading end (`bench.arrivals`): it counts each `next` message
once, at its last byte, however the frames are cut; answers pings; notes a close. First
against bytes given by hand, then against a real WebSocket server."""

from __future__ import annotations

import asyncio
import json
import struct
import time

from websockets.asyncio.server import ServerConnection, serve

from bench.arrivals import ArrivalClock
from bench.fanout import subscribe


def server_frame(opcode: int, payload: bytes, final: bool = True) -> bytes:
    first = (0x80 if final else 0) | opcode
    if len(payload) < 126:
        return bytes((first, len(payload))) + payload
    if len(payload) < 1 << 16:
        return bytes((first, 126)) + struct.pack("!H", len(payload)) + payload
    return bytes((first, 127)) + struct.pack("!Q", len(payload)) + payload


def next_message(size: int) -> bytes:
    head = b'{"id":"1","type":"next","payload":{"data":"'
    return head + b"x" * max(0, size - len(head) - 4) + b'"}}'


def unmasked(frame: bytes) -> tuple[int, bytes]:
    """A client frame's first byte and payload (short payloads only)."""
    assert frame[1] & 0x80, "a client masks its frames"
    length, mask = frame[1] & 0x7F, frame[2:6]
    return frame[0], bytes(b ^ mask[i % 4] for i, b in enumerate(frame[6 : 6 + length]))


class Transport(asyncio.Transport):
    def __init__(self) -> None:
        super().__init__()
        self.written: list[bytes] = []
        self.closed = False

    def set_protocol(self, protocol: asyncio.BaseProtocol) -> None:
        self.protocol = protocol

    def write(self, data: bytes | bytearray | memoryview) -> None:
        self.written.append(bytes(data))

    def is_closing(self) -> bool:
        return self.closed

    def close(self) -> None:
        self.closed = True


def clock() -> tuple[ArrivalClock, Transport]:
    reader, transport = ArrivalClock(), Transport()
    reader.take_over(transport)
    assert transport.protocol is reader
    return reader, transport


def test_each_next_message_counts_once_at_its_last_byte_however_the_bytes_come() -> None:
    stream = b"".join(
        [
            server_frame(0x1, next_message(60)),
            server_frame(0x1, b'{"id":"1","type":"complete"}'),  # not an event
            server_frame(0x1, next_message(300)),  # 16-bit length
            server_frame(0x1, next_message(70_000)),  # 64-bit length
            # One message in two frames: it arrives with the second.
            server_frame(0x1, next_message(200)[:100], final=False),
            server_frame(0x0, next_message(200)[100:]),
            server_frame(0x1, b'{"type":"pong"}'),
        ]
    )
    first_end = 2 + 60  # where the first event's frame ends
    for cut in (1, 2, 3, 7, 64, 1000, len(stream)):
        reader, _ = clock()
        times = []
        for start in range(0, len(stream), cut):
            reader.data_received(stream[start : start + cut])
            times.append((start + cut, reader.arrivals[-1] if reader.arrivals else None))
        assert len(reader.arrivals) == 4, cut
        assert reader.arrivals == sorted(reader.arrivals)
        # The first event is timed by the piece that brought its last byte, not later.
        piece_end = next(end for end, _ in times if end >= first_end)
        assert dict(times)[piece_end] == reader.arrivals[0]


def test_a_ping_is_answered_with_its_payload_and_a_close_is_noted() -> None:
    reader, transport = clock()
    reader.data_received(server_frame(0x9, b"keepalive"))
    ((first, payload),) = [unmasked(frame) for frame in transport.written]
    assert (first, payload) == (0x8A, b"keepalive")
    reader.data_received(server_frame(0x8, (4403).to_bytes(2, "big") + b"Forbidden"))
    assert reader.close_code == 4403

    silent, _ = clock()
    silent.connection_lost(None)
    assert silent.close_code == 1006


def test_closing_says_goodbye_and_lets_go() -> None:
    reader, transport = clock()
    reader.close()
    ((first, payload),) = [unmasked(frame) for frame in transport.written]
    assert (first, int.from_bytes(payload, "big")) == (0x88, 1000)
    assert transport.closed
    reader.close()  # once is enough
    assert len(transport.written) == 1


async def test_a_subscribed_socket_is_read_by_the_clock_from_then_on() -> None:
    """`subscribe` through the `websockets` client, then the clock: every event the
    server sends after the subscription arrives, of any size, and pings get answers."""
    sizes = [40, 500, 70_000, 90]
    pong = asyncio.Event()

    async def handler(ws: ServerConnection) -> None:
        assert json.loads(await ws.recv())["type"] == "connection_init"
        await ws.send(json.dumps({"type": "connection_ack"}))
        assert json.loads(await ws.recv())["type"] == "subscribe"
        await asyncio.sleep(0.05)
        for size in sizes:
            await ws.send(next_message(size).decode())
        await ws.send(json.dumps({"id": "1", "type": "complete"}))
        await (await ws.ping(b"still there?"))
        pong.set()
        await ws.wait_closed()

    async with serve(handler, "127.0.0.1", 0, subprotocols=["graphql-transport-ws"]) as server:
        port = next(iter(server.sockets)).getsockname()[1]
        started = time.perf_counter()
        subscriber = await subscribe(f"ws://127.0.0.1:{port}", "token", "{ x }", {})
        await asyncio.wait_for(pong.wait(), 5)
        assert len(subscriber.arrivals) == len(sizes)
        assert all(started < t < time.perf_counter() for t in subscriber.arrivals)
        subscriber.close()
        await asyncio.sleep(0.05)
