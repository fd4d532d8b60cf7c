"""Deals: a sale in progress following one process.

Only the columns that process configuration needs to know about exist so far (a process
may not be deleted while deals use it); participants, completions and the rest of the
lifecycle arrive with the deals capability.
"""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model

from models.account import User, Workspace
from models.process import Process


class DealStatus(StrEnum):
    OPEN = "OPEN"
    WON = "WON"
    LOST = "LOST"
    CANCELLED = "CANCELLED"


class Deal(Model):
    id = fields.IntField(primary_key=True)
    workspace: fields.ForeignKeyRelation[Workspace] = fields.ForeignKeyField(
        "models.Workspace", related_name="deals", on_delete=fields.CASCADE
    )
    process: fields.ForeignKeyRelation[Process] = fields.ForeignKeyField(
        "models.Process", related_name="deals", on_delete=fields.RESTRICT
    )
    owner: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="owned_deals", on_delete=fields.RESTRICT
    )
    name = fields.CharField(max_length=200)
    value = fields.DecimalField(max_digits=16, decimal_places=2, default=0)
    status = fields.CharEnumField(DealStatus, max_length=16, default=DealStatus.OPEN)
    is_public = fields.BooleanField(default=False)
    version = fields.IntField(default=1)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)
    deleted_at = fields.DatetimeField(null=True)

    workspace_id: int
    process_id: int
    owner_id: int

    class Meta:
        table = "deal"
