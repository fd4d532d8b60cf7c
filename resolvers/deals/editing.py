"""Creating, changing and listing deals."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from models.account import User, Workspace
from models.deal import Deal, DealCost, DealParticipant, LineItem
from models.event import EventKind
from models.process import Process
from resolvers import access, idempotency, validation
from resolvers.clock import now_utc
from resolvers.deals.state import (
    DealState,
    lock_deal,
    record,
    refresh_progress,
    require_edit,
    require_manage,
    require_version,
    save,
)
from resolvers.errors import ErrorCode, Problems, Refused, not_found
from resolvers.events.history import change
from resolvers.processes.tree import load_process_tree
from resolvers.transactions import in_transaction
from resolvers.validation import KEEP, Keep, amount, kept, optional_text

MAX_COSTS = 50
MAX_PARTICIPANTS = 100


@dataclass(frozen=True)
class CostSpec:
    name: str
    amount: Decimal


@dataclass(frozen=True)
class NewDeal:
    name: str
    company: str | None = None
    contact_person: str | None = None
    value: Decimal | None = None
    source: str | None = None
    expected_close_date: date | None = None
    owner_id: int | None = None
    process_id: int | None = None
    participant_ids: list[int] | None = None
    is_public: bool = False
    costs: list[CostSpec] | None = None
    idempotency_key: str | None = None
    external_id: str | None = None  # the deal's key in another system (CSV import)


@dataclass(frozen=True)
class DealChanges:
    """Fields left as KEEP keep their value; None clears an optional one."""

    version: int
    name: str | Keep = KEEP
    company: str | Keep | None = KEEP
    contact_person: str | Keep | None = KEEP
    value: Decimal | Keep = KEEP
    source: str | Keep | None = KEEP
    expected_close_date: date | Keep | None = KEEP
    owner_id: int | Keep = KEEP
    costs: list[CostSpec] | Keep = KEEP


def _costs(problems: Problems, costs: list[CostSpec]) -> list[CostSpec]:
    if len(costs) > MAX_COSTS:
        problems.invalid(f"At most {MAX_COSTS} costs.", ["input", "costs"])
    return [
        CostSpec(
            validation.required_text(problems, c.name, ["input", "costs", str(i), "name"]),
            amount(problems, c.amount, ["input", "costs", str(i), "amount"]),
        )
        for i, c in enumerate(costs)
    ]


async def _active_users(workspace_id: int, ids: set[int]) -> set[int]:
    found = await User.filter(workspace_id=workspace_id, id__in=list(ids), active=True).values_list(
        "id", flat=True
    )
    return set(found)  # type: ignore[arg-type]


async def _replace_costs(deal: Deal, costs: list[CostSpec]) -> None:
    await DealCost.filter(deal_id=deal.id).delete()
    await DealCost.bulk_create(
        [
            DealCost(deal_id=deal.id, name=c.name, amount=c.amount, position=i)
            for i, c in enumerate(costs)
        ]
    )


async def create_deal(actor: User, new: NewDeal) -> Deal:
    problems = Problems()
    name = validation.required_text(problems, new.name, ["input", "name"])
    company = optional_text(problems, new.company, ["input", "company"])
    contact = optional_text(problems, new.contact_person, ["input", "contactPerson"])
    source = optional_text(problems, new.source, ["input", "source"])
    value = amount(problems, new.value, ["input", "value"]) if new.value is not None else Decimal(0)
    costs = _costs(problems, new.costs or [])
    validation.idempotency_key(problems, new.idempotency_key)
    participant_ids = list(dict.fromkeys(new.participant_ids or []))
    if len(participant_ids) > MAX_PARTICIPANTS:
        problems.invalid(f"At most {MAX_PARTICIPANTS} participants.", ["input", "participantIds"])
    problems.raise_if_any()

    async def create() -> Deal:
        owner_id = new.owner_id if new.owner_id is not None else actor.id
        if owner_id != actor.id and not access.sees_every_deal(actor):
            raise Refused.one(
                ErrorCode.FORBIDDEN,
                "Only managers and administrators create deals for someone else.",
                ("input", "ownerId"),
            )
        known = await _active_users(actor.workspace_id, {owner_id, *participant_ids})
        if owner_id not in known:
            problems.add(ErrorCode.NOT_FOUND, "User not found.", ["input", "ownerId"])
        for i, user_id in enumerate(participant_ids):
            if user_id not in known:
                problems.add(
                    ErrorCode.NOT_FOUND, "User not found.", ["input", "participantIds", str(i)]
                )
        problems.raise_if_any()
        process_query = Process.filter(workspace_id=actor.workspace_id, deleted_at=None)
        if new.process_id is None:
            process_query = process_query.filter(is_default=True)
        else:
            process_query = process_query.filter(id=new.process_id)
        # Locked so that the process cannot be deleted under the new deal.
        process = await process_query.select_for_update().first()
        if process is None:
            raise not_found("Process", ("input", "processId"))
        tree = await load_process_tree(actor.workspace_id, process.id)
        assert tree is not None
        workspace = await Workspace.get(id=actor.workspace_id)
        deal = await Deal.create(
            workspace_id=actor.workspace_id,
            process_id=process.id,
            owner_id=owner_id,
            created_by_id=actor.id,
            name=name,
            company=company,
            contact_person=contact,
            value=value,
            currency=workspace.currency,
            source=source,
            expected_close_date=new.expected_close_date,
            is_public=new.is_public,
            external_id=new.external_id,
        )
        state = DealState(deal, tree, set(participant_ids) - {owner_id})
        refresh_progress(state, now_utc())
        await deal.save()
        await DealParticipant.bulk_create(
            [DealParticipant(deal_id=deal.id, user_id=uid) for uid in sorted(state.participant_ids)]
        )
        await _replace_costs(deal, costs)
        await record(
            state,
            actor,
            EventKind.DEAL_CREATED,
            [change("name", None, name), change("value", None, value)],
        )
        return deal

    return await idempotency.once(
        actor, "createDeal", new.idempotency_key, create, lambda deal_id: _replayed(actor, deal_id)
    )


async def _replayed(actor: User, deal_id: int) -> Deal:
    deal = await access.visible_deals_and_trash(actor).filter(id=deal_id).first()
    if deal is None:
        raise not_found("Deal", ("input", "idempotencyKey"))
    return deal


async def update_deal(actor: User, deal_id: int, changes: DealChanges) -> Deal:
    problems = Problems()
    fields: dict[str, Any] = {}
    if not isinstance(changes.name, Keep):
        fields["name"] = validation.required_text(problems, changes.name, ["input", "name"])
    for key, raw, path in (
        ("company", changes.company, "company"),
        ("contact_person", changes.contact_person, "contactPerson"),
        ("source", changes.source, "source"),
    ):
        if not isinstance(raw, Keep):
            fields[key] = optional_text(problems, raw, ["input", path])
    if not isinstance(changes.value, Keep):
        fields["value"] = amount(problems, changes.value, ["input", "value"])
    if not isinstance(changes.expected_close_date, Keep):
        fields["expected_close_date"] = changes.expected_close_date
    costs = None if isinstance(changes.costs, Keep) else _costs(problems, changes.costs)
    problems.raise_if_any()

    async with in_transaction():
        state = await lock_deal(actor, deal_id, "id")
        require_edit(actor, state)
        require_version(state, changes.version)
        deal = state.deal
        if "value" in fields and await LineItem.filter(deal_id=deal.id).exists():
            raise Refused.one(
                ErrorCode.VALIDATION,
                "This deal's value is the sum of its line items: change the items instead.",
                ("input", "value"),
            )
        moved = [
            change(key, getattr(deal, key), value)
            for key, value in fields.items()
            if getattr(deal, key) != value
        ]
        deal.update_from_dict({k: v for k, v in fields.items()})
        owner_id = kept(changes.owner_id, deal.owner_id)
        if owner_id != deal.owner_id:
            await _change_owner(actor, state, owner_id, moved)
        if costs is not None:
            before = [(c.name, c.amount) for c in await DealCost.filter(deal_id=deal.id)]
            if before != [(c.name, c.amount) for c in costs]:
                await _replace_costs(deal, costs)
                moved.append(change("costs", _costs_text(before), _costs_text(costs)))
        if not moved:
            return deal
        return await save(state, actor, EventKind.DEAL_UPDATED, moved)


def _costs_text(costs: list[tuple[str, Decimal]] | list[CostSpec]) -> str:
    pairs = [(c.name, c.amount) if isinstance(c, CostSpec) else c for c in costs]
    return "; ".join(f"{name}: {value}" for name, value in pairs)


async def _change_owner(
    actor: User, state: DealState, owner_id: int, moved: list[dict[str, Any]]
) -> None:
    """A new owner; the previous one stays on the deal as a participant."""
    require_manage(actor, state)
    if owner_id not in await _active_users(actor.workspace_id, {owner_id}):
        raise not_found("User", ("input", "ownerId"))
    deal = state.deal
    previous = deal.owner_id
    names = dict(
        await User.filter(workspace_id=actor.workspace_id, id__in=[previous, owner_id]).values_list(
            "id", "name"
        )
    )
    if owner_id in state.participant_ids:
        await state.remove_participant(owner_id)
    if previous not in state.participant_ids:
        await state.add_participant(previous)
    # By name, as history names every other person and thing it mentions.
    moved.append(change("owner", names.get(previous), names.get(owner_id)))
    deal.owner_id = owner_id
