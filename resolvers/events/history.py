"""What every change to a deal writes, in the same transaction: a replay event for live
subscribers and a history entry that lasts as long as the deal; and the history a
client reads back (newest first, with before/after values)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from models.account import User
from models.deal import Deal
from models.event import Event, EventKind
from models.history import HistoryEntry
from models.lead import Lead
from resolvers.access import visible_deals_and_trash
from resolvers.errors import not_found
from resolvers.events.log import BoardFacts, before_log_write, facts_from, note_event_written
from resolvers.pagination import IdCursor, Page, newest_first, page_size


def change(field: str, before: Any, after: Any) -> dict[str, Any]:
    """One before/after pair, as text, so that a client never diffs two snapshots."""
    return {
        "field": field,
        "from": None if before is None else str(before),
        "to": None if after is None else str(after),
    }


async def record_event(
    deal: Deal,
    actor: User | None,
    kind: EventKind,
    changes: list[dict[str, Any]] | None = None,
    *,
    before: BoardFacts | None,
    participant_ids: Iterable[int],
    key: str | None = None,
    **details: Any,
) -> BoardFacts:
    """Write one change: its replay event and its history entry (one id). Call inside
    the transaction of the change, after the deal row and its participants were written,
    with the deal's board facts from before the change (`DealState.facts`: as the
    mutation locked it, or as its previous event in the transaction left it) and its
    participants as they now stand (`DealState.participant_ids`, which every write of
    them keeps up to date: not read again for each event). Returns
    the facts after, for the next event of the same transaction. A `key` makes a second
    write of the same event fail (IntegrityError)."""
    await before_log_write(deal.workspace_id)
    after = facts_from(deal, participant_ids)
    await write_history(
        deal,
        actor.id if actor else None,
        str(kind),
        {"changes": changes or [], **details},
        facts={"before": before.to_json() if before else None, "after": after.to_json()},
        key=key,
    )
    return after


async def write_history(
    subject: Deal | Lead,
    actor_id: int | None,
    kind: str,
    said: dict[str, Any],
    *,
    facts: dict[str, Any],
    at: datetime | None = None,
    key: str | None = None,
    published_at: datetime | None = None,
) -> HistoryEntry:
    """A history entry and the replay event that gives it its id (see
    `models.history`): the one place that pairs them. The subject is the deal (its tasks
    and requests included) or the lead the change is about. `facts` (who may see the
    subject before and after) go to the replay event only; `at` defaults to now. A file
    the change attached is `said["fileHash"]` (with `file`, its name, `fileType` and
    `fileSize`)."""
    moment: dict[str, Any] = {"at": at} if at is not None else {}
    about: dict[str, Any] = (
        {"lead_id": subject.id} if isinstance(subject, Lead) else {"deal_id": subject.id}
    )
    event = await Event.create(
        workspace_id=subject.workspace_id,
        actor_id=actor_id,
        kind=kind,
        data={**said, **facts},
        key=key,
        published_at=published_at,
        **about,
        **moment,
    )
    note_event_written(event)
    return await HistoryEntry.create(
        id=event.id,
        workspace_id=subject.workspace_id,
        actor_id=actor_id,
        kind=kind,
        at=event.at,
        data=said,
        file_hash=said.get("fileHash"),
        file_size=said.get("fileSize"),
        **about,
    )


async def record_lead_event(
    lead: Lead,
    actor: User | None,
    kind: EventKind,
    changes: list[dict[str, Any]] | None = None,
    *,
    owner_before: int | None,
    new: bool = False,
    **details: Any,
) -> None:
    """Write one change of a lead (its replay event and history entry), inside the
    transaction of the change, after the lead row was written. The event carries the
    lead's owner before and after, which is who may see it (`access.sees_lead`)."""
    await before_log_write(lead.workspace_id)
    await write_history(
        lead,
        actor.id if actor else None,
        str(kind),
        {"changes": changes or [], **details},
        facts={
            "lead": {
                "before": None if new else {"owner": owner_before},
                "after": {"owner": lead.owner_id},
            }
        },
    )


async def record_process_event(workspace_id: int, process_id: int, actor: User) -> Event:
    """A process's stages or weights changed: boards of it reload."""
    await before_log_write(workspace_id)
    event = await Event.create(
        workspace_id=workspace_id,
        actor_id=actor.id,
        kind=str(EventKind.PROCESS_CHANGED),
        data={"process": process_id},
    )
    note_event_written(event)
    return event


async def deal_history(
    actor: User, deal_id: int, first: int | None, after: str | None
) -> Page[HistoryEntry]:
    """A deal's history, newest first; a deal the actor may not see has none to show."""
    page_size(first)  # a bad page size is refused before anything is read
    if not await visible_deals_and_trash(actor).filter(id=deal_id).exists():
        raise not_found("Deal", ("id",))
    return await newest_first(HistoryEntry.filter(deal_id=deal_id), IdCursor.EVENT, first, after)


async def visible_history_entry(actor: User, entry_id: int) -> HistoryEntry | None:
    """One history entry, if the actor may see its deal (the trash included, as with the
    deal's history); else None, as for an unknown id."""
    entry = await HistoryEntry.get_or_none(id=entry_id)
    if entry is None or entry.deal_id is None:
        return None
    if not await visible_deals_and_trash(actor).filter(id=entry.deal_id).exists():
        return None
    return entry


def event_cursor(event: Event | HistoryEntry) -> str:
    """An event's cursor is its sealed id: ids increase with every commit's events."""
    return IdCursor.EVENT.of(event.id)
