"""Leads: interest that has not become a deal yet (a web form, a business card, an
inquiry). A lead is qualified into a deal or disqualified with a reason."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

from models.account import User, Workspace
from models.deal import Deal

if TYPE_CHECKING:
    from models.event import Event
    from models.history import HistoryEntry
    from models.lead_form import LeadFormSubmission


class LeadStatus(StrEnum):
    NEW = "NEW"
    CONTACTED = "CONTACTED"
    QUALIFIED = "QUALIFIED"
    DISQUALIFIED = "DISQUALIFIED"


# The statuses a lead is still worked in; the others close it.
OPEN_LEAD_STATUSES = (LeadStatus.NEW, LeadStatus.CONTACTED)


class Lead(Model):
    """`owner` None: the lead waits in the workspace's unassigned pool, where every
    salesperson sees it and may claim it. `deal`: the deal it was qualified into."""

    id = fields.IntField(primary_key=True)
    workspace: fields.ForeignKeyRelation[Workspace] = fields.ForeignKeyField(
        "models.Workspace", related_name="leads", on_delete=fields.CASCADE
    )
    owner: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="owned_leads", on_delete=fields.RESTRICT, null=True
    )
    created_by: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="created_leads", on_delete=fields.SET_NULL, null=True
    )
    name = fields.CharField(max_length=200)
    # The lead's key in another system (a CSV import upserts by it): one per workspace.
    external_id = fields.CharField(max_length=100, null=True)
    company = fields.CharField(max_length=200, null=True)
    contact_person = fields.CharField(max_length=200, null=True)
    email = fields.CharField(max_length=254, null=True)
    phone = fields.CharField(max_length=50, null=True)
    source = fields.CharField(max_length=200, null=True)
    note = fields.TextField(null=True)
    status = fields.CharEnumField(LeadStatus, max_length=16, default=LeadStatus.NEW)
    disqualified_reason = fields.TextField(null=True)
    deal: fields.ForeignKeyNullableRelation[Deal] = fields.ForeignKeyField(
        "models.Deal", related_name="leads", on_delete=fields.SET_NULL, null=True
    )
    version = fields.IntField(default=1)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    workspace_id: int
    owner_id: int | None
    created_by_id: int | None
    deal_id: int | None
    events: fields.ReverseRelation[Event]
    history: fields.ReverseRelation[HistoryEntry]
    form_submissions: fields.ReverseRelation[LeadFormSubmission]

    class Meta:
        table = "lead"
        unique_together = (("workspace", "external_id"),)
        indexes = (("workspace_id", "status", "id"), ("owner_id", "status"), ("deal_id",))
