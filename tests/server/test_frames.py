"""Frames spliced by a sink read exactly like the plain encoding of the same message,
whatever the operation's id (`server.frames`)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from server.frames import encode, legacy_sink, transport_sink

PAYLOAD = {"data": {"boardEvents": {"cursor": "7", "deal": {"name": 'Quote "x" \u0142 \u2028'}}}}
ODD_IDS = ["1", "sub-2", 'quote"d', "back\\slash", "\u0142\u00f3d\u017a", "</script>", "\u2028", ""]


class Recorder:
    def __init__(self) -> None:
        self.sent: list[str] = []

    async def send_text(self, text: str) -> None:
        self.sent.append(text)


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
