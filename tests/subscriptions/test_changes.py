"""What an event means to a group of subscribers, as pure functions of the event's
facts (`subscriptions.changes`, `subscriptions.feeds`): no database, no socket. The
same through real sockets is in the other tests of this folder."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any, cast

import pytest

from models.account import Role, User, Workspace
from models.event import Event, EventKind
from resolvers.accounts import auth
from resolvers.events.log import BoardFacts
from subscriptions.changes import (
    BatchReading,
    BoardEventKind,
    BoardTopic,
    DealTopic,
    EventReading,
    NotificationTopic,
    _board_kind,
    board_processes,
    deal_change,
    group_of,
)
from subscriptions.feeds import _concerns

OWNER, SELLER, OTHER_SELLER, MANAGER, ADMIN = 1, 2, 3, 4, 5
BOARD, OTHER_BOARD = 10, 11


def person(user_id: int, role: Role = Role.USER) -> User:
    return cast(User, SimpleNamespace(id=user_id, role=role, workspace_id=1))


def facts(**changes: Any) -> BoardFacts:
    values: dict[str, Any] = {
        "process_id": BOARD,
        "stage_id": 100,
        "open": True,
        "in_trash": False,
        "is_public": False,
        "owner_id": OWNER,
        "participant_ids": frozenset(),
    }
    return BoardFacts(**{**values, **changes})


def event(
    before: BoardFacts | None, after: BoardFacts | None, kind: EventKind = EventKind.DEAL_UPDATED
) -> Event:
    data = {
        "before": before.to_json() if before else None,
        "after": after.to_json() if after else None,
    }
    return cast(Event, SimpleNamespace(id=42, kind=kind, data=data, deal_id=99, workspace_id=1))


def test_managers_and_admins_share_a_group_and_each_salesperson_has_their_own():
    board = BoardTopic(BOARD)

    assert group_of(person(MANAGER, Role.MANAGER), board) == group_of(
        person(ADMIN, Role.ADMIN), board
    )
    assert group_of(person(SELLER), board) != group_of(person(OTHER_SELLER), board)
    assert group_of(person(SELLER), board) != group_of(person(MANAGER, Role.MANAGER), board)


def test_notifications_are_everyone_s_own():
    notes = NotificationTopic()

    assert group_of(person(MANAGER, Role.MANAGER), notes) != group_of(
        person(ADMIN, Role.ADMIN), notes
    )


@pytest.mark.parametrize(
    ("was", "is_", "moved", "kind"),
    [
        (False, True, False, BoardEventKind.DEAL_ADDED),
        (True, False, False, BoardEventKind.DEAL_REMOVED),
        (True, True, False, BoardEventKind.DEAL_UPDATED),
        (True, True, True, BoardEventKind.DEAL_MOVED),
    ],
)
def test_what_a_card_did_on_a_board(was, is_, moved, kind):
    before, after = facts(), facts(stage_id=200 if moved else 100)

    assert _board_kind(before, after, was, is_) == kind


def test_a_deal_switching_process_concerns_both_boards():
    switched = event(facts(process_id=BOARD), facts(process_id=OTHER_BOARD))

    assert board_processes(switched) == {BOARD, OTHER_BOARD}
    assert _concerns(BoardTopic(OTHER_BOARD), switched)
    assert not _concerns(BoardTopic(12), switched)
    assert _concerns(DealTopic(99), switched) and not _concerns(DealTopic(98), switched)
    assert not _concerns(NotificationTopic(), switched)


def test_a_process_change_names_its_own_board():
    changed = cast(
        Event,
        SimpleNamespace(
            id=1, kind=EventKind.PROCESS_CHANGED, data={"process": BOARD}, deal_id=None
        ),
    )

    assert board_processes(changed) == {BOARD}


WORKSPACE = cast(Workspace, SimpleNamespace(id=1, timezone="UTC"))


def test_the_event_that_takes_a_deal_out_of_sight_is_the_last_one_heard():
    """A participant removed: they saw the deal before the event, not after."""
    removal = event(facts(participant_ids=frozenset({SELLER})), facts())
    reading = EventReading(removal, WORKSPACE)

    assert deal_change(reading, person(SELLER)) is not None
    assert deal_change(reading, person(OTHER_SELLER)) is None
    assert deal_change(reading, person(MANAGER, Role.MANAGER)) is not None
    later = EventReading(event(facts(), facts(is_public=False)), WORKSPACE)
    assert deal_change(later, person(SELLER)) is None


@pytest.mark.parametrize(
    ("now", "live"),
    [
        (person(SELLER), True),
        (None, False),  # revoked, expired or deactivated
        (person(SELLER, Role.MANAGER), False),  # a new role: what they may see changed
        (person(OTHER_SELLER), False),
    ],
)
def test_a_session_stays_live_while_its_user_and_role_do(now, live):
    opened = auth.SessionUser.of(person(SELLER))

    assert auth.session_is_live(opened, None if now is None else auth.SessionUser.of(now)) is live


@pytest.mark.parametrize(
    ("changes", "on_board"),
    [
        ({}, True),
        ({"open": False}, False),  # won, lost, cancelled or in the trash
        ({"process_id": OTHER_BOARD}, False),
        ({"owner_id": OTHER_SELLER}, False),  # private and someone else's
        ({"owner_id": OTHER_SELLER, "is_public": True}, True),
        ({"owner_id": OTHER_SELLER, "participant_ids": frozenset({SELLER})}, True),
    ],
)
def test_a_card_is_on_a_salesperson_s_board_when_open_there_and_in_sight(changes, on_board):
    card = facts(**{"owner_id": SELLER, **changes})

    assert card.on_board(BOARD, person(SELLER)) is on_board


async def test_a_batchs_read_is_shared_and_a_failed_one_is_read_again():
    """`BatchReading.once`: what the batch's events share is read once; a read that
    failed (the database for a moment out of reach) is not kept for the rest of the
    batch: the next event to ask reads again."""
    batch = BatchReading(WORKSPACE)
    reads: list[str] = []

    async def read(answer: str) -> str:
        reads.append(answer)
        if answer == "down":
            raise ConnectionError("the database is out of reach")
        return answer

    with pytest.raises(ConnectionError):
        await batch.once("columns", lambda: read("down"))
    assert await batch.once("columns", lambda: read("up")) == "up"
    assert await batch.once("columns", lambda: read("again")) == "up"
    assert reads == ["down", "up"]
