"""A socket's `Writable` (`server.going_away`) does for uvicorn's protocol what its
`asyncio.Event` did: sends go on at once while the transport has room, wait while it is
paused, and all go on when it resumes; a waiter that leaves is forgotten."""

from __future__ import annotations

import asyncio

from server.going_away import Writable


async def waiting(writable: Writable) -> asyncio.Future[bool]:
    waiter = asyncio.ensure_future(writable.wait())
    await asyncio.sleep(0)
    return waiter


async def test_an_open_socket_does_not_wait():
    writable = Writable()

    assert writable.is_set()
    assert await asyncio.wait_for(writable.wait(), 1) is True


async def test_sends_wait_while_paused_and_all_go_on_when_resumed():
    writable = Writable()
    writable.clear()
    first, second = await waiting(writable), await waiting(writable)
    await asyncio.sleep(0.01)
    assert not first.done() and not second.done() and not writable.is_set()

    writable.set()

    assert await asyncio.wait_for(asyncio.gather(first, second), 1) == [True, True]
    assert writable._waiters == []


async def test_a_waiter_that_leaves_is_forgotten_and_the_others_still_wake():
    writable = Writable()
    writable.clear()
    leaving, staying = await waiting(writable), await waiting(writable)

    leaving.cancel()
    await asyncio.sleep(0)
    assert len(writable._waiters) == 1
    writable.set()

    assert await asyncio.wait_for(staying, 1) is True
    assert leaving.cancelled()
