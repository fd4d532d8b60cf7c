"""Reading leads."""

from __future__ import annotations

import strawberry

from models.lead import LeadStatus
from resolvers.leads import lists
from schema.connections import Connection
from schema.context import Info
from schema.ids import pk_of
from schema.leads.inputs import LeadFilter
from schema.leads.types import Lead, LeadConnection, LeadStatusCount, load_lead


@strawberry.type
class LeadQuery:
    @strawberry.field(description="A lead you may see; null for any other id.")
    async def lead(self, info: Info, id: strawberry.ID) -> Lead | None:
        return await load_lead(info, pk_of(id, "Lead"))

    @strawberry.field(
        description="The leads you may see (yours and the unassigned pool; managers and "
        "administrators every lead), newest first."
    )
    async def leads(
        self,
        info: Info,
        filter: LeadFilter | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> LeadConnection:
        actor = await info.context.actor()
        found = await lists.list_leads(actor, filter.spec() if filter else None, first, after)
        page = Connection.of(found.page, Lead.from_row)
        return LeadConnection(
            edges=page.edges,
            page_info=page.page_info,
            total=found.page.total_count,
            status_counts=[
                LeadStatusCount(status=status, count=found.status_counts[status])
                for status in LeadStatus
            ],
        )
