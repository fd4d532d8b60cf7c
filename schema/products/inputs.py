"""What product mutations take."""

from __future__ import annotations

from decimal import Decimal

import strawberry


@strawberry.input
class ProductInput:
    name: str
    code: strawberry.Maybe[str | None] = strawberry.field(
        description="A code (SKU) names one product of the workspace."
    )
    unit_price: Decimal


@strawberry.input(description="Fields left out keep their value; a null code clears it.")
class UpdateProductInput:
    id: strawberry.ID
    name: strawberry.Maybe[str | None] = strawberry.field(description="Null keeps the name.")
    code: strawberry.Maybe[str | None]
    unit_price: strawberry.Maybe[Decimal | None] = strawberry.field(
        description="Applies to line items set from now on. Null keeps the price."
    )
    active: strawberry.Maybe[bool | None] = strawberry.field(
        description="false archives the product: off the list, still readable on deals."
    )
