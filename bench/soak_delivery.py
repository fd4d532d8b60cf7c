"""What each soak subscriber should have received, and how what it got compares.

The expected events come from the event log's board facts (the deal before and after
each change) and the visibility rule, written again here rather than imported from the
server (`resolvers/events/log.py`, `subscriptions/changes.py`), so that the check does
not trust the code it checks:
- managers and admins see every deal; a salesperson sees the deals they own, take part
  in, or that are public;
- `dealEvents(deal)` gets the deal's events that its viewer could see before or after;
- `boardEvents(process)` gets an event when the deal is on that board (open, in that
  process, visible to the viewer) before or after it: DEAL_ADDED, DEAL_REMOVED,
  DEAL_MOVED (another stage) or DEAL_UPDATED; and every PROCESS_CHANGED of the process.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, fields
from typing import Any

# A delivery as a subscriber sees it: the event's cursor (its id in the log) and kind.
Delivery = tuple[int, str]


@dataclass(frozen=True)
class Facts:
    """A deal's board facts as one event row records them."""

    process_id: int
    stage_id: int | None
    open: bool  # open and not in the trash
    public: bool
    owner_id: int
    participant_ids: frozenset[int]

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> Facts | None:
        if not data:
            return None
        return cls(
            process_id=int(data["process"]),
            stage_id=None if data["stage"] is None else int(data["stage"]),
            open=bool(data["open"]),
            public=bool(data["public"]),
            owner_id=int(data["owner"]),
            participant_ids=frozenset(int(i) for i in data["participants"]),
        )


@dataclass(frozen=True)
class LoggedEvent:
    id: int
    deal_id: int | None
    kind: str
    before: Facts | None
    after: Facts | None
    process_id: int | None = None  # the reconfigured process of a PROCESS_CHANGED

    @classmethod
    def from_row(cls, id: int, deal_id: int | None, kind: str, data: dict[str, Any]) -> LoggedEvent:
        if kind == "PROCESS_CHANGED":
            return cls(id, deal_id, kind, None, None, int(data["process"]))
        before, after = Facts.from_json(data.get("before")), Facts.from_json(data.get("after"))
        return cls(id, deal_id, kind, before, after)


@dataclass(frozen=True)
class Viewer:
    user_id: int
    sees_every_deal: bool  # a manager or an admin


@dataclass(frozen=True)
class BoardWatch:
    process_id: int


@dataclass(frozen=True)
class DealWatch:
    deal_id: int


Watch = BoardWatch | DealWatch


def sees(viewer: Viewer, facts: Facts | None) -> bool:
    return facts is not None and (
        viewer.sees_every_deal
        or facts.owner_id == viewer.user_id
        or facts.public
        or viewer.user_id in facts.participant_ids
    )


def on_board(viewer: Viewer, facts: Facts | None, process_id: int) -> bool:
    return (
        facts is not None and facts.open and facts.process_id == process_id and sees(viewer, facts)
    )


def board_delivery(event: LoggedEvent, viewer: Viewer, process_id: int) -> Delivery | None:
    if event.kind == "PROCESS_CHANGED":
        return (event.id, event.kind) if event.process_id == process_id else None
    was = on_board(viewer, event.before, process_id)
    is_ = on_board(viewer, event.after, process_id)
    if was and is_:
        assert event.before is not None and event.after is not None
        moved = event.before.stage_id != event.after.stage_id
        return (event.id, "DEAL_MOVED" if moved else "DEAL_UPDATED")
    if was or is_:
        return (event.id, "DEAL_ADDED" if is_ else "DEAL_REMOVED")
    return None


def deal_delivery(event: LoggedEvent, viewer: Viewer, deal_id: int) -> Delivery | None:
    if event.deal_id != deal_id:
        return None
    seen = sees(viewer, event.before) or sees(viewer, event.after)
    return (event.id, event.kind) if seen else None


def expected_deliveries(
    events: Iterable[LoggedEvent], viewer: Viewer, watch: Watch
) -> list[Delivery]:
    """What `viewer` watching `watch` should get of `events` (oldest first), in order."""
    found = (
        board_delivery(event, viewer, watch.process_id)
        if isinstance(watch, BoardWatch)
        else deal_delivery(event, viewer, watch.deal_id)
        for event in events
    )
    return [delivery for delivery in found if delivery is not None]


@dataclass
class Tally:
    """Deliveries against expectations, for one subscriber or added up over many."""

    expected: int = 0
    delivered: int = 0  # expected events received (at least once)
    duplicates: int = 0  # receipts of an event already received
    out_of_order: int = 0  # receipts of an event older than one received before it
    unexpected: int = 0  # events received that the subscriber should not have had
    wrong_kind: int = 0  # expected events received under another kind

    @property
    def missing(self) -> int:
        return self.expected - self.delivered

    @property
    def completeness(self) -> float:
        return self.delivered / self.expected if self.expected else 1.0

    def __add__(self, other: Tally) -> Tally:
        return Tally(*(getattr(self, f.name) + getattr(other, f.name) for f in fields(self)))


def tally(expected: list[Delivery], received: list[Delivery], up_to: int) -> Tally:
    """Compare what arrived (in arrival order) with what was expected. Events after
    `up_to`, the last one the check read from the log, are left out of the count."""
    kinds = dict(expected)
    result = Tally(expected=len(expected))
    seen: set[int] = set()
    newest = 0
    for cursor, kind in received:
        if cursor > up_to:
            continue
        if cursor in seen:
            result.duplicates += 1
            continue
        seen.add(cursor)
        if cursor < newest:
            result.out_of_order += 1
        newest = max(newest, cursor)
        if cursor not in kinds:
            result.unexpected += 1
            continue
        result.delivered += 1
        if kinds[cursor] != kind:
            result.wrong_kind += 1
    return result


def missing_cursors(expected: list[Delivery], received: list[Delivery]) -> list[int]:
    """The expected events that never arrived, oldest first."""
    arrived = {cursor for cursor, _ in received}
    return [cursor for cursor, _ in expected if cursor not in arrived]
