"""The workspace's product catalogue: what deals are made of."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

from models.account import Workspace

if TYPE_CHECKING:
    from models.deal import LineItem


class Product(Model):
    """A product or service a workspace sells. Archiving (`active = False`) takes it off
    the catalogue for new line items and keeps old ones readable."""

    id = fields.IntField(primary_key=True)
    workspace: fields.ForeignKeyRelation[Workspace] = fields.ForeignKeyField(
        "models.Workspace", related_name="products", on_delete=fields.CASCADE
    )
    name = fields.CharField(max_length=200)
    # A code (SKU) names one product of the workspace.
    code = fields.CharField(max_length=64, null=True)
    unit_price = fields.DecimalField(max_digits=16, decimal_places=2)
    active = fields.BooleanField(default=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    workspace_id: int

    line_items: fields.ReverseRelation[LineItem]

    class Meta:
        table = "product"
        unique_together = (("workspace", "code"),)
