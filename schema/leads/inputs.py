"""What lead mutations and the `leads` list take."""

from __future__ import annotations

from decimal import Decimal

import strawberry

from models.lead import LeadStatus
from resolvers.leads.lists import LeadFilter as LeadFilterSpec
from schema.deals.inputs import LineItemInput
from schema.inputs import given, ids


@strawberry.input
class LeadFilter:
    status: strawberry.Maybe[list[LeadStatus] | None]
    owner_ids: strawberry.Maybe[list[strawberry.ID] | None]
    unassigned: strawberry.Maybe[bool | None] = strawberry.field(
        description="true: the unassigned pool (with ownerIds, theirs too); false: owned only."
    )
    source: strawberry.Maybe[str | None] = strawberry.field(description="Exact, in any case.")
    search: strawberry.Maybe[str | None] = strawberry.field(
        description="In the name, company, contact person and email."
    )

    def spec(self) -> LeadFilterSpec:
        return LeadFilterSpec(
            statuses=given(self.status),
            owner_ids=ids(self.owner_ids, "User", ["filter", "ownerIds"]),
            unassigned=given(self.unassigned),
            source=given(self.source),
            search=given(self.search),
        )


@strawberry.input
class CreateLeadInput:
    name: str
    company: strawberry.Maybe[str | None]
    contact_person: strawberry.Maybe[str | None]
    email: strawberry.Maybe[str | None]
    phone: strawberry.Maybe[str | None]
    source: strawberry.Maybe[str | None]
    owner_id: strawberry.Maybe[strawberry.ID | None] = strawberry.field(
        description="Default: none, the workspace's unassigned pool. A salesperson may "
        "name themselves; managers and administrators anyone."
    )
    note: strawberry.Maybe[str | None]
    idempotency_key: strawberry.Maybe[str | None] = strawberry.field(
        description="A retry with the same key within 24 hours returns the first lead."
    )


@strawberry.input(description="Fields left out keep their value; null clears an optional one.")
class UpdateLeadInput:
    id: strawberry.ID
    version: int = strawberry.field(description="The version you read; stale: CONFLICT.")
    name: strawberry.Maybe[str | None]
    company: strawberry.Maybe[str | None]
    contact_person: strawberry.Maybe[str | None]
    email: strawberry.Maybe[str | None]
    phone: strawberry.Maybe[str | None]
    source: strawberry.Maybe[str | None]
    owner_id: strawberry.Maybe[strawberry.ID | None] = strawberry.field(
        description="null puts the lead back in the unassigned pool."
    )
    note: strawberry.Maybe[str | None]
    status: strawberry.Maybe[LeadStatus | None] = strawberry.field(
        description="NEW or CONTACTED; the others through qualifyLead and disqualifyLead."
    )


@strawberry.input
class QualifyLeadInput:
    lead_id: strawberry.ID
    process_id: strawberry.Maybe[strawberry.ID | None] = strawberry.field(
        description="Default: the workspace's default process."
    )
    deal_name: strawberry.Maybe[str | None] = strawberry.field(
        description="Default: the lead's company, else its name."
    )
    value: strawberry.Maybe[Decimal | None]
    line_items: strawberry.Maybe[list[LineItemInput] | None] = strawberry.field(
        description="The new deal's items; its value is then their sum."
    )
    existing_deal_id: strawberry.Maybe[strawberry.ID | None] = strawberry.field(
        description="Attach the lead to a deal you may edit instead of creating one."
    )


@strawberry.input
class DisqualifyLeadInput:
    lead_id: strawberry.ID
    reason: str
