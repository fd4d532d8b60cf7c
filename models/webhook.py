"""Outbound webhooks: a user's subscription to some kinds of events, and each delivery
of an event to it (`resolvers.webhooks`)."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from tortoise import fields
from tortoise.models import Model

from models.account import User, Workspace
from models.process import Process


class DeliveryStatus(StrEnum):
    PENDING = "PENDING"
    DELIVERED = "DELIVERED"
    FAILED = "FAILED"


class Webhook(Model):
    """`last_event_id`: how far in the workspace's event log this webhook's deliveries
    have been made out (the events after it are still to be looked at); `sequence`: the
    number its latest delivery got (its receiver's ordering, per webhook)."""

    id = fields.IntField(primary_key=True)
    workspace: fields.ForeignKeyRelation[Workspace] = fields.ForeignKeyField(
        "models.Workspace", related_name="webhooks", on_delete=fields.CASCADE
    )
    owner: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="webhooks", on_delete=fields.CASCADE
    )
    url = fields.CharField(max_length=2000)
    events: list[str] = fields.JSONField(default=list)
    process: fields.ForeignKeyNullableRelation[Process] = fields.ForeignKeyField(
        "models.Process", related_name="webhooks", on_delete=fields.CASCADE, null=True
    )
    step_ids: list[int] = fields.JSONField(default=list)
    secret_sealed = fields.TextField()  # `resolvers.opaque.encrypt_secret`
    active = fields.BooleanField(default=True)
    failing_since = fields.DatetimeField(null=True)
    last_event_id = fields.BigIntField(default=0)
    sequence = fields.BigIntField(default=0)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    workspace_id: int
    owner_id: int
    process_id: int | None
    deliveries: fields.ReverseRelation[WebhookDelivery]

    class Meta:
        table = "webhook"
        indexes = (("workspace_id", "active"),)


class WebhookDelivery(Model):
    """One event for one webhook: its body (fixed when the delivery is made out, so that
    every attempt sends the same event), and where its attempts stand."""

    id = fields.BigIntField(primary_key=True)
    webhook: fields.ForeignKeyRelation[Webhook] = fields.ForeignKeyField(
        "models.Webhook", related_name="deliveries", on_delete=fields.CASCADE
    )
    event_id = fields.BigIntField()
    event_type = fields.CharField(max_length=40)
    sequence = fields.BigIntField()
    body: dict[str, Any] = fields.JSONField()
    status = fields.CharEnumField(DeliveryStatus, max_length=16, default=DeliveryStatus.PENDING)
    attempt = fields.IntField(default=0)
    next_attempt_at = fields.DatetimeField(null=True)
    # A sender's claim on its attempt, so that no other process makes it meanwhile.
    leased_until = fields.DatetimeField(null=True)
    response_code = fields.IntField(null=True)
    last_error = fields.CharField(max_length=500, null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    delivered_at = fields.DatetimeField(null=True)

    webhook_id: int

    class Meta:
        table = "webhook_delivery"
        unique_together = (("webhook", "event_id", "event_type"),)
        indexes = (("status", "next_attempt_at"), ("webhook_id", "sequence"))
