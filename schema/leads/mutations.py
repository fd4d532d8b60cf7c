"""Changing leads: create, update, claim, qualify, disqualify, reopen."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import strawberry

from models import lead as rows
from resolvers.leads import editing, lifecycle
from resolvers.validation import KEEP
from schema.context import Info
from schema.deals.inputs import line_item_specs
from schema.deals.types import Deal
from schema.errors import payload_of
from schema.ids import decode_id
from schema.inputs import IdInput, given, kept, kept_unless_given, optional_id
from schema.leads.inputs import (
    CreateLeadInput,
    DisqualifyLeadInput,
    QualifyLeadInput,
    UpdateLeadInput,
)
from schema.leads.types import Lead, LeadPayload, QualifyLeadPayload


async def _answer(action: Callable[[], Awaitable[rows.Lead]]) -> LeadPayload:
    async def act() -> LeadPayload:
        return LeadPayload(lead=Lead.from_row(await action()))

    return await payload_of(act, lambda errors: LeadPayload(errors=errors))


def _lead_pk(raw: strawberry.ID, field: str = "id") -> int:
    return decode_id(raw, "Lead", ("input", field))


@strawberry.type
class LeadMutation:
    @strawberry.mutation(description="Web forms: send an idempotencyKey, retries are safe.")
    async def create_lead(self, info: Info, input: CreateLeadInput) -> LeadPayload:
        actor = await info.context.actor()

        def new() -> editing.NewLead:
            return editing.NewLead(
                name=input.name,
                company=given(input.company),
                contact_person=given(input.contact_person),
                email=given(input.email),
                phone=given(input.phone),
                source=given(input.source),
                owner_id=optional_id(input.owner_id, "User", ("input", "ownerId")),
                note=given(input.note),
                idempotency_key=given(input.idempotency_key),
            )

        return await _answer(lambda: editing.create_lead(actor, new()))

    @strawberry.mutation(description="Carries `version`: a stale one gets CONFLICT.")
    async def update_lead(self, info: Info, input: UpdateLeadInput) -> LeadPayload:
        actor = await info.context.actor()

        def changes() -> editing.LeadChanges:
            return editing.LeadChanges(
                version=input.version,
                name=kept_unless_given(input.name),
                company=kept(input.company),
                contact_person=kept(input.contact_person),
                email=kept(input.email),
                phone=kept(input.phone),
                source=kept(input.source),
                note=kept(input.note),
                owner_id=KEEP
                if input.owner_id is None
                else optional_id(input.owner_id, "User", ("input", "ownerId")),
                status=kept_unless_given(input.status),
            )

        return await _answer(lambda: editing.update_lead(actor, _lead_pk(input.id), changes()))

    @strawberry.mutation(
        description="Take a lead from the unassigned pool; if someone was first: CONFLICT."
    )
    async def claim_lead(self, info: Info, input: IdInput) -> LeadPayload:
        actor = await info.context.actor()
        return await _answer(lambda: editing.claim_lead(actor, _lead_pk(input.id)))

    @strawberry.mutation(
        description="In one transaction: a new deal (or existingDealId), the lead QUALIFIED."
    )
    async def qualify_lead(self, info: Info, input: QualifyLeadInput) -> QualifyLeadPayload:
        actor = await info.context.actor()

        async def act() -> QualifyLeadPayload:
            items = given(input.line_items)
            qualification = lifecycle.Qualification(
                lead_id=_lead_pk(input.lead_id, "leadId"),
                process_id=optional_id(input.process_id, "Process", ("input", "processId")),
                deal_name=given(input.deal_name),
                value=given(input.value),
                line_items=line_item_specs(items, "lineItems") if items is not None else None,
                existing_deal_id=optional_id(
                    input.existing_deal_id, "Deal", ("input", "existingDealId")
                ),
            )
            lead, deal = await lifecycle.qualify_lead(actor, qualification)
            return QualifyLeadPayload(lead=Lead.from_row(lead), deal=Deal.from_row(deal))

        return await payload_of(act, lambda errors: QualifyLeadPayload(errors=errors))

    @strawberry.mutation(description="A reason is required.")
    async def disqualify_lead(self, info: Info, input: DisqualifyLeadInput) -> LeadPayload:
        actor = await info.context.actor()
        return await _answer(
            lambda: lifecycle.disqualify_lead(
                actor, _lead_pk(input.lead_id, "leadId"), input.reason
            )
        )

    @strawberry.mutation(description="A disqualified lead becomes NEW again.")
    async def reopen_lead(self, info: Info, input: IdInput) -> LeadPayload:
        actor = await info.context.actor()
        return await _answer(lambda: lifecycle.reopen_lead(actor, _lead_pk(input.id)))
