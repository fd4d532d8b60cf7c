"""Events read together (one batch of `WorkspaceFeed.catch_up`) reach each handed-over
subscriber in one write, in the log's order; a failure or a full socket in the middle of
a batch loses nothing written before it, and the subscriber learns where to resume.
Driven directly, with deliveries of the test's own; the real sockets' writes are in
tests/server/test_frames.py."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from typing import Any

import pytest
from pypika_tortoise.queries import QueryBuilder

from models.account import User
from models.event import Event
from resolvers.pagination import IdCursor
from subscriptions import changes
from subscriptions.changes import BoardChange, BoardTopic, Change
from subscriptions.feeds import HandedOver, Hub, SubscriberTooSlow, WorkspaceFeed
from testkit.deals import create_deal
from testkit.documents import UPDATE_DEAL_MUTATION
from testkit.ids import pk
from testkit.queries import logged_queries
from testkit.teams import Team


class Recording:
    """A socket that takes frames (or refuses them), each payload the change's cursor;
    rendering fails for the deal named `broken`."""

    key = "the document"

    def __init__(self, *, refuses: bool = False, broken: str | None = None) -> None:
        self.refuses = refuses
        self.broken = broken
        self.writes: list[list[str]] = []

    async def render(self, change: Change) -> bytes:
        assert isinstance(change, BoardChange)
        if change.deal is not None and change.deal.name == self.broken:
            raise RuntimeError("the document cannot be executed")
        return str(change.cursor).encode()

    def write(self, payloads: Sequence[bytes], frames: dict[bytes, bytes] | None = None) -> bool:
        if self.refuses:
            return False
        self.writes.append([payload.decode() for payload in payloads])
        return True


@pytest.fixture
async def hub() -> AsyncIterator[Hub]:
    own = Hub(poll_seconds=3600)  # never polls: the test runs each batch itself
    yield own
    await own.close()


async def handed_over(
    hub: Hub, team: Team, process_id: str, delivery: Recording, viewer: User | None = None
) -> tuple[WorkspaceFeed, asyncio.Future[None]]:
    """A board subscription (the manager's, unless another `viewer`) the feed writes
    for; its task, which ends only with the subscription."""
    topic = BoardTopic(pk(process_id))
    changes = await hub.stream(viewer or team.manager, topic, None, delivery=delivery)
    task = asyncio.ensure_future(followed(changes))
    feed = hub.feeds[team.workspace.id]
    for _ in range(100):
        if all(s.direct for s in feed.subscribers):
            return feed, task
        await asyncio.sleep(0)
    raise AssertionError("never handed over")


async def followed(changes: AsyncIterator[Change]) -> None:
    """What a socket's operation does with a stream the feed takes over: it waits for
    the subscription's end, which raises what ended it."""
    try:
        await anext(changes)
    except HandedOver as handed:
        ending = handed.ending
    else:
        raise AssertionError("a change came before the feed took the stream over")
    await ending()


async def three_deals(team: Team, client) -> list[int]:
    """Three deals made; their events' ids."""
    for name in ("One", "Two", "Three"):
        await create_deal(client, name=name)
    events = await Event.filter(workspace_id=team.workspace.id).order_by("id")
    return [e.id for e in events][-3:]


async def test_a_batch_reaches_each_socket_in_one_write_in_order(
    hub: Hub, team: Team, manager_client, process_id: str
):
    first, second = Recording(), Recording()
    feed, one = await handed_over(hub, team, process_id, first)
    _, other = await handed_over(hub, team, process_id, second)
    ids = await three_deals(team, manager_client)

    await feed.catch_up()

    assert first.writes == second.writes == [[str(i) for i in ids]]
    assert {s.last_sent for s in feed.subscribers} == {ids[-1]}
    assert not one.done() and not other.done()
    one.cancel(), other.cancel()


async def test_a_socket_that_cannot_take_the_batch_resumes_from_before_it(
    hub: Hub, team: Team, manager_client, process_id: str
):
    await create_deal(manager_client, name="Had before")
    feed, stuck = await handed_over(hub, team, process_id, Recording(refuses=True))
    reader = Recording()
    _, reading = await handed_over(hub, team, process_id, reader)
    before = feed.events_seen
    assert before > 0
    ids = await three_deals(team, manager_client)

    await feed.catch_up()

    with pytest.raises(SubscriberTooSlow) as too_slow:
        await stuck
    assert IdCursor.EVENT.read(too_slow.value.cursor) == before
    assert reader.writes == [[str(i) for i in ids]], "nobody else waits for it"
    reading.cancel()


async def test_a_failure_in_the_batch_comes_after_the_frames_before_it(
    hub: Hub, team: Team, manager_client, process_id: str
):
    delivery = Recording(broken="Two")
    feed, task = await handed_over(hub, team, process_id, delivery)
    ids = await three_deals(team, manager_client)

    await feed.catch_up()

    with pytest.raises(RuntimeError, match="cannot be executed"):
        await task
    assert delivery.writes == [[str(ids[0])]]
    assert not feed.subscribers


async def test_salespeoples_figures_are_read_only_for_an_event_one_of_them_sees(
    hub: Hub, team: Team, manager_client, process_id: str, monkeypatch: pytest.MonkeyPatch
):
    """Read ahead of their changes (`EventReading.foresee_figures`), but not for a deal
    no watching salesperson sees: that would be a statement per event for nothing."""
    reads: list[int] = []
    read_figures = changes.figures_by_salesperson

    async def counted(*args: Any) -> Any:
        reads.append(1)
        return await read_figures(*args)

    monkeypatch.setattr(changes, "figures_by_salesperson", counted)
    salesperson = Recording()
    feed, manager = await handed_over(hub, team, process_id, Recording())
    _, seller = await handed_over(hub, team, process_id, salesperson, team.user)

    await create_deal(manager_client, name="Private, the manager's")
    await feed.catch_up()
    assert reads == [] and salesperson.writes == []

    await create_deal(manager_client, name="Public", isPublic=True)
    await feed.catch_up()
    assert reads == [1] and len(salesperson.writes) == 1
    manager.cancel(), seller.cancel()


async def test_salespeoples_figures_are_under_way_before_the_first_frames_are_written(
    hub: Hub, team: Team, manager_client, process_id: str, monkeypatch: pytest.MonkeyPatch
):
    """The feed's writes to an audience's sockets do not yield to the event loop: a read
    for a later audience has to be started before them, or it only begins once they
    are all written. The salespeople's figures are started before the first audience's
    change is built."""
    read_started: list[bool] = []
    read_figures = changes.figures_by_salesperson

    async def marked(*args: Any) -> Any:
        read_started.append(True)
        return await read_figures(*args)

    class Watching(Recording):
        def write(self, payloads: Sequence[bytes], frames: Any = None) -> bool:
            self.started_before = bool(read_started)
            return super().write(payloads, frames)

    monkeypatch.setattr(changes, "figures_by_salesperson", marked)
    managers, salesperson = Watching(), Recording()
    feed, manager = await handed_over(hub, team, process_id, managers)
    _, seller = await handed_over(hub, team, process_id, salesperson, team.user)
    await create_deal(manager_client, name="Public", isPublic=True)
    await feed.catch_up()

    assert len(managers.writes) == len(salesperson.writes) == 1
    assert managers.started_before
    manager.cancel(), seller.cancel()


async def test_after_the_first_event_the_feed_renders_no_statement(
    hub: Hub, team: Team, manager_client, process_id: str, monkeypatch: pytest.MonkeyPatch
):
    """What the feed reads for every event (the log, the deal and its participants, the
    columns as a manager and as each salesperson sees them) is kept as text after the
    first (`resolvers.statements`): the next event renders nothing, and both viewers
    still get it."""
    manager_view, seller_view = Recording(), Recording()
    feed, one = await handed_over(hub, team, process_id, manager_view)
    _, other = await handed_over(hub, team, process_id, seller_view, team.user)
    await create_deal(manager_client, name="One", isPublic=True)
    await feed.catch_up()
    await create_deal(manager_client, name="Two", isPublic=True)
    renders: list[object] = []
    render = QueryBuilder.get_parameterized_sql  # what every rendering ends in

    def counted(query: Any, *args: Any, **kwargs: Any) -> Any:
        task = asyncio.current_task()
        # Not the app's own background loops, named `dealflow-...`, which may run
        # meanwhile: the clock (its rotting deals), the outbox's relay (its sweep of
        # events left unpublished), the session checks.
        if task is None or not task.get_name().startswith("dealflow-"):
            renders.append(query)
        return render(query, *args, **kwargs)

    monkeypatch.setattr(QueryBuilder, "get_parameterized_sql", counted)
    await feed.catch_up()

    # (the outbox marking the mutation's events published may render meanwhile)
    assert [str(query) for query in renders if str(query).startswith("SELECT")] == []
    assert len(manager_view.writes) == len(seller_view.writes) == 2
    one.cancel(), other.cancel()


async def test_events_read_together_read_their_deal_and_columns_once(
    hub: Hub, team: Team, manager_client, process_id: str
):
    """What a batch's events are shown with is read once for the batch, as it is now
    (`changes.BatchReading`): three changes of one deal cost the statements of one, and
    each viewer still gets each of them."""
    manager_view, seller_view = Recording(), Recording()
    feed, one = await handed_over(hub, team, process_id, manager_view)
    _, other = await handed_over(hub, team, process_id, seller_view, team.user)
    deal = await create_deal(manager_client, name="Watched", isPublic=True)
    await feed.catch_up()
    version = deal["version"]

    async def renamed(count: int) -> list[str]:
        nonlocal version
        for _ in range(count):
            answer = await manager_client.data(
                UPDATE_DEAL_MUTATION,
                {"input": {"id": deal["id"], "version": version, "name": f"v{version}"}},
            )
            version = answer["updateDeal"]["deal"]["version"]
        with logged_queries() as log:
            await feed.catch_up()
        return log.statements

    alone = await renamed(1)
    together = await renamed(3)

    assert len(together) == len(alone), together
    cursors = [str(e.id) for e in await Event.filter(workspace_id=team.workspace.id)]
    assert manager_view.writes[1:] == seller_view.writes[1:] == [cursors[-4:-3], cursors[-3:]]
    one.cancel(), other.cancel()


async def test_a_subscriber_still_replaying_gets_its_groups_changes_queued_then_frames(
    hub: Hub, team: Team, manager_client, process_id: str
):
    """One document, one audience: the feed writes the frames of those handed over and
    queues the change for one still replaying (its task sends it after the replay, in
    order); once its queue is read, the feed writes its frames too."""
    written = Recording()
    feed, one = await handed_over(hub, team, process_id, written)
    first = (await three_deals(team, manager_client))[-1]
    await feed.catch_up()
    replaying = Recording()
    changes = await hub.stream(
        team.manager,
        BoardTopic(pk(process_id)),
        IdCursor.EVENT.of(first - 1),
        delivery=replaying,
    )
    await create_deal(manager_client, name="Live")

    await feed.catch_up()
    replayed = [await asyncio.wait_for(anext(changes), 5) for _ in range(2)]
    task = asyncio.ensure_future(followed(changes))
    for _ in range(100):
        if all(s.direct for s in feed.subscribers):
            break
        await asyncio.sleep(0)
    await create_deal(manager_client, name="Later")
    await feed.catch_up()

    ids = [e.id for e in await Event.filter(workspace_id=team.workspace.id).order_by("id")]
    assert [change.cursor for change in replayed] == [first, ids[-2]]
    assert written.writes[-2:] == [[str(ids[-2])], [str(ids[-1])]]
    assert replaying.writes == [[str(ids[-1])]]
    one.cancel(), task.cancel()


class Gated(Recording):
    """Renders only once `gate` is set: the test acts while the feed waits."""

    def __init__(self) -> None:
        super().__init__()
        self.gate = asyncio.Event()
        self.rendering = asyncio.Event()

    async def render(self, change: Change) -> bytes:
        self.rendering.set()
        await self.gate.wait()
        return await super().render(change)


async def test_a_subscriber_handed_over_while_its_groups_frame_renders_gets_it_once(
    hub: Hub, team: Team, manager_client, process_id: str
):
    """The feed renders a group's frame, and meanwhile a member of the group finishes
    its replay and is handed over: it gets the event as a frame, once, and its replay
    did not have it."""
    gated = Gated()
    feed, one = await handed_over(hub, team, process_id, gated)
    before = (await three_deals(team, manager_client))[-1]
    gated.gate.set()
    await feed.catch_up()
    gated.gate.clear()
    late = Recording()
    changes = await hub.stream(
        team.manager, BoardTopic(pk(process_id)), IdCursor.EVENT.of(before - 1), delivery=late
    )
    await create_deal(manager_client, name="While rendering")
    catching_up = asyncio.ensure_future(feed.catch_up())
    await asyncio.wait_for(gated.rendering.wait(), 5)

    replayed = await asyncio.wait_for(anext(changes), 5)
    task = asyncio.ensure_future(followed(changes))
    for _ in range(100):
        if all(s.direct for s in feed.subscribers):
            break
        await asyncio.sleep(0)
    gated.gate.set()
    await asyncio.wait_for(catching_up, 5)

    latest = (await Event.filter(workspace_id=team.workspace.id).order_by("-id").first()).id
    assert all(s.direct for s in feed.subscribers)
    assert replayed.cursor == before
    assert late.writes == [[str(latest)]]
    assert gated.writes[-1] == [str(latest)]
    one.cancel(), task.cancel()
