"""The team's activity: the workspace's changes to deals (their tasks and requests
included) and leads, newest first, as the viewer may see them, read from the history
(which lasts) and pushed live from the replay log (which shares its ids and cursors).

Read back, an entry shows when its deal or lead is visible to the viewer now
(`access.visible_history`); live, when it is visible as the change left it. Either way
an entry about something hidden from the viewer is not there at all, not even as a gap
between cursors: cursors are sealed ids, and counts count only what is shown.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from tortoise.expressions import Subquery
from tortoise.queryset import QuerySet

from models.account import User
from models.event import Event, EventKind
from models.history import HistoryEntry
from resolvers import access
from resolvers.errors import Problems
from resolvers.events.log import facts_of
from resolvers.pagination import IdCursor, Page, newest_first, page_size

MAX_FILTER_IDS = 200
KINDS = frozenset(str(kind) for kind in EventKind) - {str(EventKind.PROCESS_CHANGED)}


@dataclass(frozen=True)
class ActivityFilter:
    """Who did it, what kind, on which process's deals (leads have none), and when (from
    included, to excluded). Hashable: live subscribers with one filter share changes."""

    user_ids: tuple[int, ...] | None = None
    kinds: tuple[str, ...] | None = None
    process_id: int | None = None
    start: datetime | None = None
    end: datetime | None = None

    def check(self, problems: Problems) -> None:
        if self.user_ids is not None and len(self.user_ids) > MAX_FILTER_IDS:
            problems.invalid(f"At most {MAX_FILTER_IDS} ids.", ["filter", "userIds"])
        for index, kind in enumerate((self.kinds or ())[: len(KINDS) + 1]):
            if kind not in KINDS:
                problems.invalid(
                    f"Unknown kind: one of {', '.join(sorted(KINDS))}.",
                    ["filter", "kinds", str(index)],
                )
        if self.kinds is not None and len(self.kinds) > len(KINDS):
            problems.invalid(f"At most {len(KINDS)} kinds.", ["filter", "kinds"])
        if self.start is not None and self.end is not None and self.start > self.end:
            problems.invalid("`from` must not be after `to`.", ["filter", "from"])

    def apply(self, entries: QuerySet[HistoryEntry], workspace_id: int) -> QuerySet[HistoryEntry]:
        if self.user_ids is not None:
            entries = entries.filter(actor_id__in=list(self.user_ids))
        if self.kinds is not None:
            entries = entries.filter(kind__in=list(self.kinds))
        if self.process_id is not None:
            deals = access.workspace_deals(workspace_id).filter(process_id=self.process_id)
            entries = entries.filter(deal_id__in=Subquery(deals.values("id")))
        if self.start is not None:
            entries = entries.filter(at__gte=self.start)
        if self.end is not None:
            entries = entries.filter(at__lt=self.end)
        return entries

    def matches(self, event: Event) -> bool:
        """`apply` for one event of the replay log (a live one)."""
        if event.deal_id is None and event.lead_id is None:
            return False
        if self.user_ids is not None and event.actor_id not in self.user_ids:
            return False
        if self.kinds is not None and event.kind not in self.kinds:
            return False
        if self.process_id is not None:
            processes = {facts.process_id for facts in facts_of(event) if facts is not None}
            if self.process_id not in processes:
                return False
        if self.start is not None and event.at < self.start:
            return False
        return self.end is None or event.at < self.end


def checked(activity_filter: ActivityFilter | None) -> ActivityFilter:
    activity_filter = activity_filter or ActivityFilter()
    problems = Problems()
    activity_filter.check(problems)
    problems.raise_if_any()
    return activity_filter


async def list_activity(
    actor: User,
    activity_filter: ActivityFilter | None,
    first: int | None,
    after: str | None,
    *,
    lead_id: int | None = None,
) -> Page[HistoryEntry]:
    """A page of the activity the actor may see, newest first (of one lead, with
    `lead_id`)."""
    activity_filter = checked(activity_filter)
    page_size(first)
    entries = activity_filter.apply(access.visible_history(actor), actor.workspace_id)
    if lead_id is not None:
        entries = entries.filter(lead_id=lead_id)
    return await newest_first(entries, IdCursor.EVENT, first, after)


def sees_event(viewer: User, event: Event) -> bool:
    """Whether the viewer may see what a live event is about, as the change left it."""
    if event.lead_id is not None:
        lead = (event.data or {}).get("lead") or {}
        after = lead.get("after") or {}
        return access.sees_lead(viewer, after.get("owner"))
    _, after = facts_of(event)
    return after is not None and after.visible_to(viewer)


async def visible_entry(actor: User, entry_id: int) -> HistoryEntry | None:
    """One entry of the activity, if the actor may see what it is about; else None, as
    for an unknown id."""
    return await access.visible_history(actor).filter(id=entry_id).first()
