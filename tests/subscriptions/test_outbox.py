"""The outbox: a request announces what it committed; the relay announces the rest."""

from __future__ import annotations

from datetime import timedelta

from starlette.applications import Starlette

from models.event import Event
from resolvers.clock import now_utc
from resolvers.deals.editing import NewDeal, create_deal
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
    for task in list(app.state.live.outbox._tasks):
        await task

    assert await Event.filter(published_at=None).count() == 0
