"""Deals written straight through the ORM, many at a time, with the derived values the
resolvers would store (stage, probability, cents, when it rots): for board tests at
scale."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from models.deal import Deal, DealCost, DealParticipant, DealStatus, LineItem, StepCompletion
from models.task import Task
from resolvers.deals.state import apply_progress, sync_amounts
from resolvers.processes.tree import ProcessTree, load_process_trees
from resolvers.rotting import rot_moment


@dataclass(frozen=True)
class TaskSeed:
    due_at: datetime | None
    done: bool = False


@dataclass(frozen=True)
class DealSeed:
    name: str
    owner_id: int
    value: Decimal = Decimal(0)
    is_public: bool = False
    participant_ids: tuple[int, ...] = ()
    completed: frozenset[int] = frozenset()
    status: DealStatus = DealStatus.OPEN
    deleted_at: datetime | None = None
    company: str | None = None
    contact_person: str | None = None
    tasks: tuple[TaskSeed, ...] = field(default_factory=tuple)
    expected_close_date: date | None = None
    closed_at: datetime | None = None
    costs: tuple[Decimal, ...] = ()
    # (product id or None, amount): with items, the deal's value is their sum.
    line_items: tuple[tuple[int | None, Decimal], ...] = ()
    # The last change by someone (None: `now`): when the deal rots follows from it.
    last_activity_at: datetime | None = None


async def seed_deals(
    workspace_id: int, tree: ProcessTree, seeds: list[DealSeed], now: datetime
) -> list[Deal]:
    """Write the deals (names must be unique in the workspace) and everything they hold."""
    rows = []
    for seed in seeds:
        deal = Deal(
            workspace_id=workspace_id,
            process_id=tree.row.id,
            owner_id=seed.owner_id,
            name=seed.name,
            company=seed.company,
            contact_person=seed.contact_person,
            value=seed.value,
            is_public=seed.is_public,
            status=seed.status,
            deleted_at=seed.deleted_at,
            expected_close_date=seed.expected_close_date,
            closed_at=seed.closed_at,
        )
        if seed.line_items:
            deal.value = sum((amount for _, amount in seed.line_items), Decimal(0))
        apply_progress(deal, tree, set(seed.completed), now)
        sync_amounts(deal)
        deal.last_activity_at = seed.last_activity_at or now
        deal.rots_at = rot_moment(deal, tree)
        rows.append(deal)
    await Deal.bulk_create(rows, batch_size=500)
    ids = dict(
        await Deal.filter(workspace_id=workspace_id, name__in=[s.name for s in seeds]).values_list(
            "name", "id"
        )
    )
    await DealParticipant.bulk_create(
        [
            DealParticipant(deal_id=ids[s.name], user_id=user_id)
            for s in seeds
            for user_id in s.participant_ids
        ],
        batch_size=500,
    )
    await StepCompletion.bulk_create(
        [
            StepCompletion(deal_id=ids[s.name], step_id=step_id, completed_by_id=s.owner_id)
            for s in seeds
            for step_id in sorted(s.completed)
        ],
        batch_size=500,
    )
    await Task.bulk_create(
        [
            Task(
                workspace_id=workspace_id,
                title="Follow up",
                due_at=task.due_at,
                done=task.done,
                assignee_id=s.owner_id,
                deal_id=ids[s.name],
            )
            for s in seeds
            for task in s.tasks
        ],
        batch_size=500,
    )
    await DealCost.bulk_create(
        [
            DealCost(deal_id=ids[s.name], name=f"Cost {i}", amount=amount, position=i)
            for s in seeds
            for i, amount in enumerate(s.costs)
        ],
        batch_size=500,
    )
    await LineItem.bulk_create(
        [
            LineItem(
                deal_id=ids[s.name],
                product_id=product_id,
                name=f"Item {i}",
                quantity=Decimal(1),
                unit_price=amount,
                discount_percent=Decimal(0),
                amount=amount,
                position=i,
            )
            for s in seeds
            for i, (product_id, amount) in enumerate(s.line_items)
        ],
        batch_size=500,
    )
    return await Deal.filter(id__in=list(ids.values())).order_by("id")


async def default_tree(workspace_id: int) -> ProcessTree:
    """The workspace's default process, read whole."""
    (tree,) = [t for t in await load_process_trees(workspace_id) if t.row.is_default]
    return tree
