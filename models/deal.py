"""Deals: a sale in progress following one process, with who takes part in it, what it
costs, which steps are done, and who asked for access.

`stage_id`, `probability`, `stage_entered_at`, `value_cents`, `forecast_cents` and
`rots_at` are derived values kept on the row so that boards can group, sort and sum by
them; they are recomputed by `resolvers.progress` and `resolvers.rotting` in the same
transaction as every change that can move them (`resolvers.deals.state`).
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

from models.account import User, Workspace
from models.process import Process, Stage, Step

if TYPE_CHECKING:
    from models.event import Event, Notification
    from models.history import HistoryEntry
    from models.lead import Lead
    from models.product import Product
    from models.task import Task


class DealStatus(StrEnum):
    OPEN = "OPEN"
    WON = "WON"
    LOST = "LOST"
    CANCELLED = "CANCELLED"


class AccessRequestStatus(StrEnum):
    PENDING = "PENDING"
    GRANTED = "GRANTED"
    DENIED = "DENIED"


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
    created_by: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="created_deals", on_delete=fields.SET_NULL, null=True
    )
    name = fields.CharField(max_length=200)
    # The deal's key in another system (a CSV import upserts by it): one per workspace.
    external_id = fields.CharField(max_length=100, null=True)
    company = fields.CharField(max_length=200, null=True)
    contact_person = fields.CharField(max_length=200, null=True)
    value = fields.DecimalField(max_digits=16, decimal_places=2, default=0)
    # Integer copies of the value and of the forecast, so that sums and ordering are
    # exact on every backend (SQLite keeps decimals as text).
    value_cents = fields.BigIntField(default=0, db_default=0)
    forecast_cents = fields.BigIntField(default=0, db_default=0)
    # Database defaults too: deals made before a column existed get a value.
    currency = fields.CharField(max_length=3, default="EUR", db_default="EUR")
    source = fields.CharField(max_length=200, null=True)
    expected_close_date = fields.DateField(null=True)
    status = fields.CharEnumField(DealStatus, max_length=16, default=DealStatus.OPEN)
    is_public = fields.BooleanField(default=False)
    stage: fields.ForeignKeyNullableRelation[Stage] = fields.ForeignKeyField(
        "models.Stage", related_name="current_deals", on_delete=fields.RESTRICT, null=True
    )
    probability = fields.IntField(default=0, db_default=0)
    stage_entered_at = fields.DatetimeField(null=True)
    lost_reason = fields.TextField(null=True)
    lost_at_stage: fields.ForeignKeyNullableRelation[Stage] = fields.ForeignKeyField(
        "models.Stage", related_name="lost_deals", on_delete=fields.RESTRICT, null=True
    )
    closed_at = fields.DatetimeField(null=True)
    # The last change someone made (the service's own events, a task falling due or the
    # deal rotting, do not count), and when the deal rots after it in its stage (None:
    # its stage lets deals wait forever): `resolvers.rotting`.
    last_activity_at = fields.DatetimeField(null=True)
    rots_at = fields.DatetimeField(null=True)
    version = fields.IntField(default=1)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)
    deleted_at = fields.DatetimeField(null=True)

    workspace_id: int
    process_id: int
    owner_id: int
    created_by_id: int | None
    stage_id: int | None
    lost_at_stage_id: int | None
    participants: fields.ReverseRelation[DealParticipant]
    costs: fields.ReverseRelation[DealCost]
    line_items: fields.ReverseRelation[LineItem]
    leads: fields.ReverseRelation[Lead]
    completions: fields.ReverseRelation[StepCompletion]
    access_requests: fields.ReverseRelation[AccessRequest]
    events: fields.ReverseRelation[Event]
    history: fields.ReverseRelation[HistoryEntry]
    notifications: fields.ReverseRelation[Notification]
    tasks: fields.ReverseRelation[Task]

    class Meta:
        table = "deal"
        unique_together = (("workspace", "external_id"),)
        indexes = (
            ("workspace_id", "status", "deleted_at"),
            ("process_id", "status", "stage_id"),
            ("process_id", "stage_id", "updated_at"),
            # Deals turning rotten (the clock), rotten cards of a board.
            ("status", "rots_at"),
            # Statistics: deals closed in a period, deals that entered in a period.
            ("workspace_id", "closed_at"),
            ("workspace_id", "created_at"),
        )


class DealParticipant(Model):
    id = fields.IntField(primary_key=True)
    deal: fields.ForeignKeyRelation[Deal] = fields.ForeignKeyField(
        "models.Deal", related_name="participants", on_delete=fields.CASCADE
    )
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="participations", on_delete=fields.CASCADE
    )
    created_at = fields.DatetimeField(auto_now_add=True)

    deal_id: int
    user_id: int

    class Meta:
        table = "deal_participant"
        unique_together = (("deal", "user"),)
        # A salesperson's visible deals: the deals they take part in.
        indexes = (("user_id", "deal_id"),)


class DealCost(Model):
    id = fields.IntField(primary_key=True)
    deal: fields.ForeignKeyRelation[Deal] = fields.ForeignKeyField(
        "models.Deal", related_name="costs", on_delete=fields.CASCADE
    )
    name = fields.CharField(max_length=200)
    amount = fields.DecimalField(max_digits=16, decimal_places=2)
    position = fields.IntField(default=0)

    deal_id: int

    class Meta:
        table = "deal_cost"
        ordering = ("position", "id")


class LineItem(Model):
    """One line of what a deal sells: a product of the catalogue or free text, a
    quantity, a unit price and a discount. `amount` is rounded to the cent once, when the
    item is set; a deal with items is worth their sum (`resolvers.deals.line_items`)."""

    id = fields.IntField(primary_key=True)
    deal: fields.ForeignKeyRelation[Deal] = fields.ForeignKeyField(
        "models.Deal", related_name="line_items", on_delete=fields.CASCADE
    )
    product: fields.ForeignKeyNullableRelation[Product] = fields.ForeignKeyField(
        "models.Product", related_name="line_items", on_delete=fields.RESTRICT, null=True
    )
    name = fields.CharField(max_length=200)
    quantity = fields.DecimalField(max_digits=14, decimal_places=4)
    unit_price = fields.DecimalField(max_digits=16, decimal_places=2)
    discount_percent = fields.DecimalField(max_digits=5, decimal_places=2)
    amount = fields.DecimalField(max_digits=16, decimal_places=2)
    position = fields.IntField(default=0)

    deal_id: int
    product_id: int | None

    class Meta:
        table = "line_item"
        ordering = ("position", "id")


class StepCompletion(Model):
    """A step done on a deal. Kept when the deal switches process, so switching back
    brings it back."""

    id = fields.IntField(primary_key=True)
    deal: fields.ForeignKeyRelation[Deal] = fields.ForeignKeyField(
        "models.Deal", related_name="completions", on_delete=fields.CASCADE
    )
    step: fields.ForeignKeyRelation[Step] = fields.ForeignKeyField(
        "models.Step", related_name="completions", on_delete=fields.RESTRICT
    )
    completed_by: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="completions", on_delete=fields.RESTRICT
    )
    completed_at = fields.DatetimeField(auto_now_add=True)
    note = fields.TextField(null=True)
    file_hash = fields.CharField(max_length=64, null=True, db_index=True)
    file_name = fields.CharField(max_length=255, null=True)
    file_size = fields.IntField(null=True)
    file_content_type = fields.CharField(max_length=127, null=True)

    deal_id: int
    step_id: int
    completed_by_id: int

    class Meta:
        table = "step_completion"
        unique_together = (("deal", "step"),)


class AccessRequest(Model):
    id = fields.IntField(primary_key=True)
    deal: fields.ForeignKeyRelation[Deal] = fields.ForeignKeyField(
        "models.Deal", related_name="access_requests", on_delete=fields.CASCADE
    )
    requester: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="access_requests", on_delete=fields.CASCADE
    )
    status = fields.CharEnumField(
        AccessRequestStatus, max_length=16, default=AccessRequestStatus.PENDING
    )
    created_at = fields.DatetimeField(auto_now_add=True)
    answered_by: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="answered_requests", on_delete=fields.SET_NULL, null=True
    )
    answered_at = fields.DatetimeField(null=True)

    deal_id: int
    requester_id: int
    answered_by_id: int | None

    notifications: fields.ReverseRelation[Notification]

    class Meta:
        table = "access_request"
