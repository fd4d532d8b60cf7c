"""A deal's line items: what it sells, from the catalogue or as free text. Setting them
replaces them all at once; each item's amount is quantity x unit price x (1 - discount /
100), rounded to the cent (halves up) once, and a deal with items is worth their sum
(its value is then not entered by hand: `update_deal` refuses it)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from models.account import User
from models.deal import Deal, LineItem
from models.event import EventKind
from resolvers import validation
from resolvers.deals.state import lock_deal, require_edit, require_version, save
from resolvers.errors import ErrorCode, Problems
from resolvers.events.history import change
from resolvers.products.catalogue import products_by_ids
from resolvers.progress import CENT
from resolvers.transactions import in_transaction
from resolvers.validation import MAX_AMOUNT

MAX_LINE_ITEMS = 100
MAX_QUANTITY = Decimal("1000000")
QUANTITY_PLACES = Decimal("0.0001")
HUNDRED = Decimal(100)


@dataclass(frozen=True)
class NewLineItem:
    quantity: Decimal
    product_id: int | None = None
    name: str | None = None
    unit_price: Decimal | None = None
    discount_percent: Decimal | None = None


def line_amount(quantity: Decimal, unit_price: Decimal, discount_percent: Decimal) -> Decimal:
    """quantity x unit price x (1 - discount / 100), to the cent, halves up."""
    exact = quantity * unit_price * (HUNDRED - discount_percent) / HUNDRED
    return exact.quantize(CENT, rounding=ROUND_HALF_UP)


def _quantity(problems: Problems, raw: Decimal, field: list[str]) -> Decimal:
    try:
        valid = raw.is_finite() and Decimal(0) < raw <= MAX_QUANTITY
        exact = valid and raw == raw.quantize(QUANTITY_PLACES)
    except InvalidOperation:
        valid = exact = False
    if not valid:
        problems.invalid(f"Enter a quantity above 0 and at most {MAX_QUANTITY}.", field)
    elif not exact:
        problems.invalid("Quantities have at most four decimal places.", field)
    return raw.quantize(QUANTITY_PLACES) if valid and exact else Decimal(1)


def _discount(problems: Problems, raw: Decimal | None, field: list[str]) -> Decimal:
    if raw is None:
        return Decimal(0)
    try:
        valid = raw.is_finite() and Decimal(0) <= raw <= HUNDRED and raw == raw.quantize(CENT)
    except InvalidOperation:
        valid = False
    if not valid:
        problems.invalid("Enter a discount from 0 to 100 percent, two decimals at most.", field)
        return Decimal(0)
    return raw.quantize(CENT)


async def _planned(
    actor: User, items: list[NewLineItem], problems: Problems, field: str
) -> list[LineItem]:
    """The items as they will be stored (not saved), every problem noted under
    `input.<field>`."""
    if len(items) > MAX_LINE_ITEMS:
        problems.invalid(f"At most {MAX_LINE_ITEMS} line items.", ["input", field])
        return []
    wanted = {item.product_id for item in items if item.product_id is not None}
    products = await products_by_ids(actor, list(wanted))
    planned = []
    for index, item in enumerate(items):
        path = ["input", field, str(index)]
        product = products.get(item.product_id) if item.product_id is not None else None
        unknown = item.product_id is not None and product is None
        if unknown:
            problems.add(ErrorCode.NOT_FOUND, "Product not found.", [*path, "productId"])
        elif product is not None and not product.active:
            problems.invalid("This product is archived.", [*path, "productId"])
        if item.name is not None or (product is None and not unknown):
            name = validation.required_text(problems, item.name or "", [*path, "name"])
        else:
            name = product.name if product is not None else ""
        if item.unit_price is not None:
            price = validation.amount(problems, item.unit_price, [*path, "unitPrice"])
        elif product is not None or unknown:
            price = product.unit_price if product is not None else Decimal(0)
        else:
            problems.invalid("A free-text item needs a unit price.", [*path, "unitPrice"])
            price = Decimal(0)
        quantity = _quantity(problems, item.quantity, [*path, "quantity"])
        discount = _discount(problems, item.discount_percent, [*path, "discountPercent"])
        planned.append(
            LineItem(
                product_id=product.id if product is not None else None,
                name=name,
                quantity=quantity,
                unit_price=price,
                discount_percent=discount,
                amount=line_amount(quantity, price, discount),
                position=index,
            )
        )
    if sum((item.amount for item in planned), Decimal(0)) > MAX_AMOUNT:
        problems.invalid(f"The items add up to more than {MAX_AMOUNT}.", ["input", field])
    return planned


def _items_text(items: list[LineItem]) -> str | None:
    """The items as one line of history: "2 x Solar panel @ 250.00 -10% = 450.00; ..."."""
    if not items:
        return None
    return "; ".join(
        f"{item.quantity.normalize():f} x {item.name} @ {item.unit_price}"
        + (f" -{item.discount_percent.normalize():f}%" if item.discount_percent else "")
        + f" = {item.amount}"
        for item in items
    )


async def set_line_items(
    actor: User, deal_id: int, version: int, items: list[NewLineItem], field: str = "items"
) -> Deal:
    """Replace the deal's items; with items, its value becomes their sum. Without items
    (an empty list) the value stays as it was, to be entered by hand again. Problems
    with the items are told under `input.<field>`."""
    problems = Problems()
    planned = await _planned(actor, items, problems, field)
    problems.raise_if_any()
    async with in_transaction():
        state = await lock_deal(actor, deal_id)
        require_edit(actor, state)
        require_version(state, version)
        deal = state.deal
        before = await LineItem.filter(deal_id=deal.id)
        moved = []
        before_text, after_text = _items_text(before), _items_text(planned)
        if before_text != after_text:
            await LineItem.filter(deal_id=deal.id).delete()
            for item in planned:
                item.deal_id = deal.id
            await LineItem.bulk_create(planned)
            moved.append(change("lineItems", before_text, after_text))
        if planned:
            total = sum((item.amount for item in planned), Decimal(0)).quantize(CENT)
            if total != deal.value:
                moved.append(change("value", deal.value, total))
                deal.value = total
        if not moved:
            return deal
        return await save(state, actor, EventKind.DEAL_UPDATED, moved)
