"""The workspace's catalogue: every member reads it (line items name its products);
managers and administrators change it. Archived products are left out of the list
unless asked for, and stay readable wherever they are named."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from tortoise.exceptions import IntegrityError
from tortoise.queryset import QuerySet

from models.account import User
from models.product import Product
from resolvers import access, validation
from resolvers.errors import ErrorCode, Problems, Refused, not_found
from resolvers.transactions import in_transaction
from resolvers.validation import Keep

MAX_CODE_LENGTH = 64


@dataclass(frozen=True)
class NewProduct:
    name: str
    unit_price: Decimal
    code: str | None = None


@dataclass(frozen=True)
class ProductChanges:
    name: str | Keep
    code: str | Keep | None
    unit_price: Decimal | Keep
    active: bool | Keep


def catalogue(actor: User) -> QuerySet[Product]:
    """The actor's workspace's products, archived ones included."""
    return Product.filter(workspace_id=actor.workspace_id)


async def list_products(actor: User, include_archived: bool = False) -> list[Product]:
    query = catalogue(actor) if include_archived else catalogue(actor).filter(active=True)
    return await query.order_by("name", "id")


async def products_by_ids(actor: User, ids: list[int]) -> dict[int, Product]:
    return {row.id: row for row in await catalogue(actor).filter(id__in=ids)}


def _code_taken() -> Refused:
    return Refused.one(
        ErrorCode.CONFLICT, "Another product of this workspace has this code.", ("input", "code")
    )


async def create_product(actor: User, new: NewProduct) -> Product:
    access.require_manager(actor, "change the product catalogue")
    problems = Problems()
    name = validation.required_text(problems, new.name, ["input", "name"])
    code = validation.optional_text(problems, new.code, ["input", "code"], MAX_CODE_LENGTH)
    price = validation.amount(problems, new.unit_price, ["input", "unitPrice"])
    problems.raise_if_any()
    try:
        async with in_transaction():
            return await Product.create(
                workspace_id=actor.workspace_id, name=name, code=code, unit_price=price
            )
    except IntegrityError:
        raise _code_taken() from None


async def update_product(actor: User, product_id: int, changes: ProductChanges) -> Product:
    """Rename, recode, reprice, archive or restore. A new price applies to line items
    set from now on; those already on deals keep theirs."""
    access.require_manager(actor, "change the product catalogue")
    problems = Problems()
    fields: dict[str, object] = {}
    if not isinstance(changes.name, Keep):
        fields["name"] = validation.required_text(problems, changes.name, ["input", "name"])
    if not isinstance(changes.code, Keep):
        fields["code"] = validation.optional_text(
            problems, changes.code, ["input", "code"], MAX_CODE_LENGTH
        )
    if not isinstance(changes.unit_price, Keep):
        fields["unit_price"] = validation.amount(
            problems, changes.unit_price, ["input", "unitPrice"]
        )
    if not isinstance(changes.active, Keep):
        fields["active"] = changes.active
    problems.raise_if_any()
    try:
        async with in_transaction():
            product = await catalogue(actor).filter(id=product_id).select_for_update().first()
            if product is None:
                raise not_found("Product", ("input", "id"))
            if fields:
                product.update_from_dict(fields)
                await product.save()
            return product
    except IntegrityError:
        raise _code_taken() from None
