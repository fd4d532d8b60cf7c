"""Lead capture forms: a website's contact form posts to `/forms/<token>` and each
submission becomes a lead (`resolvers.leads.forms`)."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from models.account import User, Workspace
from models.lead import Lead

DEFAULT_HONEYPOT_FIELD = "_gotcha"


class LeadForm(Model):
    """The token is in the form's URL: only its digest finds the form, and a sealed copy
    lets administrators read the URL again. `owner` None: leads go to the unassigned
    pool (so do they when the owner has been deactivated)."""

    id = fields.IntField(primary_key=True)
    workspace: fields.ForeignKeyRelation[Workspace] = fields.ForeignKeyField(
        "models.Workspace", related_name="lead_forms", on_delete=fields.CASCADE
    )
    name = fields.CharField(max_length=200)
    owner: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="lead_forms", on_delete=fields.SET_NULL, null=True
    )
    created_by: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="created_lead_forms", on_delete=fields.SET_NULL, null=True
    )
    token_digest = fields.CharField(max_length=64, unique=True)
    token_sealed = fields.TextField()  # `resolvers.opaque.encrypt_secret`
    # The sites whose pages may post to the form (a browser's `Origin`).
    allowed_origins: list[str] = fields.JSONField(default=list)
    redirect_url = fields.CharField(max_length=2000, null=True)
    source = fields.CharField(max_length=200)
    honeypot_field = fields.CharField(max_length=100, default=DEFAULT_HONEYPOT_FIELD)
    active = fields.BooleanField(default=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    workspace_id: int
    owner_id: int | None
    created_by_id: int | None
    submissions: fields.ReverseRelation[LeadFormSubmission]

    class Meta:
        table = "lead_form"


class LeadFormSubmission(Model):
    """A submission that came with a client key: the same key again within a day
    answers as the first did and creates nothing."""

    id = fields.IntField(primary_key=True)
    form: fields.ForeignKeyRelation[LeadForm] = fields.ForeignKeyField(
        "models.LeadForm", related_name="submissions", on_delete=fields.CASCADE
    )
    client_key = fields.CharField(max_length=100)
    lead: fields.ForeignKeyNullableRelation[Lead] = fields.ForeignKeyField(
        "models.Lead", related_name="form_submissions", on_delete=fields.SET_NULL, null=True
    )
    created_at = fields.DatetimeField(auto_now_add=True)

    form_id: int
    lead_id: int | None

    class Meta:
        table = "lead_form_submission"
        unique_together = (("form", "client_key"),)
