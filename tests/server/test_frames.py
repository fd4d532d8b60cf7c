"""Frames with a shared result are spliced, and read exactly like plain JSON."""

from __future__ import annotations

import json

from server.frames import FrameEncoder


def test_a_shared_result_frame_reads_like_the_plain_encoding():
    encoder = FrameEncoder()
    data = {"boardEvents": {"cursor": "7", "deal": {"name": 'Quote "x" \u0142'}}}
    first = {"id": "1", "type": "next", "payload": {"data": data}}
    second = {"id": "sub-2", "type": "data", "payload": {"data": data}}

    assert json.loads(encoder.encode(first)) == first
    assert json.loads(encoder.encode(second)) == second


def test_other_messages_are_encoded_as_they_are():
    encoder = FrameEncoder()
    with_errors = {"id": "1", "type": "next", "payload": {"data": None, "errors": [{"m": 1}]}}
    ack = {"type": "connection_ack"}

    assert json.loads(encoder.encode(with_errors)) == with_errors
    assert json.loads(encoder.encode(ack)) == ack


def test_a_new_object_at_a_reused_address_is_not_served_from_the_cache():
    encoder = FrameEncoder()
    for value in range(300):
        data = {"n": value}
        frame = encoder.encode({"id": "1", "type": "next", "payload": {"data": data}})
        assert json.loads(frame)["payload"]["data"] == {"n": value}
