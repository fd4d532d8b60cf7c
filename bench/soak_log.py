"""The soak's event log, read from the database once the run is over (the one place that
knows where the log lives: today the `event` table, its board facts in `data`), and
checked against the deals' histories as the API tells them."""

from __future__ import annotations

import json
from collections import defaultdict

import asyncpg

from bench.soak_calls import Calls
from bench.soak_cast import CastDeal, Person
from bench.soak_delivery import LoggedEvent
from testkit.documents import HISTORY_QUERY
from testkit.live import event_id

_EVENTS = """
SELECT id, deal_id, kind, data FROM event
WHERE workspace_id = $1 AND id > $2 ORDER BY id
"""


async def logged_events(database_url: str, workspace_id: int, after: int) -> list[LoggedEvent]:
    """The workspace's events after the cursor `after`, oldest first."""
    connection = await asyncpg.connect(database_url.replace("postgres://", "postgresql://", 1))
    try:
        rows = await connection.fetch(_EVENTS, workspace_id, after)
    finally:
        await connection.close()
    return [
        LoggedEvent.from_row(
            row["id"],
            row["deal_id"],
            row["kind"],
            json.loads(row["data"]) if isinstance(row["data"], str) else row["data"],
        )
        for row in rows
    ]


async def history_mismatches(
    calls: Calls, viewer: Person, deals: list[CastDeal], events: list[LoggedEvent], after: int
) -> list[str]:
    """Where the log as read from the database (`events`, those after the cursor `after`)
    and the deals' histories as the API tells them disagree about which events each deal
    had: should the log move elsewhere, the check says so instead of counting against
    nothing. Events written since the log was read are left out."""
    up_to = events[-1].id if events else after
    logged: dict[int, set[int]] = defaultdict(set)
    for event in events:
        if event.deal_id is not None:
            logged[event.deal_id].add(event.id)
    found = []
    for deal in deals:
        told = {c for c in await _history_cursors(calls, viewer, deal.id, after) if c <= up_to}
        if told != logged[deal.pk]:
            found.append(f"{deal.id}: events {sorted(logged[deal.pk] ^ told)} on one side only")
    return found


async def _history_cursors(calls: Calls, viewer: Person, deal_id: str, after: int) -> set[int]:
    cursors: set[int] = set()
    page: str | None = None
    while True:
        variables = {"id": deal_id, "first": 100, "after": page}
        answer = await calls.call("deal", viewer.token, HISTORY_QUERY, variables)
        if answer is None:
            return cursors
        history = answer.value["history"]
        ids = [event_id(edge["cursor"]) for edge in history["edges"]]
        newer = [event for event in ids if event > after]
        cursors.update(newer)
        if len(newer) < len(history["edges"]) or not history["pageInfo"]["hasNextPage"]:
            return cursors
        page = history["pageInfo"]["endCursor"]
