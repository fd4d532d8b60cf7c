"""The soak's delivery check: what each subscriber should get of the event log, and how
what it got is counted. A checker that passes everything would make the soak's
"completeness 1.0" worthless, so it is held to hand-made cases here."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from bench.soak_delivery import (
    BoardWatch,
    DealWatch,
    Facts,
    LoggedEvent,
    Tally,
    Viewer,
    expected_deliveries,
    missing_cursors,
    on_board,
    sees,
    tally,
)
from models.account import Role
from resolvers.events.log import BoardFacts

BOARD, OTHER_BOARD, DEAL = 1, 2, 10
ANNA, BART, CARLA, MANAGER = 100, 101, 102, 200
manager = Viewer(MANAGER, sees_every_deal=True)
bart = Viewer(BART, sees_every_deal=False)


def facts(**changed: Any) -> dict[str, Any]:
    """A deal's board facts as the log stores them: Anna's private open deal by default."""
    stored = {
        "process": BOARD,
        "stage": 1,
        "open": True,
        "trash": False,
        "public": False,
        "owner": ANNA,
        "participants": [],
    }
    return stored | changed


def event(id: int, before: dict[str, Any] | None, after: dict[str, Any] | None, **kw: Any) -> Any:
    data = {"changes": [], "before": before, "after": after}
    return LoggedEvent.from_row(id, kw.get("deal", DEAL), kw.get("kind", "DEAL_UPDATED"), data)


# Anna's deal, as Bart (another salesperson) and a manager live through it.
STORY = [
    event(1, None, facts(), kind="DEAL_CREATED"),  # private: Bart sees nothing
    event(2, facts(), facts(public=True), kind="VISIBILITY_CHANGED"),  # Bart: added
    event(3, facts(public=True), facts(public=True, stage=2), kind="STEP_COMPLETED"),  # moved
    event(4, facts(public=True, stage=2), facts(public=True, stage=2)),  # updated
    event(5, facts(public=True, stage=2), facts(stage=2), kind="VISIBILITY_CHANGED"),  # removed
    event(6, facts(stage=2), facts(stage=3), kind="STEP_COMPLETED"),  # Bart: nothing
    event(7, facts(stage=3), facts(stage=3, participants=[BART])),  # taking part: added
    event(8, facts(stage=3, participants=[BART]), facts(stage=3, participants=[BART], open=False)),
    event(9, facts(process=OTHER_BOARD), facts(process=OTHER_BOARD, stage=5), deal=11),
    LoggedEvent.from_row(10, None, "PROCESS_CHANGED", {"process": BOARD}),
    LoggedEvent.from_row(11, None, "PROCESS_CHANGED", {"process": OTHER_BOARD}),
]


def test_the_log_facts_are_read_as_the_server_writes_them() -> None:
    written = BoardFacts(
        process_id=3,
        stage_id=None,
        open=False,
        in_trash=True,
        is_public=True,
        owner_id=4,
        participant_ids=frozenset({5, 6}),
    ).to_json()

    assert Facts.from_json(written) == Facts(3, None, False, True, 4, frozenset({5, 6}))
    assert Facts.from_json(None) is None


def test_a_salesperson_sees_own_shared_and_public_deals_only() -> None:
    private = Facts.from_json(facts())
    assert not sees(bart, private)
    assert sees(Viewer(ANNA, False), private)
    assert sees(bart, Facts.from_json(facts(participants=[BART])))
    assert sees(bart, Facts.from_json(facts(public=True)))
    assert sees(manager, private)
    assert not sees(manager, None)


def test_a_board_shows_open_deals_of_its_process_only() -> None:
    assert on_board(manager, Facts.from_json(facts()), BOARD)
    assert not on_board(manager, Facts.from_json(facts()), OTHER_BOARD)
    assert not on_board(manager, Facts.from_json(facts(open=False)), BOARD)
    assert not on_board(bart, Facts.from_json(facts()), BOARD)


def test_a_salespersons_board_hears_of_the_deal_while_and_when_it_is_in_sight() -> None:
    assert expected_deliveries(STORY, bart, BoardWatch(BOARD)) == [
        (2, "DEAL_ADDED"),
        (3, "DEAL_MOVED"),
        (4, "DEAL_UPDATED"),
        (5, "DEAL_REMOVED"),
        (7, "DEAL_ADDED"),
        (8, "DEAL_REMOVED"),
        (10, "PROCESS_CHANGED"),
    ]


def test_a_managers_board_hears_of_every_deal_of_its_process() -> None:
    assert expected_deliveries(STORY, manager, BoardWatch(BOARD)) == [
        (1, "DEAL_ADDED"),
        (2, "DEAL_UPDATED"),
        (3, "DEAL_MOVED"),
        (4, "DEAL_UPDATED"),
        (5, "DEAL_UPDATED"),
        (6, "DEAL_MOVED"),
        (7, "DEAL_UPDATED"),
        (8, "DEAL_REMOVED"),
        (10, "PROCESS_CHANGED"),
    ]
    assert expected_deliveries(STORY, manager, BoardWatch(OTHER_BOARD)) == [
        (9, "DEAL_MOVED"),
        (11, "PROCESS_CHANGED"),
    ]


def test_a_deal_is_heard_of_when_seen_before_or_after_each_change() -> None:
    assert expected_deliveries(STORY, bart, DealWatch(DEAL)) == [
        (2, "VISIBILITY_CHANGED"),
        (3, "STEP_COMPLETED"),
        (4, "DEAL_UPDATED"),
        (5, "VISIBILITY_CHANGED"),
        (7, "DEAL_UPDATED"),
        (8, "DEAL_UPDATED"),
    ]
    assert [c for c, _ in expected_deliveries(STORY, manager, DealWatch(DEAL))] == list(range(1, 9))
    assert expected_deliveries(STORY, Viewer(CARLA, False), DealWatch(DEAL)) == [
        (2, "VISIBILITY_CHANGED"),
        (3, "STEP_COMPLETED"),
        (4, "DEAL_UPDATED"),
        (5, "VISIBILITY_CHANGED"),
    ]


EXPECTED = [(2, "DEAL_ADDED"), (3, "DEAL_MOVED"), (5, "DEAL_REMOVED")]


def test_everything_once_and_in_order_is_complete() -> None:
    counted = tally(EXPECTED, list(EXPECTED), up_to=5)

    assert counted == Tally(expected=3, delivered=3)
    assert counted.completeness == 1.0
    assert counted.missing == 0


def test_a_missing_event_lowers_completeness() -> None:
    received = [EXPECTED[0], EXPECTED[2]]
    counted = tally(EXPECTED, received, up_to=5)

    assert counted.delivered == 2
    assert counted.missing == 1
    assert counted.completeness == 2 / 3
    assert missing_cursors(EXPECTED, received) == [3]


def test_duplicates_out_of_order_unexpected_and_wrong_kinds_are_counted() -> None:
    received = [
        (3, "DEAL_MOVED"),
        (2, "DEAL_ADDED"),  # older than one before it
        (3, "DEAL_MOVED"),  # again
        (4, "DEAL_UPDATED"),  # not for this subscriber
        (5, "DEAL_UPDATED"),  # should have been DEAL_REMOVED
        (9, "DEAL_ADDED"),  # after the last event the check read: left out
    ]
    counted = tally(EXPECTED, received, up_to=5)

    assert counted == Tally(
        expected=3, delivered=3, duplicates=1, out_of_order=1, unexpected=1, wrong_kind=1
    )
    assert counted.completeness == 1.0


def test_tallies_add_up_and_nothing_expected_is_complete() -> None:
    total = Tally(expected=3, delivered=2, duplicates=1) + Tally(expected=1, delivered=1)

    assert total == Tally(expected=4, delivered=3, duplicates=1)
    assert Tally().completeness == 1.0


viewers = st.builds(
    lambda user, role: (Viewer(user, role != Role.USER), SimpleNamespace(id=user, role=role)),
    st.sampled_from([ANNA, BART, CARLA]),
    st.sampled_from(list(Role)),
)
stored_facts = st.builds(
    facts,
    process=st.sampled_from([BOARD, OTHER_BOARD]),
    open=st.booleans(),
    public=st.booleans(),
    owner=st.sampled_from([ANNA, BART]),
    participants=st.lists(st.sampled_from([ANNA, BART, CARLA]), unique=True),
)


@given(viewers, stored_facts)
def test_the_rule_agrees_with_the_servers(viewer: Any, stored: dict[str, Any]) -> None:
    """Written again on purpose; should the server's rule change, this says so."""
    ours, user = viewer
    theirs = BoardFacts.from_json(stored)
    assert theirs is not None

    assert sees(ours, Facts.from_json(stored)) == theirs.visible_to(user)
    assert on_board(ours, Facts.from_json(stored), BOARD) == theirs.on_board(BOARD, user)
