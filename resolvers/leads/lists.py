"""The `leads` list: the leads the actor may see, filtered, newest first, with the
number in each status (for a list's tabs) under the same filter but the status."""

from __future__ import annotations

from dataclasses import dataclass

from tortoise.expressions import Q
from tortoise.functions import Count
from tortoise.queryset import QuerySet

from models.account import User
from models.lead import Lead, LeadStatus
from resolvers import access, validation
from resolvers.deals.filters import MAX_FILTER_IDS
from resolvers.errors import Problems
from resolvers.pagination import IdCursor, Page, newest_first, page_size


@dataclass(frozen=True)
class LeadFilter:
    statuses: list[LeadStatus] | None = None
    owner_ids: list[int] | None = None
    unassigned: bool | None = None  # True: the pool only; False: owned leads only
    source: str | None = None
    search: str | None = None

    def check(self, problems: Problems) -> None:
        if self.owner_ids is not None and len(self.owner_ids) > MAX_FILTER_IDS:
            problems.invalid(f"At most {MAX_FILTER_IDS} ids.", ["filter", "ownerIds"])
        validation.search_text(problems, self.source, ["filter", "source"])
        validation.search_text(problems, self.search, ["filter", "search"])


def _apply(query: QuerySet[Lead], lead_filter: LeadFilter) -> QuerySet[Lead]:
    """Everything but the status. Owners and the pool together: either matches."""
    owned = Q(owner_id__in=lead_filter.owner_ids) if lead_filter.owner_ids is not None else None
    if lead_filter.unassigned is True:
        pool = Q(owner_id=None)
        query = query.filter(pool | owned if owned is not None else pool)
    else:
        if owned is not None:
            query = query.filter(owned)
        if lead_filter.unassigned is False:
            query = query.filter(owner_id__not_isnull=True)
    if lead_filter.source and lead_filter.source.strip():
        query = query.filter(source__iexact=lead_filter.source.strip())
    if lead_filter.search and lead_filter.search.strip():
        text = lead_filter.search.strip()
        query = query.filter(
            Q(name__icontains=text)
            | Q(company__icontains=text)
            | Q(contact_person__icontains=text)
            | Q(email__icontains=text)
        )
    return query


@dataclass
class LeadPage:
    page: Page[Lead]
    status_counts: dict[LeadStatus, int]


async def list_leads(
    actor: User, lead_filter: LeadFilter | None, first: int | None, after: str | None
) -> LeadPage:
    lead_filter = lead_filter or LeadFilter()
    problems = Problems()
    lead_filter.check(problems)
    problems.raise_if_any()
    page_size(first)
    if after is not None:
        IdCursor.LEAD.read(after)
    matching = _apply(access.visible_leads(actor), lead_filter)
    rows = await matching.annotate(count=Count("id")).group_by("status").values("status", "count")
    counts = {status: 0 for status in LeadStatus}
    for row in rows:
        counts[LeadStatus(row["status"])] = int(row["count"])
    if lead_filter.statuses:
        matching = matching.filter(status__in=validation.distinct(lead_filter.statuses))
    return LeadPage(await newest_first(matching, IdCursor.LEAD, first, after), counts)


async def visible_leads_by_id(actor: User, ids: list[int]) -> dict[int, Lead]:
    return {lead.id: lead for lead in await access.visible_leads(actor).filter(id__in=ids)}


async def first_leads_of(actor: User, deal_ids: list[int]) -> dict[int, Lead]:
    """For each deal, the first lead qualified into it that the actor may see."""
    found: dict[int, Lead] = {}
    for lead in await access.visible_leads(actor).filter(deal_id__in=deal_ids).order_by("id"):
        if lead.deal_id is not None:
            found.setdefault(lead.deal_id, lead)
    return found
