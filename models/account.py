"""Workspaces, their users, and the bearer tokens and login attempts that authenticate them."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:
    from models.deal import AccessRequest, Deal, DealParticipant, StepCompletion
    from models.event import Event, IdempotencyRecord, Notification
    from models.history import HistoryEntry
    from models.lead import Lead
    from models.lead_form import LeadForm
    from models.process import Process, StepNotifyUser, StepPerformer
    from models.product import Product
    from models.task import Task
    from models.webhook import Webhook


class Role(StrEnum):
    ADMIN = "ADMIN"
    MANAGER = "MANAGER"
    USER = "USER"


class TokenKind(StrEnum):
    """A token's use. Only sessions are issued here; a wall screen's read-only token is
    a `DisplayToken`, which belongs to a board, not to a user."""

    SESSION = "SESSION"


class Workspace(Model):
    """One company's account: the boundary of all data.

    Its name, time zone and currency are set when it is made and nothing changes them:
    the live feeds keep the row they read (`subscriptions.feeds`). Whatever comes to
    change them must have the feeds read it again."""

    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=200)
    timezone = fields.CharField(max_length=64, default="UTC")
    currency = fields.CharField(max_length=3, default="EUR")
    created_at = fields.DatetimeField(auto_now_add=True)
    # Events up to this id were purged after their retention: older cursors are expired.
    events_purged_through = fields.BigIntField(default=0, db_default=0)

    users: fields.ReverseRelation[User]
    processes: fields.ReverseRelation[Process]
    deals: fields.ReverseRelation[Deal]
    events: fields.ReverseRelation[Event]
    history: fields.ReverseRelation[HistoryEntry]
    notifications: fields.ReverseRelation[Notification]
    tasks: fields.ReverseRelation[Task]
    products: fields.ReverseRelation[Product]
    leads: fields.ReverseRelation[Lead]
    display_tokens: fields.ReverseRelation[DisplayToken]
    webhooks: fields.ReverseRelation[Webhook]
    lead_forms: fields.ReverseRelation[LeadForm]

    class Meta:
        table = "workspace"


class User(Model):
    id = fields.IntField(primary_key=True)
    workspace: fields.ForeignKeyRelation[Workspace] = fields.ForeignKeyField(
        "models.Workspace", related_name="users", on_delete=fields.CASCADE
    )
    # Login takes only an email, so an email names one user across all workspaces.
    email = fields.CharField(max_length=254, unique=True)
    name = fields.CharField(max_length=200)
    role = fields.CharEnumField(Role, max_length=16, default=Role.USER)
    password_hash = fields.CharField(max_length=255)
    active = fields.BooleanField(default=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    workspace_id: int
    tokens: fields.ReverseRelation[AuthToken]
    access_requests: fields.ReverseRelation[AccessRequest]
    answered_requests: fields.ReverseRelation[AccessRequest]
    completions: fields.ReverseRelation[StepCompletion]
    created_deals: fields.ReverseRelation[Deal]
    created_leads: fields.ReverseRelation[Lead]
    display_tokens: fields.ReverseRelation[DisplayToken]
    webhooks: fields.ReverseRelation[Webhook]
    lead_forms: fields.ReverseRelation[LeadForm]
    created_lead_forms: fields.ReverseRelation[LeadForm]
    created_tasks: fields.ReverseRelation[Task]
    events: fields.ReverseRelation[Event]
    history_entries: fields.ReverseRelation[HistoryEntry]
    idempotency_records: fields.ReverseRelation[IdempotencyRecord]
    notifications: fields.ReverseRelation[Notification]
    notify_links: fields.ReverseRelation[StepNotifyUser]
    owned_deals: fields.ReverseRelation[Deal]
    owned_leads: fields.ReverseRelation[Lead]
    participations: fields.ReverseRelation[DealParticipant]
    performer_links: fields.ReverseRelation[StepPerformer]
    sent_notifications: fields.ReverseRelation[Notification]
    tasks: fields.ReverseRelation[Task]

    class Meta:
        table = "user"
        ordering = ("id",)


class AuthToken(Model):
    """An issued bearer token. Only its SHA-256 is stored. The token itself is shown once."""

    id = fields.IntField(primary_key=True)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="tokens", on_delete=fields.CASCADE
    )
    token_hash = fields.CharField(max_length=64, unique=True)
    kind = fields.CharEnumField(TokenKind, max_length=16, default=TokenKind.SESSION)
    created_at = fields.DatetimeField(auto_now_add=True)
    expires_at = fields.DatetimeField()
    revoked_at = fields.DatetimeField(null=True)

    user_id: int

    class Meta:
        table = "auth_token"


class DisplayToken(Model):
    """A wall screen's long-lived, read-only token for one board (`resolvers.accounts.
    display_tokens`): made, listed and revoked by administrators. Only its SHA-256 is
    stored; the token itself is shown once."""

    id = fields.IntField(primary_key=True)
    workspace: fields.ForeignKeyRelation[Workspace] = fields.ForeignKeyField(
        "models.Workspace", related_name="display_tokens", on_delete=fields.CASCADE
    )
    process: fields.ForeignKeyRelation[Process] = fields.ForeignKeyField(
        "models.Process", related_name="display_tokens", on_delete=fields.CASCADE
    )
    label = fields.CharField(max_length=200, null=True)
    token_hash = fields.CharField(max_length=64, unique=True)
    created_by: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="display_tokens", on_delete=fields.SET_NULL, null=True
    )
    created_at = fields.DatetimeField(auto_now_add=True)
    revoked_at = fields.DatetimeField(null=True)
    # Null: until revoked. From then on it opens nothing, as if revoked.
    expires_at = fields.DatetimeField(null=True)

    workspace_id: int
    process_id: int
    created_by_id: int | None

    class Meta:
        table = "display_token"


class LoginFailure(Model):
    """A failed login, kept in the database so throttling holds across server processes."""

    id = fields.BigIntField(primary_key=True)
    email = fields.CharField(max_length=254, db_index=True)
    address = fields.CharField(max_length=64, db_index=True)
    at = fields.DatetimeField(auto_now_add=True, db_index=True)

    class Meta:
        table = "login_failure"
