"""The filters of deal lists and boards: owners, participants, completed steps, task
dot, rotting and text, applied in SQL on top of the visibility filter."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from tortoise.expressions import Q, Subquery
from tortoise.queryset import QuerySet

from models.deal import Deal, DealParticipant, DealStatus, StepCompletion
from resolvers import validation
from resolvers.errors import Problems
from resolvers.rotting import rotten_condition
from resolvers.task_dot import TaskStatus, status_condition

MAX_FILTER_IDS = 200


@dataclass(frozen=True)
class DealFilter:
    owner_ids: list[int] | None = None
    participant_ids: list[int] | None = None
    completed_step_ids: list[int] | None = None
    task_statuses: list[TaskStatus] | None = None
    search: str | None = None
    rotten: bool | None = None

    def check(self, problems: Problems) -> None:
        path = ["filter"]
        for name, ids in (
            ("ownerIds", self.owner_ids),
            ("participantIds", self.participant_ids),
            ("completedStepIds", self.completed_step_ids),
        ):
            if ids is not None and len(ids) > MAX_FILTER_IDS:
                problems.invalid(f"At most {MAX_FILTER_IDS} ids.", [*path, name])
        validation.search_text(problems, self.search, [*path, "search"])


def _deal_ids(query: QuerySet[StepCompletion]) -> Subquery:
    return Subquery(query.values("deal_id"))


def narrowed(
    query: QuerySet[Deal], statuses: list[DealStatus] | None, process_id: int | None
) -> QuerySet[Deal]:
    """Deals of these statuses (each asked for once: a list may repeat them 40,000 times,
    each a parameter of the statement) and of this process, when given: what the deals
    list and the CSV export narrow by besides the board's filter."""
    if statuses:
        query = query.filter(status__in=validation.distinct(statuses))
    if process_id is not None:
        query = query.filter(process_id=process_id)
    return query


def apply_filter(
    query: QuerySet[Deal], deal_filter: DealFilter | None, now: datetime, timezone: str
) -> QuerySet[Deal]:
    if deal_filter is None:
        return query
    if deal_filter.owner_ids is not None:
        query = query.filter(owner_id__in=deal_filter.owner_ids)
    if deal_filter.participant_ids is not None:
        takes_part = DealParticipant.filter(user_id__in=deal_filter.participant_ids)
        query = query.filter(id__in=Subquery(takes_part.values("deal_id")))
    for step_id in deal_filter.completed_step_ids or ():
        query = query.filter(id__in=_deal_ids(StepCompletion.filter(step_id=step_id)))
    if deal_filter.task_statuses:
        condition = Q()
        for index, status in enumerate(validation.distinct(deal_filter.task_statuses)):
            one = status_condition(status, now, timezone)
            condition = one if index == 0 else condition | one
        query = query.filter(condition)
    if deal_filter.rotten is not None:
        rotten = rotten_condition(now)
        query = query.filter(rotten if deal_filter.rotten else ~rotten)
    if deal_filter.search and deal_filter.search.strip():
        text = deal_filter.search.strip()
        query = query.filter(
            Q(name__icontains=text) | Q(company__icontains=text) | Q(contact_person__icontains=text)
        )
    return query
