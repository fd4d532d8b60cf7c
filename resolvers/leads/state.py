"""A lead as a mutation sees it: locked, checked, and saved with its event."""

from __future__ import annotations

from typing import Any

from models.account import User
from models.event import EventKind
from models.lead import OPEN_LEAD_STATUSES, Lead, LeadStatus
from resolvers import access
from resolvers.errors import ErrorCode, Refused, not_found, stale_version
from resolvers.events.history import record_lead_event


async def lock_lead(actor: User, lead_id: int, field_name: str = "id") -> Lead:
    """The lead, row-locked until the transaction ends, if the actor may see it; a lead
    out of sight reads exactly as one that does not exist."""
    lead = await access.visible_leads(actor).filter(id=lead_id).select_for_update().first()
    if lead is None:
        raise not_found("Lead", ("input", field_name))
    return lead


def require_work(actor: User, lead: Lead) -> None:
    if lead.owner_id is None and not access.sees_every_deal(actor):
        raise Refused.one(
            ErrorCode.FORBIDDEN, "This lead is in the unassigned pool: claim it first."
        )
    access.require(
        access.can_work_lead(actor, lead),
        "Only the lead's owner, managers and administrators may change it.",
    )


def require_version(lead: Lead, version: int) -> None:
    if version != lead.version:
        raise stale_version("lead", lead.version)


def require_open(lead: Lead) -> None:
    if lead.status in OPEN_LEAD_STATUSES:
        return
    if lead.status == LeadStatus.QUALIFIED:
        message = "The lead is qualified: it lives on as its deal."
    else:
        message = "The lead is disqualified. Reopen it first."
    raise Refused.one(ErrorCode.LEAD_CLOSED, message)


async def save(
    lead: Lead,
    actor: User,
    kind: EventKind,
    changes: list[dict[str, Any]],
    *,
    owner_before: int | None,
) -> Lead:
    """Bump the version, write the row and its event (inside the caller's transaction)."""
    lead.version += 1
    await lead.save()
    await record_lead_event(lead, actor, kind, changes, owner_before=owner_before)
    return lead
