"""The catalogue."""

from __future__ import annotations

import strawberry

from resolvers.products import catalogue
from schema.context import Info
from schema.products.types import Product


@strawberry.type
class ProductQuery:
    @strawberry.field(description="The workspace's products by name; archived ones on request.")
    async def products(self, info: Info, include_archived: bool | None = False) -> list[Product]:
        actor = await info.context.actor()
        rows = await catalogue.list_products(actor, bool(include_archived))
        return [Product.from_row(row) for row in rows]
