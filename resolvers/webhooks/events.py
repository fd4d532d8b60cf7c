"""Which webhook events an event of the log is, whether a webhook wants it, and the body
its receiver gets."""

from __future__ import annotations

from typing import Any

from models.account import User
from models.event import Event, EventKind
from models.webhook import Webhook
from resolvers import access
from resolvers.events.activity import sees_event
from resolvers.events.log import facts_of
from resolvers.opaque import seal

_NAMES = {
    EventKind.DEAL_CREATED: "deal.created",
    EventKind.DEAL_UPDATED: "deal.updated",
    EventKind.STEP_COMPLETED: "deal.step_completed",
    EventKind.STEP_UNCOMPLETED: "deal.step_uncompleted",
    EventKind.DEAL_WON: "deal.won",
    EventKind.DEAL_LOST: "deal.lost",
    EventKind.DEAL_CANCELLED: "deal.cancelled",
    EventKind.DEAL_REOPENED: "deal.reopened",
    EventKind.DEAL_DELETED: "deal.deleted",
    EventKind.DEAL_RESTORED: "deal.restored",
    EventKind.TASK_CREATED: "task.created",
    EventKind.TASK_COMPLETED: "task.completed",
    EventKind.LEAD_CREATED: "lead.created",
    EventKind.LEAD_QUALIFIED: "lead.qualified",
    EventKind.LEAD_DISQUALIFIED: "lead.disqualified",
}
STAGE_CHANGED = "deal.stage_changed"
EVENT_NAMES = (*_NAMES.values(), STAGE_CHANGED)


def names_of(event: Event) -> list[str]:
    """The webhook events one logged event is: a step that moved the deal to another
    stage is `deal.step_completed` and `deal.stage_changed`."""
    names = [_NAMES[EventKind(event.kind)]] if event.kind in _NAMES else []
    changes = (event.data or {}).get("changes", [])
    moved = any(change.get("field") == "stage" for change in changes)
    if moved and event.kind != EventKind.DEAL_CREATED:
        names.append(STAGE_CHANGED)
    return names


def wanted(webhook: Webhook, owner: User, event: Event, name: str) -> bool:
    """Whether the webhook asked for this event and its owner may see what it is about,
    as the change left it (a deal made private mid-way is no longer told of)."""
    if name not in webhook.events:
        return False
    if webhook.process_id is not None:
        processes = {facts.process_id for facts in facts_of(event) if facts is not None}
        if webhook.process_id not in processes:
            return False  # leads belong to no process
    if name == "deal.step_completed" and webhook.step_ids:
        step = (event.data or {}).get("step") or {}
        if step.get("id") not in webhook.step_ids:
            return False
    return sees_event(owner, event)


def _person(user: User | None) -> dict[str, Any] | None:
    return None if user is None else {"id": seal("User", user.id), "name": user.name}


async def _deal(deal_id: int, owner: User) -> dict[str, Any]:
    deal = (
        await access.visible_deals_and_trash(owner)
        .filter(id=deal_id)
        .select_related("owner", "stage", "process")
        .first()
    )
    if deal is None:
        return {"id": seal("Deal", deal_id)}  # gone, or no longer the owner's to see
    return {
        "id": seal("Deal", deal.id),
        "externalId": deal.external_id,
        "name": deal.name,
        "company": deal.company,
        "contactPerson": deal.contact_person,
        "value": str(deal.value),
        "currency": deal.currency,
        "status": str(deal.status),
        "probability": deal.probability,
        "stage": None
        if deal.stage is None
        else {"id": seal("Stage", deal.stage.id), "name": deal.stage.name},
        "process": {"id": seal("Process", deal.process.id), "name": deal.process.name},
        "owner": _person(deal.owner),
        "expectedCloseDate": deal.expected_close_date.isoformat()
        if deal.expected_close_date
        else None,
        "isPublic": deal.is_public,
        "lostReason": deal.lost_reason,
        "deleted": deal.deleted_at is not None,
        "updatedAt": deal.updated_at.isoformat(),
    }


async def _lead(lead_id: int, owner: User) -> dict[str, Any]:
    lead = await access.visible_leads(owner).filter(id=lead_id).select_related("owner").first()
    if lead is None:
        return {"id": seal("Lead", lead_id)}  # gone, or no longer the owner's to see
    return {
        "id": seal("Lead", lead.id),
        "externalId": lead.external_id,
        "name": lead.name,
        "company": lead.company,
        "email": lead.email,
        "phone": lead.phone,
        "source": lead.source,
        "status": str(lead.status),
        "owner": _person(lead.owner),
        "dealId": seal("Deal", lead.deal_id) if lead.deal_id else None,
    }


async def body_of(
    event: Event, name: str, sequence: int, actor: User | None, owner: User
) -> dict[str, Any]:
    """What the receiver gets: the event's stable id (one per event and name, the same
    on every attempt), its place in the webhook's order, the object as it is when the
    body is made and the changed fields' values before the change.

    The event was the webhook owner's to see as the change left it (`wanted`); the
    object is read when the body is made, later (the worker may be behind, a paused
    webhook resumes from its first undelivered event), and is shown only if the owner
    may see it then: a deal made private since, or a lead given to someone else, is
    told by its id alone."""
    said = event.data or {}
    data: dict[str, Any] = {}
    if event.deal_id is not None:
        data["deal"] = await _deal(event.deal_id, owner)
    if event.lead_id is not None:
        data["lead"] = await _lead(event.lead_id, owner)
    task = said.get("task")
    if isinstance(task, dict) and "id" in task:
        data["task"] = {"id": seal("Task", int(task["id"])), "title": task.get("title")}
    step = said.get("step")
    if isinstance(step, dict) and "id" in step:
        data["step"] = {"id": seal("Step", int(step["id"])), "name": step.get("name")}
    if said.get("note"):
        data["note"] = said["note"]
    changes = said.get("changes", [])
    return {
        "id": f"{seal('WebhookEvent', event.id)}.{name}",
        "type": name,
        "occurredAt": event.at.isoformat(),
        "sequence": sequence,
        "workspaceId": seal("Workspace", event.workspace_id),
        "actor": _person(actor),
        "data": data,
        "previous": {change["field"]: change.get("from") for change in changes},
        "changes": changes,
    }
