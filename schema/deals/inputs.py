"""What deal mutations and lists take, and their translation for the resolvers."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import Enum

import strawberry
from strawberry.file_uploads import Upload

from resolvers.deals import editing
from resolvers.deals.filters import DealFilter
from resolvers.deals.line_items import NewLineItem
from schema.ids import decode_id
from schema.inputs import given, ids, optional_id
from schema.scalars import TaskStatus


@strawberry.input
class CostInput:
    name: str
    amount: Decimal


@strawberry.input
class CreateDealInput:
    name: str
    company: strawberry.Maybe[str | None]
    contact_person: strawberry.Maybe[str | None]
    value: strawberry.Maybe[Decimal | None]
    source: strawberry.Maybe[str | None]
    expected_close_date: strawberry.Maybe[date | None]
    owner_id: strawberry.Maybe[strawberry.ID | None] = strawberry.field(description="Default: you.")
    process_id: strawberry.Maybe[strawberry.ID | None] = strawberry.field(
        description="Default: the workspace's default process."
    )
    participant_ids: strawberry.Maybe[list[strawberry.ID] | None]
    is_public: strawberry.Maybe[bool | None]
    costs: strawberry.Maybe[list[CostInput] | None]
    idempotency_key: strawberry.Maybe[str | None] = strawberry.field(
        description="A retry with the same key within 24 hours returns the first deal.",
    )


@strawberry.input(description="Fields left out keep their value; null clears an optional one.")
class UpdateDealInput:
    id: strawberry.ID
    version: int = strawberry.field(description="The version you read; stale: CONFLICT.")
    name: strawberry.Maybe[str | None]
    company: strawberry.Maybe[str | None]
    contact_person: strawberry.Maybe[str | None]
    value: strawberry.Maybe[Decimal | None]
    source: strawberry.Maybe[str | None]
    expected_close_date: strawberry.Maybe[date | None]
    owner_id: strawberry.Maybe[strawberry.ID | None]
    costs: strawberry.Maybe[list[CostInput] | None]


@strawberry.input
class ChangeDealProcessInput:
    deal_id: strawberry.ID
    process_id: strawberry.ID


@strawberry.input
class CompleteStepInput:
    deal_id: strawberry.ID
    step_id: strawberry.ID
    note: strawberry.Maybe[str | None]
    file: strawberry.Maybe[Upload | None] = strawberry.field(
        description="GraphQL multipart request spec; at most 10 MiB by default."
    )


@strawberry.input
class UncompleteStepInput:
    deal_id: strawberry.ID
    step_id: strawberry.ID


@strawberry.input
class CloseDealInput:
    deal_id: strawberry.ID
    reason: str


@strawberry.input
class SetDealPublicInput:
    deal_id: strawberry.ID
    is_public: bool


@strawberry.input
class ParticipantInput:
    deal_id: strawberry.ID
    user_id: strawberry.ID


@strawberry.input
class BoardFilter:
    owner_ids: strawberry.Maybe[list[strawberry.ID] | None]
    participant_ids: strawberry.Maybe[list[strawberry.ID] | None]
    completed_step_ids: strawberry.Maybe[list[strawberry.ID] | None] = strawberry.field(
        description="Deals that have all of these steps done."
    )
    task_status: strawberry.Maybe[list[TaskStatus] | None]
    search: strawberry.Maybe[str | None] = strawberry.field(
        description="In the deal's name, company and contact person."
    )
    rotten: strawberry.Maybe[bool | None] = strawberry.field(
        description="true: rotten deals only (Deal.isRotten); false: the others."
    )


@strawberry.enum
class DealOrderField(Enum):
    UPDATED_AT = "updated_at"
    CREATED_AT = "created_at"
    VALUE = "value"
    EXPECTED_CLOSE_DATE = "expected_close_date"
    PROBABILITY = "probability"


@strawberry.enum
class OrderDirection(Enum):
    ASC = "asc"
    DESC = "desc"


@strawberry.input
class DealOrder:
    field: DealOrderField
    direction: OrderDirection = OrderDirection.DESC


def cost_specs(raw: list[CostInput] | None) -> list[editing.CostSpec] | None:
    if raw is None:
        return None
    return [editing.CostSpec(c.name, c.amount) for c in raw]


def deal_filter(raw: BoardFilter | None) -> DealFilter | None:
    if raw is None:
        return None
    path = ["filter"]
    return DealFilter(
        owner_ids=ids(raw.owner_ids, "User", [*path, "ownerIds"]),
        participant_ids=ids(raw.participant_ids, "User", [*path, "participantIds"]),
        completed_step_ids=ids(raw.completed_step_ids, "Step", [*path, "completedStepIds"]),
        task_statuses=given(raw.task_status),
        search=given(raw.search),
        rotten=given(raw.rotten),
    )


def deal_pk(raw: strawberry.ID, field: str = "dealId") -> int:
    return decode_id(raw, "Deal", ("input", field))


def step_pk(raw: strawberry.ID) -> int:
    return decode_id(raw, "Step", ("input", "stepId"))


@strawberry.input
class AnswerAccessRequestInput:
    request_id: strawberry.ID
    grant: bool


@strawberry.input(description="A product of the catalogue, or free text (name and unit price).")
class LineItemInput:
    product_id: strawberry.Maybe[strawberry.ID | None]
    name: strawberry.Maybe[str | None] = strawberry.field(
        description="Default: the product's name."
    )
    quantity: Decimal = strawberry.field(description="Above 0, four decimals at most.")
    unit_price: strawberry.Maybe[Decimal | None] = strawberry.field(
        description="Default: the product's price."
    )
    discount_percent: strawberry.Maybe[Decimal | None] = strawberry.field(
        description="0 to 100; default 0."
    )


@strawberry.input(description="Replaces every item; the deal's value becomes their sum.")
class SetLineItemsInput:
    deal_id: strawberry.ID
    version: int = strawberry.field(description="The version you read; stale: CONFLICT.")
    items: list[LineItemInput]


def line_item_specs(items: list[LineItemInput], field: str = "items") -> list[NewLineItem]:
    return [
        NewLineItem(
            quantity=item.quantity,
            product_id=optional_id(
                item.product_id, "Product", ("input", field, str(i), "productId")
            ),
            name=given(item.name),
            unit_price=given(item.unit_price),
            discount_percent=given(item.discount_percent),
        )
        for i, item in enumerate(items)
    ]
