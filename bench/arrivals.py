"""The fan-out benchmark's reading end: the arrival time of each `next` message on a
subscribed socket, read straight off its transport.

The benchmark connects and subscribes with the `websockets` client, then hands the
socket's transport to an `ArrivalClock`, which reads the server's frames itself. Through
`websockets` (its frame parser, assembler, queue and `recv`), the client spent 22-41 ms
of CPU per event on 1,000 sockets, as much as the server it measures: on the 2-core
machine that both share, it bounded the events per second and its lag set the p99. The
clock notes the time as the bytes come off the socket (asyncio's `data_received`) and
parses no more than frame headers, the same for the peer and for Dealflow.

Server frames are unmasked and, with compression off (the benchmark asks for none),
never carry RSV bits. The few frames the clock sends are `websockets`' own (masked, as
a client's must be). The clock answers pings (a server's keepalive) and notes a close;
it sends no pings of its own (connect with `ping_interval=None`).
"""

from __future__ import annotations

import asyncio
import struct
import time

from websockets.frames import Close, Frame, Opcode

TEXT, CONTINUATION, CLOSE, PING = 0x1, 0x0, 0x8, 0x9
NEXT = b'"next"'  # within a message's first bytes: `{"id":"1","type":"next",...}`
NEXT_WITHIN = 40


class ArrivalClock(asyncio.Protocol):
    """Takes over a subscribed socket's transport (`take_over`) and appends the time of
    each `next` message's last byte to `arrivals`."""

    def __init__(self) -> None:
        self.arrivals: list[float] = []
        self.close_code: int | None = None
        self.transport: asyncio.Transport | None = None
        self._buffer = bytearray()
        self._message_is_next = False  # the message whose frames are coming in

    def take_over(self, transport: asyncio.Transport) -> None:
        self.transport = transport
        transport.set_protocol(self)

    def data_received(self, data: bytes) -> None:
        now = time.perf_counter()
        buffer = self._buffer
        buffer += data
        start = 0
        while True:
            frame = self._frame_at(buffer, start)
            if frame is None:
                break
            first, payload_start, end = frame
            self._on_frame(first, buffer, payload_start, end, now)
            start = end
        del buffer[:start]

    @staticmethod
    def _frame_at(buffer: bytearray, start: int) -> tuple[int, int, int] | None:
        """The frame at `start`, if whole: its first byte, where its payload starts and
        where it ends."""
        if len(buffer) - start < 2:
            return None
        length = buffer[start + 1] & 0x7F
        header = 2
        if length == 126:
            if len(buffer) - start < 4:
                return None
            (length,) = struct.unpack_from("!H", buffer, start + 2)
            header = 4
        elif length == 127:
            if len(buffer) - start < 10:
                return None
            (length,) = struct.unpack_from("!Q", buffer, start + 2)
            header = 10
        end = start + header + length
        if len(buffer) < end:
            return None
        return buffer[start], start + header, end

    def _on_frame(
        self, first: int, buffer: bytearray, payload_start: int, end: int, now: float
    ) -> None:
        final, opcode = first & 0x80, first & 0x0F
        if opcode == TEXT:
            head = bytes(buffer[payload_start : min(end, payload_start + NEXT_WITHIN)])
            self._message_is_next = NEXT in head
        if opcode in (TEXT, CONTINUATION):
            if final and self._message_is_next:
                self.arrivals.append(now)
        elif opcode == PING and self.transport is not None:
            pong = Frame(Opcode.PONG, bytes(buffer[payload_start:end]))
            self.transport.write(pong.serialize(mask=True))
        elif opcode == CLOSE:
            code = buffer[payload_start : payload_start + 2]
            self.close_code = int.from_bytes(code, "big") if len(code) == 2 else 1005

    def connection_lost(self, exc: Exception | None) -> None:
        if self.close_code is None:
            self.close_code = 1006

    def close(self) -> None:
        """Say goodbye (1000) and let go of the socket, without waiting for the answer."""
        if self.transport is not None and not self.transport.is_closing():
            goodbye = Frame(Opcode.CLOSE, Close(1000, "").serialize())
            self.transport.write(goodbye.serialize(mask=True))
            self.transport.close()
