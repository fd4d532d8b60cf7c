"""Creating and changing leads, and claiming one from the unassigned pool."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from models.account import User
from models.event import EventKind
from models.lead import OPEN_LEAD_STATUSES, Lead, LeadStatus
from resolvers import access, idempotency, validation
from resolvers.errors import ErrorCode, Problems, Refused, not_found
from resolvers.events.history import change, record_lead_event
from resolvers.leads.state import lock_lead, require_open, require_version, require_work, save
from resolvers.transactions import in_transaction
from resolvers.validation import KEEP, Keep

MAX_PHONE_LENGTH = 50


@dataclass(frozen=True)
class NewLead:
    """`owner_id` None: the lead goes to the unassigned pool."""

    name: str
    company: str | None = None
    contact_person: str | None = None
    email: str | None = None
    phone: str | None = None
    source: str | None = None
    owner_id: int | None = None
    note: str | None = None
    idempotency_key: str | None = None
    external_id: str | None = None  # the lead's key in another system (CSV import)


@dataclass(frozen=True)
class LeadChanges:
    """Fields left as KEEP keep their value; None clears an optional one (an owner of
    None puts the lead back in the pool)."""

    version: int
    name: str | Keep = KEEP
    company: str | Keep | None = KEEP
    contact_person: str | Keep | None = KEEP
    email: str | Keep | None = KEEP
    phone: str | Keep | None = KEEP
    source: str | Keep | None = KEEP
    note: str | Keep | None = KEEP
    owner_id: int | Keep | None = KEEP
    status: LeadStatus | Keep = KEEP


def _contact_email(problems: Problems, raw: str | None, field: list[str]) -> str | None:
    text = validation.optional_text(problems, raw, field, validation.MAX_EMAIL_LENGTH)
    if text is not None:
        validation.email(problems, text, field)
    return text


# The lead's text columns, as NewLead and LeadChanges name them.
TEXT_COLUMNS = ("name", "company", "contact_person", "email", "phone", "source", "note")


def checked_texts(problems: Problems, given: NewLead | LeadChanges) -> dict[str, Any]:
    """The lead's text fields that were given (not KEEP), checked, by column name."""
    found: dict[str, Any] = {}
    for column in TEXT_COLUMNS:
        raw = getattr(given, column)
        if isinstance(raw, Keep):
            continue
        path = ["input", "contactPerson" if column == "contact_person" else column]
        if column == "name":
            found[column] = validation.required_text(problems, raw or "", path)
        elif column == "email":
            found[column] = _contact_email(problems, raw, path)
        elif column == "phone":
            found[column] = validation.optional_text(problems, raw, path, MAX_PHONE_LENGTH)
        elif column == "note":
            found[column] = validation.note(problems, raw, path)
        else:
            found[column] = validation.optional_text(problems, raw, path)
    return found


async def _check_owner(actor: User, owner_id: int | None, current: int | None = None) -> None:
    """A salesperson takes a lead themselves or leaves it in the pool; managers and
    admins give it to any active user of the workspace."""
    if owner_id is None or owner_id == current:
        return
    if owner_id != actor.id and not access.sees_every_deal(actor):
        raise Refused.one(
            ErrorCode.FORBIDDEN,
            "Only managers and administrators give a lead to someone else.",
            ("input", "ownerId"),
        )
    if not await User.filter(workspace_id=actor.workspace_id, id=owner_id, active=True).exists():
        raise not_found("User", ("input", "ownerId"))


async def create_lead(actor: User, new: NewLead) -> Lead:
    problems = Problems()
    fields = checked_texts(problems, new)
    validation.idempotency_key(problems, new.idempotency_key)
    problems.raise_if_any()

    async def create() -> Lead:
        await _check_owner(actor, new.owner_id)
        lead = await Lead.create(
            workspace_id=actor.workspace_id,
            owner_id=new.owner_id,
            created_by_id=actor.id,
            external_id=new.external_id,
            **fields,
        )
        await record_lead_event(
            lead,
            actor,
            EventKind.LEAD_CREATED,
            [change("name", None, lead.name)],
            owner_before=None,
            new=True,
        )
        return lead

    async def replayed(lead_id: int) -> Lead:
        """The first result, if the actor may still see it (someone may have claimed it
        since): not made a second time either way."""
        lead = await access.visible_leads(actor).filter(id=lead_id).first()
        if lead is None:
            raise not_found("Lead", ("input", "idempotencyKey"))
        return lead

    return await idempotency.once(actor, "createLead", new.idempotency_key, create, replayed)


async def update_lead(actor: User, lead_id: int, changes: LeadChanges) -> Lead:
    problems = Problems()
    fields = checked_texts(problems, changes)
    if not isinstance(changes.status, Keep):
        if changes.status not in OPEN_LEAD_STATUSES:
            problems.invalid(
                "Qualify or disqualify a lead with qualifyLead and disqualifyLead.",
                ["input", "status"],
            )
        fields["status"] = changes.status
    problems.raise_if_any()

    async with in_transaction():
        lead = await lock_lead(actor, lead_id)
        require_work(actor, lead)
        require_version(lead, changes.version)
        require_open(lead)
        owner_before = lead.owner_id
        if not isinstance(changes.owner_id, Keep) and changes.owner_id != lead.owner_id:
            await _check_owner(actor, changes.owner_id, lead.owner_id)
            fields["owner_id"] = changes.owner_id
        moved = [
            _change(lead, column, value)
            for column, value in fields.items()
            if column != "owner_id" and getattr(lead, column) != value
        ]
        if "owner_id" in fields:
            moved.append(await owner_change(actor, owner_before, fields["owner_id"]))
        if not moved:
            return lead
        lead.update_from_dict(fields)
        return await save(lead, actor, EventKind.LEAD_UPDATED, moved, owner_before=owner_before)


def _change(lead: Lead, column: str, value: Any) -> dict[str, Any]:
    return change(
        "contactPerson" if column == "contact_person" else column, getattr(lead, column), value
    )


async def owner_change(actor: User, before: int | None, after: int | None) -> dict[str, Any]:
    """The owner's change by name, as history names every person it mentions (None:
    the unassigned pool)."""
    ids = [i for i in (before, after) if i is not None]
    names = dict(
        await User.filter(workspace_id=actor.workspace_id, id__in=ids).values_list("id", "name")
    )
    return change("owner", names.get(before), names.get(after))


async def claim_lead(actor: User, lead_id: int) -> Lead:
    """Take a lead from the unassigned pool. Of two claiming at once, the first to lock
    the row wins; the other finds it owned and gets CONFLICT. A lead someone else
    already owns answers CONFLICT too, whether or not the actor may still see it: the
    actor had its id from the pool (ids are opaque, so nobody learns of a lead by
    guessing)."""
    async with in_transaction():
        leads = access.workspace_leads(actor.workspace_id)
        lead = await leads.filter(id=lead_id).select_for_update().first()
        if lead is None:
            raise not_found("Lead", ("input", "id"))
        if lead.owner_id == actor.id:
            return lead
        if lead.owner_id is not None:
            raise Refused.one(ErrorCode.CONFLICT, "Someone else claimed this lead first.")
        require_open(lead)
        lead.owner_id = actor.id
        return await save(
            lead,
            actor,
            EventKind.LEAD_CLAIMED,
            [change("owner", None, actor.name)],
            owner_before=None,
        )
