"""The webhooks list and the webhook mutations."""

from __future__ import annotations

import strawberry

from resolvers.validation import KEEP
from resolvers.webhooks import editing
from schema.context import Info
from schema.errors import payload_of
from schema.ids import decode_id
from schema.inputs import IdInput, ids, kept_unless_given, optional_id
from schema.webhooks.types import Webhook, WebhookDelivery, WebhookDeliveryPayload, WebhookPayload


@strawberry.input
class CreateWebhookInput:
    url: str = strawberry.field(description="https:// and a public address.")
    events: list[str] = strawberry.field(description="deal.won, lead.created, ...")
    process_id: strawberry.Maybe[strawberry.ID | None] = strawberry.field(
        description="Only this process's deals (leads belong to none)."
    )
    step_ids: strawberry.Maybe[list[strawberry.ID] | None] = strawberry.field(
        description="deal.step_completed only for these steps."
    )


@strawberry.input(description="Fields left out keep their value.")
class UpdateWebhookInput:
    id: strawberry.ID
    url: strawberry.Maybe[str | None]
    events: strawberry.Maybe[list[str] | None]
    process_id: strawberry.Maybe[strawberry.ID | None] = strawberry.field(
        description="null: every process."
    )
    step_ids: strawberry.Maybe[list[strawberry.ID] | None]
    active: strawberry.Maybe[bool | None] = strawberry.field(
        description="true again resumes from the first event not yet delivered."
    )


def _pk(raw: strawberry.ID) -> int:
    return decode_id(raw, "Webhook", ("input", "id"))


@strawberry.type
class WebhookQuery:
    @strawberry.field(description="Your webhooks; an administrator's: the workspace's.")
    async def webhooks(self, info: Info) -> list[Webhook]:
        actor = await info.context.actor()
        return [Webhook.from_row(row) for row in await editing.list_webhooks(actor)]


@strawberry.type
class WebhookMutation:
    @strawberry.mutation(description="The secret signs every attempt; it is shown only now.")
    async def create_webhook(self, info: Info, input: CreateWebhookInput) -> WebhookPayload:
        actor = await info.context.actor()

        async def act() -> WebhookPayload:
            spec = editing.WebhookSpec(
                url=input.url,
                events=input.events,
                process_id=optional_id(input.process_id, "Process", ("input", "processId")),
                step_ids=ids(input.step_ids, "Step", ["input", "stepIds"]),
            )
            row, secret = await editing.create_webhook(actor, info.context.webhook_policy, spec)
            return WebhookPayload(webhook=Webhook.from_row(row), secret=secret)

        return await payload_of(act, lambda errors: WebhookPayload(errors=errors))

    @strawberry.mutation(description="Your own webhooks.")
    async def update_webhook(self, info: Info, input: UpdateWebhookInput) -> WebhookPayload:
        actor = await info.context.actor()

        async def act() -> WebhookPayload:
            changes = editing.WebhookChanges(
                url=kept_unless_given(input.url),
                events=kept_unless_given(input.events),
                process_id=KEEP
                if input.process_id is None
                else optional_id(input.process_id, "Process", ("input", "processId")),
                step_ids=KEEP
                if input.step_ids is None
                else ids(input.step_ids, "Step", ["input", "stepIds"]),
                active=kept_unless_given(input.active),
            )
            row = await editing.update_webhook(
                actor, info.context.webhook_policy, _pk(input.id), changes
            )
            return WebhookPayload(webhook=Webhook.from_row(row))

        return await payload_of(act, lambda errors: WebhookPayload(errors=errors))

    @strawberry.mutation(description="Your own webhooks; pending deliveries go with it.")
    async def delete_webhook(self, info: Info, input: IdInput) -> WebhookPayload:
        actor = await info.context.actor()

        async def act() -> WebhookPayload:
            return WebhookPayload(
                webhook=Webhook.from_row(await editing.delete_webhook(actor, _pk(input.id)))
            )

        return await payload_of(act, lambda errors: WebhookPayload(errors=errors))

    @strawberry.mutation(description="A new secret, shown only now; the old one stops at once.")
    async def rotate_webhook_secret(self, info: Info, input: IdInput) -> WebhookPayload:
        actor = await info.context.actor()

        async def act() -> WebhookPayload:
            row, secret = await editing.rotate_secret(actor, _pk(input.id))
            return WebhookPayload(webhook=Webhook.from_row(row), secret=secret)

        return await payload_of(act, lambda errors: WebhookPayload(errors=errors))

    @strawberry.mutation(description="Send a delivery again (same event, same id).")
    async def redeliver_webhook(self, info: Info, input: IdInput) -> WebhookDeliveryPayload:
        actor = await info.context.actor()

        async def act() -> WebhookDeliveryPayload:
            delivery_id = decode_id(input.id, "WebhookDelivery", ("input", "id"))
            row = await editing.redeliver(actor, delivery_id)
            return WebhookDeliveryPayload(delivery=WebhookDelivery.from_row(row))

        return await payload_of(act, lambda errors: WebhookDeliveryPayload(errors=errors))
