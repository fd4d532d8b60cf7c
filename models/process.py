"""Sales processes: ordered stages, each an ordered checklist of weighted steps.

Stages and steps left out of a configuration are archived (`archived_at`), never deleted,
so that history and completions that point at them stay readable.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

from models.account import DisplayToken, User, Workspace

if TYPE_CHECKING:
    from models.deal import Deal, StepCompletion
    from models.event import Notification
    from models.task import Task
    from models.webhook import Webhook


class Performer(StrEnum):
    ANYONE = "ANYONE"
    MANAGERS = "MANAGERS"
    ADMINS = "ADMINS"
    SELECTED_USERS = "SELECTED_USERS"


class NoteRequirement(StrEnum):
    NONE = "NONE"
    NOTE = "NOTE"
    NOTE_WITH_FILE = "NOTE_WITH_FILE"


class NotifyAudience(StrEnum):
    ADMINS = "ADMINS"
    MANAGERS = "MANAGERS"
    PARTICIPANTS = "PARTICIPANTS"
    SELECTED_USERS = "SELECTED_USERS"


class TaskAssignee(StrEnum):
    DEAL_OWNER = "DEAL_OWNER"
    STEP_PERFORMER = "STEP_PERFORMER"


class Process(Model):
    id = fields.IntField(primary_key=True)
    workspace: fields.ForeignKeyRelation[Workspace] = fields.ForeignKeyField(
        "models.Workspace", related_name="processes", on_delete=fields.CASCADE
    )
    name = fields.CharField(max_length=200)
    is_default = fields.BooleanField(default=False)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)
    deleted_at = fields.DatetimeField(null=True)

    workspace_id: int
    stages: fields.ReverseRelation[Stage]
    deals: fields.ReverseRelation[Deal]
    display_tokens: fields.ReverseRelation[DisplayToken]
    webhooks: fields.ReverseRelation[Webhook]

    class Meta:
        table = "process"
        ordering = ("id",)


class Stage(Model):
    id = fields.IntField(primary_key=True)
    process: fields.ForeignKeyRelation[Process] = fields.ForeignKeyField(
        "models.Process", related_name="stages", on_delete=fields.CASCADE
    )
    name = fields.CharField(max_length=200)
    position = fields.IntField()
    archived_at = fields.DatetimeField(null=True)
    # An open deal in this stage rots after this many days without a change (None: never).
    rotten_after_days = fields.IntField(null=True)

    process_id: int
    steps: fields.ReverseRelation[Step]
    current_deals: fields.ReverseRelation[Deal]
    lost_deals: fields.ReverseRelation[Deal]

    class Meta:
        table = "stage"
        ordering = ("position", "id")


class Step(Model):
    id = fields.IntField(primary_key=True)
    stage: fields.ForeignKeyRelation[Stage] = fields.ForeignKeyField(
        "models.Stage", related_name="steps", on_delete=fields.CASCADE
    )
    name = fields.CharField(max_length=200)
    position = fields.IntField()
    weight = fields.IntField()
    mandatory = fields.BooleanField(default=False)
    who_can_perform = fields.CharEnumField(Performer, max_length=16, default=Performer.ANYONE)
    require_note = fields.CharEnumField(
        NoteRequirement, max_length=16, default=NoteRequirement.NONE
    )
    notify: list[str] = fields.JSONField(default=list)
    task_title = fields.CharField(max_length=200, null=True)
    task_due_in_days = fields.IntField(null=True)
    task_assignee = fields.CharEnumField(TaskAssignee, max_length=16, null=True)
    archived_at = fields.DatetimeField(null=True)

    stage_id: int
    performer_links: fields.ReverseRelation[StepPerformer]
    notify_links: fields.ReverseRelation[StepNotifyUser]
    completions: fields.ReverseRelation[StepCompletion]
    notifications: fields.ReverseRelation[Notification]
    triggered_tasks: fields.ReverseRelation[Task]

    class Meta:
        table = "step"
        ordering = ("position", "id")


class StepPerformer(Model):
    """A user allowed to complete a step whose `who_can_perform` is SELECTED_USERS."""

    id = fields.IntField(primary_key=True)
    step: fields.ForeignKeyRelation[Step] = fields.ForeignKeyField(
        "models.Step", related_name="performer_links", on_delete=fields.CASCADE
    )
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="performer_links", on_delete=fields.CASCADE
    )

    step_id: int
    user_id: int

    class Meta:
        table = "step_performer"
        unique_together = (("step", "user"),)


class StepNotifyUser(Model):
    """A user told when a step is completed, for the SELECTED_USERS audience."""

    id = fields.IntField(primary_key=True)
    step: fields.ForeignKeyRelation[Step] = fields.ForeignKeyField(
        "models.Step", related_name="notify_links", on_delete=fields.CASCADE
    )
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="notify_links", on_delete=fields.CASCADE
    )

    step_id: int
    user_id: int

    class Meta:
        table = "step_notify_user"
        unique_together = (("step", "user"),)
