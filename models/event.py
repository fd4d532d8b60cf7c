"""The replay log (the transactional outbox live updates read and resume from),
notifications, and the records that make retried mutations idempotent.

The replay log is purged after `EVENT_RETENTION_DAYS`; a deal's history, which lasts as
long as the deal, is `models.history.HistoryEntry`."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from tortoise import fields
from tortoise.models import Model

from models.account import User, Workspace
from models.deal import AccessRequest, Deal
from models.lead import Lead
from models.process import Step


class EventKind(StrEnum):
    """What an `Event` (and the history entry written with it) records."""

    DEAL_CREATED = "DEAL_CREATED"
    DEAL_UPDATED = "DEAL_UPDATED"
    DEAL_PROCESS_CHANGED = "DEAL_PROCESS_CHANGED"
    STEP_COMPLETED = "STEP_COMPLETED"
    STEP_UNCOMPLETED = "STEP_UNCOMPLETED"
    DEAL_WON = "DEAL_WON"
    DEAL_LOST = "DEAL_LOST"
    DEAL_CANCELLED = "DEAL_CANCELLED"
    DEAL_REOPENED = "DEAL_REOPENED"
    DEAL_DELETED = "DEAL_DELETED"
    DEAL_RESTORED = "DEAL_RESTORED"
    VISIBILITY_CHANGED = "VISIBILITY_CHANGED"
    PARTICIPANT_ADDED = "PARTICIPANT_ADDED"
    PARTICIPANT_REMOVED = "PARTICIPANT_REMOVED"
    ACCESS_REQUESTED = "ACCESS_REQUESTED"
    ACCESS_ANSWERED = "ACCESS_ANSWERED"
    TASK_CREATED = "TASK_CREATED"
    TASK_COMPLETED = "TASK_COMPLETED"
    TASK_UPDATED = "TASK_UPDATED"
    TASK_DUE = "TASK_DUE"  # an open task became due today or overdue: the card's dot moved
    PROCESS_CHANGED = "PROCESS_CHANGED"  # stages or weights: every card may have moved
    LEAD_CREATED = "LEAD_CREATED"
    LEAD_UPDATED = "LEAD_UPDATED"
    LEAD_CLAIMED = "LEAD_CLAIMED"
    LEAD_QUALIFIED = "LEAD_QUALIFIED"
    LEAD_DISQUALIFIED = "LEAD_DISQUALIFIED"
    LEAD_REOPENED = "LEAD_REOPENED"


class NotificationKind(StrEnum):
    """What a `Notification` tells its recipient."""

    STEP_COMPLETED = "STEP_COMPLETED"
    TASK_ASSIGNED = "TASK_ASSIGNED"
    ACCESS_REQUESTED = "ACCESS_REQUESTED"
    ACCESS_ANSWERED = "ACCESS_ANSWERED"


class Event(Model):
    """One change, written in the transaction that made it, for live subscribers. Ids
    increase in commit order within a workspace (see `resolvers.events.log`): the id is
    the cursor subscribers resume from; `published_at` is set once the bus was told.
    `data` carries the deal's board facts before and after the change."""

    id = fields.BigIntField(primary_key=True)
    workspace: fields.ForeignKeyRelation[Workspace] = fields.ForeignKeyField(
        "models.Workspace", related_name="events", on_delete=fields.CASCADE
    )
    deal: fields.ForeignKeyNullableRelation[Deal] = fields.ForeignKeyField(
        "models.Deal", related_name="events", on_delete=fields.CASCADE, null=True
    )
    lead: fields.ForeignKeyNullableRelation[Lead] = fields.ForeignKeyField(
        "models.Lead", related_name="events", on_delete=fields.CASCADE, null=True
    )
    actor: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="events", on_delete=fields.SET_NULL, null=True
    )
    kind = fields.CharField(max_length=40)  # an EventKind
    at = fields.DatetimeField(auto_now_add=True)
    data: dict[str, Any] = fields.JSONField(default=dict)
    published_at = fields.DatetimeField(null=True)
    # Events the service writes on its own (a task falling due) are written by whichever
    # server process notices first; the key makes the others' attempts fail.
    key = fields.CharField(max_length=100, null=True, unique=True)

    workspace_id: int
    deal_id: int | None
    lead_id: int | None
    actor_id: int | None

    class Meta:
        table = "event"
        indexes = (("deal_id", "id"), ("workspace_id", "id"), ("published_at", "id"))


class Notification(Model):
    id = fields.BigIntField(primary_key=True)
    workspace: fields.ForeignKeyRelation[Workspace] = fields.ForeignKeyField(
        "models.Workspace", related_name="notifications", on_delete=fields.CASCADE
    )
    recipient: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="notifications", on_delete=fields.CASCADE
    )
    kind = fields.CharField(max_length=40)  # a NotificationKind
    message = fields.TextField()
    deal: fields.ForeignKeyNullableRelation[Deal] = fields.ForeignKeyField(
        "models.Deal", related_name="notifications", on_delete=fields.CASCADE, null=True
    )
    step: fields.ForeignKeyNullableRelation[Step] = fields.ForeignKeyField(
        "models.Step", related_name="notifications", on_delete=fields.SET_NULL, null=True
    )
    actor: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="sent_notifications", on_delete=fields.SET_NULL, null=True
    )
    # The request an ACCESS_REQUESTED notification asks its reader to answer.
    access_request: fields.ForeignKeyNullableRelation[AccessRequest] = fields.ForeignKeyField(
        "models.AccessRequest", related_name="notifications", on_delete=fields.CASCADE, null=True
    )
    created_at = fields.DatetimeField(auto_now_add=True)
    read_at = fields.DatetimeField(null=True)

    workspace_id: int
    recipient_id: int
    deal_id: int | None
    step_id: int | None
    actor_id: int | None
    access_request_id: int | None

    class Meta:
        table = "notification"
        indexes = (("recipient_id", "id"),)


class IdempotencyRecord(Model):
    """The first result of a mutation sent with an idempotency key, so a retry from a
    phone on a flaky network returns it instead of creating a second one."""

    id = fields.IntField(primary_key=True)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="idempotency_records", on_delete=fields.CASCADE
    )
    operation = fields.CharField(max_length=40)
    key = fields.CharField(max_length=200)
    result_id = fields.IntField()
    created_at = fields.DatetimeField(auto_now_add=True, db_index=True)

    user_id: int

    class Meta:
        table = "idempotency_record"
        unique_together = (("user", "operation", "key"),)
