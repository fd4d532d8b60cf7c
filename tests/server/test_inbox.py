"""A socket's `Inbox` (`server.going_away`) does for uvicorn's protocol what its
`asyncio.Queue` did: first in, first out, a waiting reader woken by the next message,
and a reader cancelled after being woken hands the message on to the next reader."""

from __future__ import annotations

import asyncio
from typing import Any

from server.going_away import Inbox


def message(n: int) -> Any:
    return {"type": "websocket.receive", "text": str(n)}


async def test_messages_come_out_in_order():
    inbox = Inbox()
    for n in range(3):
        inbox.put_nowait(message(n))

    assert inbox.qsize() == 3 and not inbox.empty()
    assert [await inbox.get() for _ in range(3)] == [message(n) for n in range(3)]
    assert inbox.empty()


async def test_a_waiting_reader_gets_the_next_message():
    inbox = Inbox()
    reader = asyncio.ensure_future(inbox.get())
    await asyncio.sleep(0)
    assert not reader.done()

    inbox.put_nowait(message(1))

    assert await asyncio.wait_for(reader, 1) == message(1)


async def test_a_reader_cancelled_after_its_wake_up_passes_the_message_on():
    inbox = Inbox()
    first = asyncio.ensure_future(inbox.get())
    second = asyncio.ensure_future(inbox.get())
    await asyncio.sleep(0)

    inbox.put_nowait(message(1))  # wakes `first`...
    first.cancel()  # ...which leaves before it reads

    assert await asyncio.wait_for(second, 1) == message(1)
    assert first.cancelled()
    assert inbox.empty()
