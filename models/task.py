"""Tasks: things to do by a time, for someone, often about a deal."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from models.account import User, Workspace
from models.deal import Deal
from models.process import Step


class Task(Model):
    id = fields.IntField(primary_key=True)
    workspace: fields.ForeignKeyRelation[Workspace] = fields.ForeignKeyField(
        "models.Workspace", related_name="tasks", on_delete=fields.CASCADE
    )
    title = fields.CharField(max_length=200)
    due_at = fields.DatetimeField(null=True)
    assignee: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="tasks", on_delete=fields.RESTRICT
    )
    deal: fields.ForeignKeyNullableRelation[Deal] = fields.ForeignKeyField(
        "models.Deal", related_name="tasks", on_delete=fields.CASCADE, null=True
    )
    created_by: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="created_tasks", on_delete=fields.SET_NULL, null=True
    )
    source_step: fields.ForeignKeyNullableRelation[Step] = fields.ForeignKeyField(
        "models.Step", related_name="triggered_tasks", on_delete=fields.SET_NULL, null=True
    )
    done = fields.BooleanField(default=False)
    done_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    workspace_id: int
    assignee_id: int
    deal_id: int | None
    created_by_id: int | None
    source_step_id: int | None

    class Meta:
        table = "task"
        indexes = (("deal_id", "done", "due_at"), ("assignee_id", "done"))
