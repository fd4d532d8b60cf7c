"""A deal's history: every change to it, kept for the life of the deal.

The replay log (`models.event.Event`) says the same things to live subscribers, but it
is purged after `EVENT_RETENTION_DAYS`; the history is not. Only purging the deal itself
(the trash's retention, `dealflow purge-trash`) deletes its history, by cascade.

An entry and the replay event written with it share one id, taken from the event: a
change has the same id and cursor whether a client reads it from `Deal.history` or
receives it live from `dealEvents`, and "read the history, then subscribe after its
newest cursor" misses nothing.
"""

from __future__ import annotations

from typing import Any

from tortoise import fields
from tortoise.models import Model

from models.account import User, Workspace
from models.deal import Deal
from models.lead import Lead


class HistoryEntry(Model):
    """One change: who, when, what kind, the before/after values (`data["changes"]`)
    and what it was about (the step, the note, the file, the task, the request)."""

    id = fields.BigIntField(primary_key=True, generated=False)
    workspace: fields.ForeignKeyRelation[Workspace] = fields.ForeignKeyField(
        "models.Workspace", related_name="history", on_delete=fields.CASCADE
    )
    # What the change is about: a deal (its tasks' changes included) or a lead.
    deal: fields.ForeignKeyNullableRelation[Deal] = fields.ForeignKeyField(
        "models.Deal", related_name="history", on_delete=fields.CASCADE, null=True
    )
    lead: fields.ForeignKeyNullableRelation[Lead] = fields.ForeignKeyField(
        "models.Lead", related_name="history", on_delete=fields.CASCADE, null=True
    )
    actor: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="history_entries", on_delete=fields.SET_NULL, null=True
    )
    kind = fields.CharField(max_length=40)
    at = fields.DatetimeField()
    data: dict[str, Any] = fields.JSONField(default=dict)
    # The file the change attached (a step completion's), by content hash: it stays
    # downloadable from the history after the step is un-completed, and counts towards
    # the workspace's storage quota (`resolvers.deals.files`) by its size, until the deal is
    # purged.
    file_hash = fields.CharField(max_length=64, null=True)
    file_size = fields.BigIntField(null=True)

    workspace_id: int
    deal_id: int | None
    lead_id: int | None
    actor_id: int | None

    class Meta:
        table = "history_entry"
        indexes = (
            ("deal_id", "id"),
            ("lead_id", "id"),
            ("workspace_id", "id"),
            ("file_hash",),
            ("workspace_id", "file_hash"),
        )
