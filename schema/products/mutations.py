"""Changing the catalogue (managers and administrators)."""

from __future__ import annotations

import strawberry

from resolvers.products import catalogue
from schema.context import Info
from schema.errors import payload_of
from schema.ids import decode_id
from schema.inputs import given, kept, kept_unless_given
from schema.products.inputs import ProductInput, UpdateProductInput
from schema.products.types import Product, ProductPayload


@strawberry.type
class ProductMutation:
    @strawberry.mutation(description="Managers and administrators only.")
    async def create_product(self, info: Info, input: ProductInput) -> ProductPayload:
        actor = await info.context.actor()

        async def act() -> ProductPayload:
            new = catalogue.NewProduct(
                name=input.name, unit_price=input.unit_price, code=given(input.code)
            )
            return ProductPayload(
                product=Product.from_row(await catalogue.create_product(actor, new))
            )

        return await payload_of(act, lambda errors: ProductPayload(errors=errors))

    @strawberry.mutation(description="Managers and administrators only.")
    async def update_product(self, info: Info, input: UpdateProductInput) -> ProductPayload:
        actor = await info.context.actor()

        async def act() -> ProductPayload:
            product_id = decode_id(input.id, "Product", ("input", "id"))
            changes = catalogue.ProductChanges(
                name=kept_unless_given(input.name),
                code=kept(input.code),
                unit_price=kept_unless_given(input.unit_price),
                active=kept_unless_given(input.active),
            )
            product = await catalogue.update_product(actor, product_id, changes)
            return ProductPayload(product=Product.from_row(product))

        return await payload_of(act, lambda errors: ProductPayload(errors=errors))
