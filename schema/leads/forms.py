"""Lead capture forms as the API shows them, and the mutations administrators make them
with (`resolvers.leads.forms`; the submissions arrive at `server.form_route`)."""

from __future__ import annotations

from datetime import datetime

import strawberry

from models import lead_form as rows
from resolvers import access
from resolvers.leads import forms
from schema.accounts.types import User, load_user
from schema.context import Info
from schema.errors import UserError, payload_of
from schema.ids import decode_id, global_id
from schema.inputs import IdInput, given, kept, kept_unless_given, optional_id
from schema.node import Node, fetches


@strawberry.type(description="A web form's endpoint: each submission becomes a lead.")
class LeadForm(Node):
    row: strawberry.Private[rows.LeadForm]
    name: str
    allowed_origins: list[str] = strawberry.field(
        description="Sites whose pages may post to the form (their browsers' Origin)."
    )
    redirect_url: str | None = strawberry.field(
        description="Where a plain HTML form's visitor is sent after posting (303)."
    )
    source: str = strawberry.field(description="The source its leads get.")
    honeypot_field: str = strawberry.field(
        description="A field the page hides from people: a submission that fills it is "
        "answered as a success and dropped."
    )
    active: bool
    created_at: datetime

    @classmethod
    def from_row(cls, row: rows.LeadForm) -> LeadForm:
        return cls(
            id=strawberry.ID(global_id("LeadForm", row.id)),
            row=row,
            name=row.name,
            allowed_origins=list(row.allowed_origins),
            redirect_url=row.redirect_url,
            source=row.source,
            honeypot_field=row.honeypot_field,
            active=row.active,
            created_at=row.created_at,
        )

    @strawberry.field(description="POST here (JSON or a form); the token in it is the key.")
    def url(self, info: Info) -> str | None:
        token = forms.token_of(self.row)
        if token is None:
            return None
        base = str(getattr(info.context.request, "base_url", "/")).rstrip("/")
        return f"{base}/forms/{token}"

    @strawberry.field(description="Who gets its leads (null: the unassigned pool).")
    async def owner(self, info: Info) -> User | None:
        return None if self.row.owner_id is None else await load_user(info, self.row.owner_id)


@fetches("LeadForm")
async def _form_node(info: Info, pk: int) -> LeadForm | None:
    actor = await info.context.actor()
    if not access.is_admin(actor):
        return None
    found = await rows.LeadForm.get_or_none(id=pk, workspace_id=actor.workspace_id)
    return LeadForm.from_row(found) if found else None


@strawberry.type
class LeadFormPayload:
    form: LeadForm | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class CreateLeadFormInput:
    name: str
    owner_id: strawberry.Maybe[strawberry.ID | None] = strawberry.field(
        description="Who gets its leads; left out: the unassigned pool."
    )
    allowed_origins: strawberry.Maybe[list[str] | None] = strawberry.field(
        description="Sites whose pages may post, e.g. https://www.example.com (a browser "
        "on any other site is refused; servers, which send no Origin, are not)."
    )
    redirect_url: strawberry.Maybe[str | None]
    source: strawberry.Maybe[str | None] = strawberry.field(
        description="Default: Web form: <name>."
    )
    honeypot_field: strawberry.Maybe[str | None] = strawberry.field(description="Default: _gotcha.")


@strawberry.input(description="Fields left out keep their value.")
class UpdateLeadFormInput:
    id: strawberry.ID
    name: strawberry.Maybe[str | None]
    owner_id: strawberry.Maybe[strawberry.ID | None] = strawberry.field(
        description="null: the unassigned pool."
    )
    allowed_origins: strawberry.Maybe[list[str] | None]
    redirect_url: strawberry.Maybe[str | None]
    source: strawberry.Maybe[str | None]
    honeypot_field: strawberry.Maybe[str | None]
    active: strawberry.Maybe[bool | None] = strawberry.field(
        description="false: its URL answers 404 until it is true again."
    )


def _pk(raw: strawberry.ID) -> int:
    return decode_id(raw, "LeadForm", ("input", "id"))


def _failed(errors: list[UserError]) -> LeadFormPayload:
    return LeadFormPayload(errors=errors)


@strawberry.type
class LeadFormQuery:
    @strawberry.field(description="The workspace's lead forms (administrators).")
    async def lead_forms(self, info: Info) -> list[LeadForm]:
        actor = await info.context.actor()
        return [LeadForm.from_row(row) for row in await forms.list_forms(actor)]


@strawberry.type
class LeadFormMutation:
    @strawberry.mutation(description="Administrators. The form's `url` is where pages post.")
    async def create_lead_form(self, info: Info, input: CreateLeadFormInput) -> LeadFormPayload:
        actor = await info.context.actor()

        async def act() -> LeadFormPayload:
            spec = forms.FormSpec(
                name=input.name,
                owner_id=optional_id(input.owner_id, "User", ("input", "ownerId")),
                allowed_origins=given(input.allowed_origins),
                redirect_url=given(input.redirect_url),
                source=given(input.source),
                honeypot_field=given(input.honeypot_field),
            )
            return LeadFormPayload(form=LeadForm.from_row(await forms.create_form(actor, spec)))

        return await payload_of(act, _failed)

    @strawberry.mutation(description="Administrators.")
    async def update_lead_form(self, info: Info, input: UpdateLeadFormInput) -> LeadFormPayload:
        actor = await info.context.actor()

        async def act() -> LeadFormPayload:
            owner = kept(input.owner_id)
            changes = forms.FormChanges(
                name=kept_unless_given(input.name),
                owner_id=owner
                if not isinstance(owner, str)
                else decode_id(owner, "User", ("input", "ownerId")),
                allowed_origins=kept_unless_given(input.allowed_origins),
                redirect_url=kept(input.redirect_url),
                source=kept(input.source),
                honeypot_field=kept(input.honeypot_field),
                active=kept_unless_given(input.active),
            )
            return LeadFormPayload(
                form=LeadForm.from_row(await forms.update_form(actor, _pk(input.id), changes))
            )

        return await payload_of(act, _failed)

    @strawberry.mutation(description="Administrators. Its URL stops; its leads stay.")
    async def delete_lead_form(self, info: Info, input: IdInput) -> LeadFormPayload:
        actor = await info.context.actor()

        async def act() -> LeadFormPayload:
            return LeadFormPayload(
                form=LeadForm.from_row(await forms.delete_form(actor, _pk(input.id)))
            )

        return await payload_of(act, _failed)

    @strawberry.mutation(description="Administrators. A new URL; the old one stops at once.")
    async def rotate_lead_form_token(self, info: Info, input: IdInput) -> LeadFormPayload:
        actor = await info.context.actor()

        async def act() -> LeadFormPayload:
            row = await forms.rotate_token(actor, _pk(input.id))
            return LeadFormPayload(form=LeadForm.from_row(row))

        return await payload_of(act, _failed)
