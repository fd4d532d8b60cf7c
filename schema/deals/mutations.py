"""Changing deals: create, update, steps, lifecycle, participation, access. Each
mutation parses ids, calls a resolver, wraps the answer in its payload."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import cast

import strawberry

from models import deal as rows
from resolvers.deals import editing, lifecycle, line_items, participation, steps
from resolvers.deals.files import IncomingFile
from resolvers.rate_limits import Limit
from resolvers.validation import KEEP
from schema.context import Info
from schema.deals.inputs import (
    AnswerAccessRequestInput,
    ChangeDealProcessInput,
    CloseDealInput,
    CompleteStepInput,
    CreateDealInput,
    ParticipantInput,
    SetDealPublicInput,
    SetLineItemsInput,
    UncompleteStepInput,
    UpdateDealInput,
    cost_specs,
    deal_pk,
    line_item_specs,
    step_pk,
)
from schema.deals.types import AccessRequest, AccessRequestPayload, Deal, DealPayload
from schema.errors import payload_of
from schema.ids import decode_id
from schema.inputs import IdInput, given, ids, kept, kept_unless_given, optional_id


async def _answer(action: Callable[[], Awaitable[rows.Deal]]) -> DealPayload:
    async def act() -> DealPayload:
        return DealPayload(deal=Deal.from_row(await action()))

    return await payload_of(act, lambda errors: DealPayload(errors=errors))


@strawberry.type
class DealMutation:
    @strawberry.mutation
    async def create_deal(self, info: Info, input: CreateDealInput) -> DealPayload:
        actor = await info.context.actor()

        def new() -> editing.NewDeal:
            return editing.NewDeal(
                name=input.name,
                company=given(input.company),
                contact_person=given(input.contact_person),
                value=given(input.value),
                source=given(input.source),
                expected_close_date=given(input.expected_close_date),
                owner_id=optional_id(input.owner_id, "User", ("input", "ownerId")),
                process_id=optional_id(input.process_id, "Process", ("input", "processId")),
                participant_ids=ids(input.participant_ids, "User", ["input", "participantIds"]),
                is_public=bool(given(input.is_public)),
                costs=cost_specs(given(input.costs)),
                idempotency_key=given(input.idempotency_key),
            )

        return await _answer(lambda: editing.create_deal(actor, new()))

    @strawberry.mutation(description="Carries `version`: a stale one gets CONFLICT.")
    async def update_deal(self, info: Info, input: UpdateDealInput) -> DealPayload:
        actor = await info.context.actor()

        def changes() -> editing.DealChanges:
            costs = cost_specs(given(input.costs))
            owner_id = optional_id(input.owner_id, "User", ("input", "ownerId"))
            return editing.DealChanges(
                version=input.version,
                name=kept_unless_given(input.name),
                company=kept(input.company),
                contact_person=kept(input.contact_person),
                value=kept_unless_given(input.value),
                source=kept(input.source),
                expected_close_date=kept(input.expected_close_date),
                owner_id=KEEP if owner_id is None else owner_id,
                costs=KEEP if costs is None else costs,
            )

        return await _answer(lambda: editing.update_deal(actor, deal_pk(input.id, "id"), changes()))

    @strawberry.mutation(description="Carries `version`: a stale one gets CONFLICT.")
    async def set_deal_line_items(self, info: Info, input: SetLineItemsInput) -> DealPayload:
        actor = await info.context.actor()
        return await _answer(
            lambda: line_items.set_line_items(
                actor, deal_pk(input.deal_id), input.version, line_item_specs(input.items)
            )
        )

    @strawberry.mutation(description="Completions stay stored: switching back restores them.")
    async def change_deal_process(self, info: Info, input: ChangeDealProcessInput) -> DealPayload:
        actor = await info.context.actor()
        return await _answer(
            lambda: lifecycle.change_deal_process(
                actor,
                deal_pk(input.deal_id),
                decode_id(input.process_id, "Process", ("input", "processId")),
            )
        )

    @strawberry.mutation
    async def complete_step(self, info: Info, input: CompleteStepInput) -> DealPayload:
        actor = await info.context.actor()
        # Strawberry types an upload as `Upload`; what arrives is Starlette's UploadFile.
        file = cast("IncomingFile | None", given(input.file))

        async def complete() -> rows.Deal:
            if file is not None:
                await info.context.within_limit(
                    Limit.UPLOADS_PER_USER, str(actor.id), "Too many files uploaded."
                )
            return await steps.complete_step(
                actor,
                deal_pk(input.deal_id),
                step_pk(input.step_id),
                given(input.note),
                file,
                info.context.file_store,
            )

        return await _answer(complete)

    @strawberry.mutation
    async def uncomplete_step(self, info: Info, input: UncompleteStepInput) -> DealPayload:
        actor = await info.context.actor()
        return await _answer(
            lambda: steps.uncomplete_step(actor, deal_pk(input.deal_id), step_pk(input.step_id))
        )

    @strawberry.mutation(description="Refused with MANDATORY_STEPS_MISSING until they are done.")
    async def win_deal(self, info: Info, input: IdInput) -> DealPayload:
        actor = await info.context.actor()
        return await _answer(lambda: lifecycle.win_deal(actor, deal_pk(input.id, "id")))

    @strawberry.mutation(description="Lost to a competitor; records the stage it was lost at.")
    async def lose_deal(self, info: Info, input: CloseDealInput) -> DealPayload:
        actor = await info.context.actor()
        return await _answer(
            lambda: lifecycle.lose_deal(actor, deal_pk(input.deal_id), input.reason)
        )

    @strawberry.mutation(description="The project never happened.")
    async def cancel_deal(self, info: Info, input: CloseDealInput) -> DealPayload:
        actor = await info.context.actor()
        return await _answer(
            lambda: lifecycle.cancel_deal(actor, deal_pk(input.deal_id), input.reason)
        )

    @strawberry.mutation
    async def reopen_deal(self, info: Info, input: IdInput) -> DealPayload:
        actor = await info.context.actor()
        return await _answer(lambda: lifecycle.reopen_deal(actor, deal_pk(input.id, "id")))

    @strawberry.mutation(description="Into the trash, from which restoreDeal brings it back.")
    async def delete_deal(self, info: Info, input: IdInput) -> DealPayload:
        actor = await info.context.actor()
        return await _answer(lambda: lifecycle.delete_deal(actor, deal_pk(input.id, "id")))

    @strawberry.mutation
    async def restore_deal(self, info: Info, input: IdInput) -> DealPayload:
        actor = await info.context.actor()
        return await _answer(lambda: lifecycle.restore_deal(actor, deal_pk(input.id, "id")))

    @strawberry.mutation
    async def set_deal_public(self, info: Info, input: SetDealPublicInput) -> DealPayload:
        actor = await info.context.actor()
        return await _answer(
            lambda: participation.set_deal_public(actor, deal_pk(input.deal_id), input.is_public)
        )

    @strawberry.mutation
    async def add_participant(self, info: Info, input: ParticipantInput) -> DealPayload:
        actor = await info.context.actor()
        return await _answer(
            lambda: participation.add_participant(
                actor,
                deal_pk(input.deal_id),
                decode_id(input.user_id, "User", ("input", "userId")),
            )
        )

    @strawberry.mutation
    async def remove_participant(self, info: Info, input: ParticipantInput) -> DealPayload:
        actor = await info.context.actor()
        return await _answer(
            lambda: participation.remove_participant(
                actor,
                deal_pk(input.deal_id),
                decode_id(input.user_id, "User", ("input", "userId")),
            )
        )

    @strawberry.mutation(description="Take part in a public deal.")
    async def join_deal(self, info: Info, input: IdInput) -> DealPayload:
        actor = await info.context.actor()
        return await _answer(lambda: participation.join_deal(actor, deal_pk(input.id, "id")))


@strawberry.type
class AccessRequestMutation:
    @strawberry.mutation(description="Ask the owner of a private deal to let you in.")
    async def request_deal_access(self, info: Info, input: IdInput) -> AccessRequestPayload:
        actor = await info.context.actor()

        async def act() -> AccessRequestPayload:
            deal_id = decode_id(input.id, "Deal", ("input", "id"))
            key = given(input.idempotency_key)
            row = await participation.request_access(actor, deal_id, key)
            return AccessRequestPayload(request=AccessRequest.from_row(row))

        return await payload_of(act, lambda errors: AccessRequestPayload(errors=errors))

    @strawberry.mutation(description="Granting adds the requester as a participant.")
    async def answer_access_request(
        self, info: Info, input: AnswerAccessRequestInput
    ) -> AccessRequestPayload:
        actor = await info.context.actor()

        async def act() -> AccessRequestPayload:
            request_id = decode_id(input.request_id, "AccessRequest", ("input", "requestId"))
            row = await participation.answer_access_request(actor, request_id, input.grant)
            return AccessRequestPayload(request=AccessRequest.from_row(row))

        return await payload_of(act, lambda errors: AccessRequestPayload(errors=errors))
