"""Deal inputs, payloads and root fields: each parses ids, calls a resolver, wraps."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date
from decimal import Decimal
from enum import Enum

import strawberry
from strawberry import UNSET
from strawberry.file_uploads import Upload

from models import deal as rows
from resolvers.deals import editing, lifecycle, lists, participation, steps
from resolvers.deals.filters import DealFilter
from resolvers.rate_limits import Limit
from resolvers.validation import KEEP
from schema.connections import Connection
from schema.context import Info
from schema.deal import Deal
from schema.errors import UserError, payload_of, read_or_raise
from schema.ids import decode_id, pk_of
from schema.process import IdInput
from schema.scalars import DealStatus, TaskStatus


@strawberry.input
class CostInput:
    name: str
    amount: Decimal


@strawberry.input
class CreateDealInput:
    name: str
    company: str | None = UNSET
    contact_person: str | None = UNSET
    value: Decimal | None = UNSET
    source: str | None = UNSET
    expected_close_date: date | None = UNSET
    owner_id: strawberry.ID | None = strawberry.field(default=UNSET, description="Default: you.")
    process_id: strawberry.ID | None = strawberry.field(
        default=UNSET, description="Default: the workspace's default process."
    )
    participant_ids: list[strawberry.ID] | None = UNSET
    is_public: bool | None = UNSET
    costs: list[CostInput] | None = UNSET
    idempotency_key: str | None = strawberry.field(
        default=UNSET,
        description="A retry with the same key within 24 hours returns the first deal.",
    )


@strawberry.input(description="Fields left out keep their value; null clears an optional one.")
class UpdateDealInput:
    id: strawberry.ID
    version: int = strawberry.field(description="The version you read; stale: CONFLICT.")
    name: str | None = UNSET
    company: str | None = UNSET
    contact_person: str | None = UNSET
    value: Decimal | None = UNSET
    source: str | None = UNSET
    expected_close_date: date | None = UNSET
    owner_id: strawberry.ID | None = UNSET
    costs: list[CostInput] | None = UNSET


@strawberry.input
class ChangeDealProcessInput:
    deal_id: strawberry.ID
    process_id: strawberry.ID


@strawberry.input
class CompleteStepInput:
    deal_id: strawberry.ID
    step_id: strawberry.ID
    note: str | None = UNSET
    file: Upload | None = strawberry.field(
        default=UNSET, description="GraphQL multipart request spec; at most 10 MiB by default."
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
    owner_ids: list[strawberry.ID] | None = UNSET
    participant_ids: list[strawberry.ID] | None = UNSET
    completed_step_ids: list[strawberry.ID] | None = strawberry.field(
        default=UNSET, description="Deals that have all of these steps done."
    )
    task_status: list[TaskStatus] | None = UNSET  # type: ignore[valid-type]
    search: str | None = strawberry.field(
        default=UNSET, description="In the deal's name, company and contact person."
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


@strawberry.type
class DealPayload:
    deal: Deal | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


def _given(value: object) -> object:
    return None if value is UNSET else value


def _kept(value: object) -> object:
    """UNSET (left out) keeps the stored value; an explicit null clears it."""
    return KEEP if value is UNSET else value


def _ids(raw: list[strawberry.ID] | None, type_name: str, path: list[str]) -> list[int] | None:
    if raw is UNSET or raw is None:
        return None
    return [decode_id(r, type_name, [*path, str(i)]) for i, r in enumerate(raw)]


def _costs(raw: list[CostInput] | None) -> list[editing.CostSpec] | None:
    if raw is UNSET or raw is None:
        return None
    return [editing.CostSpec(c.name, c.amount) for c in raw]


def deal_filter(raw: BoardFilter | None) -> DealFilter | None:
    if raw is None or raw is UNSET:
        return None
    path = ["filter"]
    return DealFilter(
        owner_ids=_ids(raw.owner_ids, "User", [*path, "ownerIds"]),
        participant_ids=_ids(raw.participant_ids, "User", [*path, "participantIds"]),
        completed_step_ids=_ids(raw.completed_step_ids, "Step", [*path, "completedStepIds"]),
        task_statuses=_given(raw.task_status),  # type: ignore[arg-type]
        search=_given(raw.search),  # type: ignore[arg-type]
    )


async def _answer(action: Callable[[], Awaitable[rows.Deal]]) -> DealPayload:
    async def act() -> DealPayload:
        return DealPayload(deal=Deal.from_row(await action()))

    return await payload_of(act, lambda errors: DealPayload(errors=errors))


def _deal_id(raw: strawberry.ID, field: str = "dealId") -> int:
    return decode_id(raw, "Deal", ("input", field))


def _step_id(raw: strawberry.ID) -> int:
    return decode_id(raw, "Step", ("input", "stepId"))


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
        status: list[DealStatus] | None = None,  # type: ignore[valid-type]
        process_id: strawberry.ID | None = None,
        first: int | None = None,
        after: str | None = None,
        order_by: DealOrder | None = None,
    ) -> Connection[Deal]:
        actor = await info.context.actor()
        order = order_by or DealOrder(field=DealOrderField.UPDATED_AT)
        page = await read_or_raise(
            lambda: lists.list_deals(
                actor,
                deal_filter(filter),
                statuses=status,
                process_id=decode_id(process_id, "Process", ("processId",)) if process_id else None,
                order=lists.DealOrderField(order.field.value),
                descending=order.direction == OrderDirection.DESC,
                first=first,
                after=after,
            )
        )
        return Connection.of(page, Deal.from_row)

    @strawberry.field(description="The trash: deleted deals you may see, newest first.")
    async def deleted_deals(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[Deal]:
        actor = await info.context.actor()
        page = await read_or_raise(
            lambda: lists.list_deals(actor, first=first, after=after, trash=True)
        )
        return Connection.of(page, Deal.from_row)


@strawberry.type
class DealMutation:
    @strawberry.mutation
    async def create_deal(self, info: Info, input: CreateDealInput) -> DealPayload:
        actor = await info.context.actor()

        def new() -> editing.NewDeal:
            return editing.NewDeal(
                name=input.name,
                company=_given(input.company),  # type: ignore[arg-type]
                contact_person=_given(input.contact_person),  # type: ignore[arg-type]
                value=_given(input.value),  # type: ignore[arg-type]
                source=_given(input.source),  # type: ignore[arg-type]
                expected_close_date=_given(input.expected_close_date),  # type: ignore[arg-type]
                owner_id=decode_id(input.owner_id, "User", ("input", "ownerId"))
                if input.owner_id
                else None,
                process_id=decode_id(input.process_id, "Process", ("input", "processId"))
                if input.process_id
                else None,
                participant_ids=_ids(input.participant_ids, "User", ["input", "participantIds"]),
                is_public=bool(_given(input.is_public)),
                costs=_costs(input.costs),
                idempotency_key=_given(input.idempotency_key),  # type: ignore[arg-type]
            )

        return await _answer(lambda: editing.create_deal(actor, new()))

    @strawberry.mutation(description="Carries `version`: a stale one gets CONFLICT.")
    async def update_deal(self, info: Info, input: UpdateDealInput) -> DealPayload:
        actor = await info.context.actor()

        def changes() -> editing.DealChanges:
            costs = _costs(input.costs)
            return editing.DealChanges(
                version=input.version,
                name=KEEP if input.name is UNSET or input.name is None else input.name,
                company=_kept(input.company),  # type: ignore[arg-type]
                contact_person=_kept(input.contact_person),  # type: ignore[arg-type]
                value=KEEP if input.value is UNSET or input.value is None else input.value,
                source=_kept(input.source),  # type: ignore[arg-type]
                expected_close_date=_kept(input.expected_close_date),  # type: ignore[arg-type]
                owner_id=decode_id(input.owner_id, "User", ("input", "ownerId"))
                if input.owner_id
                else KEEP,
                costs=KEEP if costs is None else costs,
            )

        return await _answer(
            lambda: editing.update_deal(actor, _deal_id(input.id, "id"), changes())
        )

    @strawberry.mutation(description="Completions stay stored: switching back restores them.")
    async def change_deal_process(self, info: Info, input: ChangeDealProcessInput) -> DealPayload:
        actor = await info.context.actor()
        return await _answer(
            lambda: lifecycle.change_deal_process(
                actor,
                _deal_id(input.deal_id),
                decode_id(input.process_id, "Process", ("input", "processId")),
            )
        )

    @strawberry.mutation
    async def complete_step(self, info: Info, input: CompleteStepInput) -> DealPayload:
        actor = await info.context.actor()
        file = _given(input.file)

        async def complete() -> rows.Deal:
            if file is not None:
                await info.context.within_limit(
                    Limit.UPLOADS_PER_USER, str(actor.id), "Too many files uploaded."
                )
            return await steps.complete_step(
                actor,
                _deal_id(input.deal_id),
                _step_id(input.step_id),
                _given(input.note),  # type: ignore[arg-type]
                file,  # type: ignore[arg-type]
                info.context.file_store,
            )

        return await _answer(complete)

    @strawberry.mutation
    async def uncomplete_step(self, info: Info, input: UncompleteStepInput) -> DealPayload:
        actor = await info.context.actor()
        return await _answer(
            lambda: steps.uncomplete_step(actor, _deal_id(input.deal_id), _step_id(input.step_id))
        )

    @strawberry.mutation(description="Refused with MANDATORY_STEPS_MISSING until they are done.")
    async def win_deal(self, info: Info, input: IdInput) -> DealPayload:
        actor = await info.context.actor()
        return await _answer(lambda: lifecycle.win_deal(actor, _deal_id(input.id, "id")))

    @strawberry.mutation(description="Lost to a competitor; records the stage it was lost at.")
    async def lose_deal(self, info: Info, input: CloseDealInput) -> DealPayload:
        actor = await info.context.actor()
        return await _answer(
            lambda: lifecycle.lose_deal(actor, _deal_id(input.deal_id), input.reason)
        )

    @strawberry.mutation(description="The project never happened.")
    async def cancel_deal(self, info: Info, input: CloseDealInput) -> DealPayload:
        actor = await info.context.actor()
        return await _answer(
            lambda: lifecycle.cancel_deal(actor, _deal_id(input.deal_id), input.reason)
        )

    @strawberry.mutation
    async def reopen_deal(self, info: Info, input: IdInput) -> DealPayload:
        actor = await info.context.actor()
        return await _answer(lambda: lifecycle.reopen_deal(actor, _deal_id(input.id, "id")))

    @strawberry.mutation(description="Into the trash, from which restoreDeal brings it back.")
    async def delete_deal(self, info: Info, input: IdInput) -> DealPayload:
        actor = await info.context.actor()
        return await _answer(lambda: lifecycle.delete_deal(actor, _deal_id(input.id, "id")))

    @strawberry.mutation
    async def restore_deal(self, info: Info, input: IdInput) -> DealPayload:
        actor = await info.context.actor()
        return await _answer(lambda: lifecycle.restore_deal(actor, _deal_id(input.id, "id")))

    @strawberry.mutation
    async def set_deal_public(self, info: Info, input: SetDealPublicInput) -> DealPayload:
        actor = await info.context.actor()
        return await _answer(
            lambda: participation.set_deal_public(actor, _deal_id(input.deal_id), input.is_public)
        )

    @strawberry.mutation
    async def add_participant(self, info: Info, input: ParticipantInput) -> DealPayload:
        actor = await info.context.actor()
        return await _answer(
            lambda: participation.add_participant(
                actor,
                _deal_id(input.deal_id),
                decode_id(input.user_id, "User", ("input", "userId")),
            )
        )

    @strawberry.mutation
    async def remove_participant(self, info: Info, input: ParticipantInput) -> DealPayload:
        actor = await info.context.actor()
        return await _answer(
            lambda: participation.remove_participant(
                actor,
                _deal_id(input.deal_id),
                decode_id(input.user_id, "User", ("input", "userId")),
            )
        )

    @strawberry.mutation(description="Take part in a public deal.")
    async def join_deal(self, info: Info, input: IdInput) -> DealPayload:
        actor = await info.context.actor()
        return await _answer(lambda: participation.join_deal(actor, _deal_id(input.id, "id")))
