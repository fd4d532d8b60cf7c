"""The outbox: a request announces what it committed; the relay announces the rest."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta
from typing import Any
from unittest import mock

from starlette.applications import Starlette
from tortoise.queryset import QuerySet

from models.event import Event
from resolvers.clock import now_utc
from resolvers.deals.editing import NewDeal, create_deal
from subscriptions.channels import log_grew
from testkit.deals import create_deal as create_deal_over_http
from testkit.teams import Team


async def test_events_written_outside_a_request_are_announced_by_the_relay(
    app: Starlette, team: Team
):
    await create_deal(team.manager, NewDeal(name="Written by a script"))
    await Event.all().update(at=now_utc() - timedelta(seconds=5))
    unannounced = await Event.filter(published_at=None).count()

    await app.state.live.outbox.relay_once()

    assert unannounced == 1
    assert await Event.filter(published_at=None).count() == 0


async def test_a_request_announces_its_own_events(app: Starlette, team: Team, manager_client):
    await create_deal_over_http(manager_client, name="Over HTTP")
    await app.state.live.outbox.settled()

    assert await Event.filter(published_at=None).count() == 0


async def test_a_process_wakes_on_others_announcements_not_on_its_own_echo(
    app: Starlette, team: Team, monkeypatch
):
    """The process that committed wakes its feeds itself; its own ring coming back on
    the bus would only make them read the log once more for nothing. A relayed event
    (committed by a process that died before announcing it) wakes this process's feeds
    too, since its own ring no longer will."""
    live = app.state.live
    woken: list[int] = []
    monkeypatch.setattr(live.hub, "wake", woken.append)

    live._heard(log_grew(team.workspace.id, live.origin))
    own_echo = list(woken)
    live._heard(log_grew(team.workspace.id, "another-process"))
    live._heard(json.dumps({"workspace": team.workspace.id}))  # from an older release
    live._heard("not a ring")
    heard = list(woken)
    woken.clear()
    await create_deal(team.manager, NewDeal(name="Died before announcing"))
    await Event.all().update(at=now_utc() - timedelta(seconds=5))
    await live.outbox.relay_once()

    assert own_echo == []
    assert heard == [team.workspace.id, team.workspace.id]
    assert team.workspace.id in woken


async def test_rings_are_marked_in_the_log_a_moment_later_in_one_write_per_workspace(
    app: Starlette, team: Team, manager_client, monkeypatch
):
    """The mark is an UPDATE: made with each ring, it would be a write per commit, queued
    ahead of the feeds' reads of the events it marks. Commits within the moment share
    one mark (here the moment lasts until the three requests are answered); what each
    request answered for is still marked."""
    outbox = app.state.live.outbox
    await outbox.settled()  # no mark of an earlier test's pending
    moment_over = asyncio.Event()
    marks: list[dict[int, int]] = []
    mark_rung = outbox.mark_rung

    async def moment() -> None:
        await moment_over.wait()

    async def counted() -> None:
        marks.append(dict(outbox._rung))
        await mark_rung()

    async def no_relay() -> None:  # it would mark what it finds a second old at once
        pass

    monkeypatch.setattr(outbox, "_moment", moment)
    monkeypatch.setattr(outbox, "mark_rung", counted)
    monkeypatch.setattr(outbox, "relay_once", no_relay)
    for name in ("First", "Second", "Third"):
        await create_deal_over_http(manager_client, name=name)
    unmarked_right_after = await Event.filter(published_at=None).count()
    last = await Event.all().order_by("-id").first()
    assert last is not None
    for _ in range(1000):  # each ring is sent in the background, after its answer
        if outbox._rung.get(team.workspace.id) == last.id:
            break
        await asyncio.sleep(0.005)
    moment_over.set()
    await outbox.settled()

    assert unmarked_right_after == 3
    assert len(marks) == 1 and list(marks[0]) == [team.workspace.id]
    assert marks[0][team.workspace.id] == last.id
    assert await Event.filter(published_at=None).count() == 0


async def test_a_ring_while_a_mark_is_written_is_marked_too(app: Starlette, team: Team):
    """A commit rung for while the mark before it is written gets a mark of its own: it
    does not wait for the relay."""
    outbox = app.state.live.outbox
    await outbox.settled()
    first = await create_deal(team.manager, NewDeal(name="Marked first"))
    writing, go_on = asyncio.Event(), asyncio.Event()
    update = QuerySet.update

    def held_update(self: QuerySet[Any], **fields: Any) -> Any:
        if "published_at" not in fields or writing.is_set():
            return update(self, **fields)

        async def held() -> Any:  # the first mark, until the second ring is in
            writing.set()
            await go_on.wait()
            return await update(self, **fields)

        return held()

    with mock.patch.object(QuerySet, "update", held_update):
        outbox.announce({team.workspace.id: await last_event_id(team)})
        await writing.wait()
        second = await create_deal(team.manager, NewDeal(name="Rung meanwhile"))
        outbox.announce({team.workspace.id: await last_event_id(team)})
        await asyncio.sleep(0.01)  # its ring is in; the first mark still being written
        go_on.set()
        while outbox._tasks:  # the marker's own doing, not `settled`'s
            await asyncio.gather(*outbox._tasks)

    assert first.id != second.id
    assert outbox._rung == {}
    assert await Event.filter(published_at=None).count() == 0


async def last_event_id(team: Team) -> int:
    last = await Event.filter(workspace_id=team.workspace.id).order_by("-id").first()
    assert last is not None
    return last.id
