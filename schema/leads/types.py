"""Leads as the API shows them."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

from models import lead as rows
from models.lead import LeadStatus
from schema.accounts.types import User, load_user
from schema.connections import Connection
from schema.context import Info
from schema.errors import UserError
from schema.ids import global_id
from schema.node import Node, fetches

if TYPE_CHECKING:
    from schema.deals.types import Deal
    from schema.events.activity import Activity


@strawberry.type(description="Interest before a deal exists: qualified into one, or not.")
class Lead(Node):
    row: strawberry.Private[rows.Lead]
    name: str
    company: str | None
    contact_person: str | None
    email: str | None
    phone: str | None
    source: str | None
    status: LeadStatus
    disqualified_reason: str | None
    note: str | None
    version: int = strawberry.field(description="Send it back with updateLead.")
    created_at: datetime
    updated_at: datetime

    @strawberry.field(description="The lead's key in another system (importLeads upserts by it).")
    def external_id(self) -> str | None:
        return self.row.external_id

    @classmethod
    def from_row(cls, row: rows.Lead) -> Lead:
        return cls(
            id=strawberry.ID(global_id("Lead", row.id)),
            row=row,
            name=row.name,
            company=row.company,
            contact_person=row.contact_person,
            email=row.email,
            phone=row.phone,
            source=row.source,
            status=row.status,
            disqualified_reason=row.disqualified_reason,
            note=row.note,
            version=row.version,
            created_at=row.created_at,
            updated_at=row.updated_at,
        )

    @strawberry.field(description="Null: in the workspace's unassigned pool.")
    async def owner(self, info: Info) -> User | None:
        return await load_user(info, self.row.owner_id) if self.row.owner_id else None

    @strawberry.field(description="The deal it was qualified into, if you may see it.")
    async def deal(
        self, info: Info
    ) -> Annotated[Deal, strawberry.lazy("schema.deals.types")] | None:
        from schema.deals.types import load_deal  # the two modules refer to each other

        return await load_deal(info, self.row.deal_id)

    @strawberry.field(description="Every change, newest first.")
    async def history(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[Annotated[Activity, strawberry.lazy("schema.events.activity")]]:
        from resolvers.events import activity
        from schema.events.activity import Activity  # the two modules refer to each other

        actor = await info.context.actor()
        page = await activity.list_activity(actor, None, first, after, lead_id=self.row.id)
        return Connection.of(page, Activity.from_row)


async def load_lead(info: Info, lead_id: int | None) -> Lead | None:
    """A lead a row points at, if the viewer may see it."""
    if lead_id is None:
        return None
    row = await (await info.context.loaders()).leads.load(lead_id)
    return Lead.from_row(row) if row else None


@fetches("Lead")
async def _lead_node(info: Info, pk: int) -> Lead | None:
    return await load_lead(info, pk)


@strawberry.type
class LeadStatusCount:
    status: LeadStatus
    count: int


@strawberry.type(description="Leads, newest first.")
class LeadConnection(Connection[Lead]):
    status_counts: list[LeadStatusCount] = strawberry.field(
        description="How many leads match the filter in each status (the status filter "
        "left aside), for a list's tabs."
    )


@strawberry.type
class LeadPayload:
    lead: Lead | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class QualifyLeadPayload:
    lead: Lead | None = None
    deal: Annotated[Deal, strawberry.lazy("schema.deals.types")] | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)
