"""Where a lead ends: qualified into a deal (a new one, or one that exists), or
disqualified with a reason; and a disqualified lead reopened."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from models.account import User
from models.deal import Deal
from models.event import EventKind
from models.lead import Lead, LeadStatus
from resolvers import validation
from resolvers.deals.editing import NewDeal, create_deal
from resolvers.deals.line_items import NewLineItem, set_line_items
from resolvers.deals.state import lock_deal, require_edit
from resolvers.deals.state import save as save_deal
from resolvers.errors import ErrorCode, Problems, Refused
from resolvers.events.history import change
from resolvers.leads.state import lock_lead, require_open, require_work, save
from resolvers.transactions import in_transaction


@dataclass(frozen=True)
class Qualification:
    """A new deal (in `process_id`, the default when None, named `deal_name` or after the
    lead's company or name, worth `value` or its `line_items`), or the deal
    `existing_deal_id` that the lead is attached to."""

    lead_id: int
    process_id: int | None = None
    deal_name: str | None = None
    value: Decimal | None = None
    line_items: list[NewLineItem] | None = None
    existing_deal_id: int | None = None


def _check(qualification: Qualification) -> str | None:
    problems = Problems()
    name = validation.optional_text(problems, qualification.deal_name, ["input", "dealName"])
    if qualification.existing_deal_id is not None:
        for given, field in (
            (qualification.process_id, "processId"),
            (qualification.deal_name, "dealName"),
            (qualification.value, "value"),
            (qualification.line_items, "lineItems"),
        ):
            if given is not None:
                problems.invalid("Only a new deal takes this: leave it out.", ["input", field])
    elif qualification.value is not None and qualification.line_items:
        problems.invalid(
            "A deal with line items is worth their sum: give a value or items, not both.",
            ["input", "value"],
        )
    problems.raise_if_any()
    return name


async def qualify_lead(actor: User, qualification: Qualification) -> tuple[Lead, Deal]:
    """In one transaction: the deal made (or locked), the lead QUALIFIED and pointing
    at it, each with its event."""
    deal_name = _check(qualification)
    async with in_transaction():
        lead = await lock_lead(actor, qualification.lead_id, "leadId")
        require_work(actor, lead)
        require_open(lead)
        if qualification.existing_deal_id is not None:
            deal = await _attach(actor, lead, qualification.existing_deal_id)
        else:
            deal = await _new_deal(actor, lead, qualification, deal_name)
        changes = [
            change("status", lead.status, LeadStatus.QUALIFIED),
            change("deal", None, deal.name),
        ]
        owner_before = lead.owner_id
        if owner_before is None:  # a manager's qualifying takes the lead out of the pool
            changes.append(change("owner", None, actor.name))
            lead.owner_id = actor.id
        lead.status = LeadStatus.QUALIFIED
        lead.deal_id = deal.id
        await save(lead, actor, EventKind.LEAD_QUALIFIED, changes, owner_before=owner_before)
        return lead, deal


async def _new_deal(
    actor: User, lead: Lead, qualification: Qualification, deal_name: str | None
) -> Deal:
    deal = await create_deal(
        actor,
        NewDeal(
            name=deal_name or lead.company or lead.name,
            company=lead.company,
            contact_person=lead.contact_person or (lead.name if lead.company else None),
            value=qualification.value,
            source=lead.source,
            owner_id=lead.owner_id or actor.id,
            process_id=qualification.process_id,
        ),
    )
    if qualification.line_items:
        deal = await set_line_items(
            actor, deal.id, deal.version, qualification.line_items, "lineItems"
        )
    return deal


async def _attach(actor: User, lead: Lead, deal_id: int) -> Deal:
    """The lead joins a deal the actor may edit; the deal's history says so."""
    state = await lock_deal(actor, deal_id, "existingDealId")
    require_edit(actor, state)
    return await save_deal(state, actor, EventKind.DEAL_UPDATED, [change("lead", None, lead.name)])


async def disqualify_lead(actor: User, lead_id: int, reason: str) -> Lead:
    problems = Problems()
    reason = validation.reason(problems, reason, ["input", "reason"])
    problems.raise_if_any()
    async with in_transaction():
        lead = await lock_lead(actor, lead_id, "leadId")
        require_work(actor, lead)
        require_open(lead)
        changes = [change("status", lead.status, LeadStatus.DISQUALIFIED)]
        lead.status = LeadStatus.DISQUALIFIED
        lead.disqualified_reason = reason
        return await save(
            lead, actor, EventKind.LEAD_DISQUALIFIED, changes, owner_before=lead.owner_id
        )


async def reopen_lead(actor: User, lead_id: int) -> Lead:
    """A disqualified lead is NEW again, its reason cleared (it stays in the history).
    A qualified lead lives on as its deal and is not reopened."""
    async with in_transaction():
        lead = await lock_lead(actor, lead_id)
        require_work(actor, lead)
        if lead.status != LeadStatus.DISQUALIFIED:
            if lead.status == LeadStatus.QUALIFIED:
                require_open(lead)
            raise Refused.one(ErrorCode.VALIDATION, "The lead is open already.")
        changes = [change("status", lead.status, LeadStatus.NEW)]
        lead.update_from_dict({"status": LeadStatus.NEW, "disqualified_reason": None})
        return await save(lead, actor, EventKind.LEAD_REOPENED, changes, owner_before=lead.owner_id)
