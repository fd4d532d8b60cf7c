"""Reading deals, lists of them, the trash, and access requests."""

from __future__ import annotations

import strawberry

from models import deal as rows
from resolvers.deals import lists, participation
from schema.connections import Connection
from schema.context import Info
from schema.deals.inputs import BoardFilter, DealOrder, DealOrderField, OrderDirection, deal_filter
from schema.deals.types import AccessRequest, Deal
from schema.ids import decode_id, pk_of
from schema.scalars import AccessRequestStatus, DealStatus


@strawberry.type
class DealQuery:
    @strawberry.field(description="A deal you may see; null for any other id.")
    async def deal(self, info: Info, id: strawberry.ID) -> Deal | None:
        loaders = await info.context.loaders()
        pk = pk_of(id, "Deal")
        row = await loaders.deals.load(pk) if pk is not None else None
        return Deal.from_row(row) if row and row.deleted_at is None else None

    @strawberry.field(description="The deals you may see (not the trash), newest change first.")
    async def deals(
        self,
        info: Info,
        filter: BoardFilter | None = None,
        status: list[DealStatus] | None = None,
        process_id: strawberry.ID | None = None,
        first: int | None = None,
        after: str | None = None,
        order_by: DealOrder | None = None,
    ) -> Connection[Deal]:
        actor = await info.context.actor()
        order = order_by or DealOrder(field=DealOrderField.UPDATED_AT)
        page = await lists.list_deals(
            actor,
            deal_filter(filter),
            statuses=status,
            process_id=decode_id(process_id, "Process", ("processId",)) if process_id else None,
            order=lists.DealOrderField(order.field.value),
            descending=order.direction == OrderDirection.DESC,
            first=first,
            after=after,
        )
        return Connection.of(page, Deal.from_row)

    @strawberry.field(description="The trash: deleted deals you may see, newest first.")
    async def deleted_deals(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[Deal]:
        actor = await info.context.actor()
        page = await lists.list_deals(actor, first=first, after=after, trash=True)
        return Connection.of(page, Deal.from_row)


@strawberry.type
class AccessRequestQuery:
    @strawberry.field(
        description="The access requests you may answer (on deals you work on), newest "
        "first; PENDING ones unless `status` says otherwise, every one when it is null."
    )
    async def access_requests(
        self,
        info: Info,
        status: AccessRequestStatus | None = rows.AccessRequestStatus.PENDING,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[AccessRequest]:
        actor = await info.context.actor()
        page = await participation.list_access_requests(actor, status, first, after)
        return Connection.of(page, AccessRequest.from_row)
