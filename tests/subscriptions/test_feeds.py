"""The feed's replay (`Hub.stream` with `after`), driven directly: no socket, no GraphQL.
A hub of the test's own reads the same log the app writes; the replay through real
sockets is in test_resume.py."""

from __future__ import annotations

from collections.abc import AsyncIterator, Collection, Sequence

import pytest

from models.account import Workspace
from models.event import Event
from resolvers.accounts.auth import SessionUser
from resolvers.errors import ErrorCode, Refused
from resolvers.events import log
from resolvers.pagination import IdCursor
from subscriptions.changes import BoardChange, BoardEventKind, BoardTopic, Change
from subscriptions.feeds import Hub, Subscriber, Subscribers, WorkspaceFeed
from testkit.deals import create_deal
from testkit.ids import pk
from testkit.teams import Team


@pytest.fixture
async def hub() -> AsyncIterator[Hub]:
    own = Hub(poll_seconds=0.05)
    yield own
    await own.close()


async def first(changes: AsyncIterator[Change], count: int) -> list[BoardChange]:
    found = []
    async for change in changes:
        assert isinstance(change, BoardChange)
        found.append(change)
        if len(found) == count:
            break
    return found


async def event_ids(team: Team) -> list[int]:
    return [e.id for e in await Event.filter(workspace_id=team.workspace.id).order_by("id")]


async def test_a_replay_gives_what_came_after_the_cursor_in_order_across_batches(
    hub: Hub, team: Team, manager_client, process_id: str, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(log, "REPLAY_BATCH", 2)  # five events: three batches
    names = [f"Deal {i}" for i in range(6)]
    for name in names:
        await create_deal(manager_client, name=name)
    ids = await event_ids(team)

    changes = await hub.stream(team.manager, BoardTopic(pk(process_id)), IdCursor.EVENT.of(ids[0]))
    replayed = await first(changes, 5)

    assert [c.cursor for c in replayed] == ids[1:]
    assert [c.deal.name for c in replayed if c.deal] == names[1:]
    assert {c.kind for c in replayed} == {BoardEventKind.DEAL_ADDED}


async def test_a_replay_shows_a_salesperson_only_what_they_may_see(
    hub: Hub, team: Team, manager_client, user_client, process_id: str
):
    await create_deal(user_client, name="Theirs")
    await create_deal(manager_client, name="Someone else's, private")
    await create_deal(manager_client, name="Public", isPublic=True)
    await create_deal(user_client, name="Theirs too")
    ids = await event_ids(team)

    changes = await hub.stream(team.user, BoardTopic(pk(process_id)), IdCursor.EVENT.of(ids[0]))
    replayed = await first(changes, 2)

    assert [c.deal.name for c in replayed if c.deal] == ["Public", "Theirs too"]


async def test_a_cursor_older_than_the_kept_log_is_refused_before_anything_is_sent(
    hub: Hub, team: Team, manager_client, process_id: str
):
    await create_deal(manager_client, name="Old")
    ids = await event_ids(team)
    await Workspace.filter(id=team.workspace.id).update(events_purged_through=ids[-1])

    with pytest.raises(Refused) as refused:
        await hub.stream(team.manager, BoardTopic(pk(process_id)), IdCursor.EVENT.of(ids[0] - 1))

    assert refused.value.problems[0].code == ErrorCode.CURSOR_EXPIRED
    assert team.workspace.id not in hub.feeds or not hub.feeds[team.workspace.id].subscribers


async def test_the_session_check_asks_for_each_session_once_and_ends_only_the_revoked_ones(
    team: Team,
):
    """Before each batch the feed checks its subscribers' sessions: one query with each
    token once, then a step per session (a thousand sockets of a dozen people are a
    dozen sessions); only the subscribers of a session that ended are ended."""
    asked: list[set[str]] = []
    ended: list[set[str]] = []
    revoked = {"manager-token"}

    async def live_sessions(tokens: Collection[str]) -> dict[str, SessionUser]:
        asked.append(set(tokens))
        users = {"manager-token": team.manager, "user-token": team.user}
        return {t: SessionUser.of(users[t]) for t in tokens if t not in revoked}

    feed = WorkspaceFeed(team.workspace.id, 2.0, live_sessions, ended.append)
    topic = BoardTopic(1)
    managers = [Subscriber(team.manager, topic, 10, "manager-token") for _ in range(30)]
    users = [Subscriber(team.user, topic, 10, "user-token") for _ in range(20)]
    unchecked = Subscriber(team.user, topic, 10, None)
    for subscriber in [*managers, *users, unchecked]:
        feed.subscribers.add(subscriber)
    feed.subscribers.discard(users[0])
    sessions_before = sorted(token for token, _ in feed.subscribers.sessions())

    await feed.end_revoked_sessions()

    assert sessions_before == ["manager-token", "user-token"]
    assert asked == [{"manager-token", "user-token"}]
    assert ended == [{"manager-token"}]
    assert all(s.dropped and s not in feed.subscribers for s in managers)
    assert all(s in feed.subscribers for s in [*users[1:], unchecked])
    assert [token for token, _ in feed.subscribers.sessions()] == ["user-token"]


class Keyed:
    """A delivery that only has a key (the test writes nothing)."""

    def __init__(self, key: str) -> None:
        self.key = key

    async def render(self, change: Change) -> bytes:
        raise AssertionError("not rendered here")

    def write(self, payloads: Sequence[bytes], frames: dict[bytes, bytes] | None = None) -> bool:
        raise AssertionError("not written here")


def test_subscribers_are_kept_by_audience_and_document_in_the_order_they_came(team: Team):
    """What an event is handed out over: a list per audience and frames key, kept as
    subscribers come and go (an emptied group, and an emptied audience, go)."""
    subscribers = Subscribers()
    board, other_board = BoardTopic(1), BoardTopic(2)
    cards, counts = Keyed("cards"), Keyed("counts")
    a, b, c = (Subscriber(team.manager, board, 10, delivery=cards) for _ in range(3))
    d = Subscriber(team.admin, board, 10, delivery=counts)  # the managers' audience too
    queued = Subscriber(team.manager, board, 10)  # no delivery: its task reads its queue
    e = Subscriber(team.user, board, 10, delivery=cards)  # a salesperson: their own
    f = Subscriber(team.manager, other_board, 10, delivery=cards)
    for subscriber in [a, d, b, queued, e, f, c, b]:
        subscribers.add(subscriber)

    assert len(subscribers) == 7
    assert subscribers.audiences() == [
        (a.audience, [[a, b, c], [d], [queued]]),
        (e.audience, [[e]]),
        (f.audience, [[f]]),
    ]

    for subscriber in [d, e, b, e]:
        subscribers.discard(subscriber)

    assert len(subscribers) == 4
    assert subscribers.audiences() == [(a.audience, [[a, c], [queued]]), (f.audience, [[f]])]
    assert e not in subscribers and a in subscribers
    assert list(subscribers) == [a, queued, f, c]
