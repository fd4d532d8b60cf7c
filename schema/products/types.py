"""Products as the API shows them."""

from __future__ import annotations

from decimal import Decimal

import strawberry

from models import product as rows
from resolvers.products import catalogue
from schema.context import Info
from schema.errors import UserError
from schema.ids import global_id
from schema.node import Node, fetches


@strawberry.type(description="Something the workspace sells; archived ones are inactive.")
class Product(Node):
    row: strawberry.Private[rows.Product]
    name: str
    code: str | None
    unit_price: Decimal
    active: bool

    @classmethod
    def from_row(cls, row: rows.Product) -> Product:
        return cls(
            id=strawberry.ID(global_id("Product", row.id)),
            row=row,
            name=row.name,
            code=row.code,
            unit_price=row.unit_price,
            active=row.active,
        )


@fetches("Product")
async def _product_node(info: Info, pk: int) -> Product | None:
    found = await catalogue.products_by_ids(await info.context.actor(), [pk])
    return Product.from_row(found[pk]) if pk in found else None


@strawberry.type
class ProductPayload:
    product: Product | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)
