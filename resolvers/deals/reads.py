"""Batch reads behind a deal's nested fields, for the per-operation dataloaders."""

from __future__ import annotations

from collections import defaultdict

from models.account import User
from models.deal import Deal, DealCost, DealParticipant, LineItem, StepCompletion
from models.task import Task
from resolvers import access


async def visible_deals_by_id(actor: User, ids: list[int]) -> dict[int, Deal]:
    """The deals of `ids` the actor may see (trash included: history and tasks point at
    deleted deals too, and the trash view lists them)."""
    rows = await access.visible_deals_and_trash(actor).filter(id__in=ids)
    return {row.id: row for row in rows}


async def participants_of(deal_ids: list[int]) -> dict[int, list[int]]:
    found: dict[int, list[int]] = defaultdict(list)
    for link in await DealParticipant.filter(deal_id__in=deal_ids).order_by("id"):
        found[link.deal_id].append(link.user_id)
    return found


async def costs_of(deal_ids: list[int]) -> dict[int, list[DealCost]]:
    found: dict[int, list[DealCost]] = defaultdict(list)
    for cost in await DealCost.filter(deal_id__in=deal_ids).order_by("position", "id"):
        found[cost.deal_id].append(cost)
    return found


async def line_items_of(deal_ids: list[int]) -> dict[int, list[LineItem]]:
    found: dict[int, list[LineItem]] = defaultdict(list)
    for item in await LineItem.filter(deal_id__in=deal_ids).order_by("position", "id"):
        found[item.deal_id].append(item)
    return found


async def completions_of(deal_ids: list[int]) -> dict[int, list[StepCompletion]]:
    found: dict[int, list[StepCompletion]] = defaultdict(list)
    for row in await StepCompletion.filter(deal_id__in=deal_ids).order_by("completed_at", "id"):
        found[row.deal_id].append(row)
    return found


async def tasks_of(deal_ids: list[int]) -> dict[int, list[Task]]:
    """Every task of the deals; whoever sees a deal sees its tasks."""
    found: dict[int, list[Task]] = defaultdict(list)
    for task in await Task.filter(deal_id__in=deal_ids).order_by("done", "due_at", "id"):
        if task.deal_id is not None:
            found[task.deal_id].append(task)
    return found
