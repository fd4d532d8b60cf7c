"""The outbox: a request announces what it committed; the relay announces the rest."""

from __future__ import annotations

import json
from datetime import timedelta

from starlette.applications import Starlette

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
    ahead of the feeds' reads of the events it marks. Commits within `MARK_DELAY` share
    one mark (here a longer moment, so that the three requests surely fall within it);
    what each request answered for is still marked."""
    outbox = app.state.live.outbox
    await outbox.settled()  # no mark of an earlier test's pending
    monkeypatch.setattr(outbox, "mark_delay", 2.0)

    async def no_relay() -> None:  # it would mark what it finds a second old at once
        pass

    monkeypatch.setattr(outbox, "relay_once", no_relay)
    marks: list[dict[int, int]] = []
    mark_rung = outbox.mark_rung

    async def counted() -> None:
        marks.append(dict(outbox._rung))
        await mark_rung()

    monkeypatch.setattr(outbox, "mark_rung", counted)
    for name in ("First", "Second", "Third"):
        await create_deal_over_http(manager_client, name=name)
    unmarked_right_after = await Event.filter(published_at=None).count()
    await outbox.settled()

    assert unmarked_right_after == 3
    assert len(marks) == 1 and list(marks[0]) == [team.workspace.id]
    last = await Event.all().order_by("-id").first()
    assert last is not None and marks[0][team.workspace.id] == last.id
    assert await Event.filter(published_at=None).count() == 0
