"""Webhooks and their deliveries as the API shows them."""

from __future__ import annotations

from datetime import datetime

import strawberry
from tortoise.expressions import Subquery

from models import webhook as rows
from resolvers.pagination import IdCursor, Page, page_size
from resolvers.webhooks import editing
from schema.accounts.types import User, load_user
from schema.connections import Connection
from schema.context import Info
from schema.errors import UserError
from schema.ids import global_id
from schema.node import Node, fetches
from schema.processes.types import Process


@strawberry.type(description="One event for one webhook, and where its attempts stand.")
class WebhookDelivery(Node):
    row: strawberry.Private[rows.WebhookDelivery]
    event_id: str = strawberry.field(description="The `id` the receiver gets (for de-duplication).")
    event: str = strawberry.field(description="deal.won, lead.created, ...")
    attempt: int = strawberry.field(description="Attempts made so far.")
    status: str = strawberry.field(description="PENDING, DELIVERED or FAILED.")
    response_code: int | None
    at: datetime = strawberry.field(description="When the delivery was made out.")
    next_attempt_at: datetime | None
    last_error: str | None

    @classmethod
    def from_row(cls, row: rows.WebhookDelivery) -> WebhookDelivery:
        return cls(
            id=strawberry.ID(global_id("WebhookDelivery", row.id)),
            row=row,
            event_id=str(row.body.get("id", "")),
            event=row.event_type,
            attempt=row.attempt,
            status=str(row.status),
            response_code=row.response_code,
            at=row.created_at,
            next_attempt_at=row.next_attempt_at,
            last_error=row.last_error,
        )


@strawberry.type(description="Signed, retried, filtered; never about what its owner may not see.")
class Webhook(Node):
    row: strawberry.Private[rows.Webhook]
    url: str
    events: list[str]
    active: bool
    created_at: datetime
    failing_since: datetime | None = strawberry.field(
        description="Failing since; after a day of failures the webhook is disabled."
    )

    @classmethod
    def from_row(cls, row: rows.Webhook) -> Webhook:
        return cls(
            id=strawberry.ID(global_id("Webhook", row.id)),
            row=row,
            url=row.url,
            events=list(row.events),
            active=row.active,
            created_at=row.created_at,
            failing_since=row.failing_since,
        )

    @strawberry.field(description="Only this process's deals (null: every process).")
    async def process(self, info: Info) -> Process | None:
        if self.row.process_id is None:
            return None
        tree = await (await info.context.loaders()).process_trees.load(self.row.process_id)
        return Process.from_tree(tree) if tree else None

    @strawberry.field(description="deal.step_completed only for these steps (empty: any).")
    def step_ids(self) -> list[strawberry.ID]:
        return [strawberry.ID(global_id("Step", i)) for i in self.row.step_ids]

    @strawberry.field
    async def owner(self, info: Info) -> User:
        return await load_user(info, self.row.owner_id)

    @strawberry.field(description="Newest first.")
    async def deliveries(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[WebhookDelivery]:
        limit = page_size(first)
        query = rows.WebhookDelivery.filter(webhook_id=self.row.id)
        total = await query.count()
        if after is not None:
            query = query.filter(id__lt=IdCursor.DELIVERY.read(after))
        found = await query.order_by("-id").limit(limit + 1)
        page = Page(
            found[:limit],
            lambda delivery: IdCursor.DELIVERY.of(delivery.id),
            len(found) > limit,
            total,
            after is not None,
        )
        return Connection.of(page, WebhookDelivery.from_row)


@fetches("Webhook")
async def _webhook_node(info: Info, pk: int) -> Webhook | None:
    found = await editing.visible_webhooks(await info.context.actor()).filter(id=pk).first()
    return Webhook.from_row(found) if found else None


@fetches("WebhookDelivery")
async def _delivery_node(info: Info, pk: int) -> WebhookDelivery | None:
    visible = editing.visible_webhooks(await info.context.actor()).values("id")
    found = await rows.WebhookDelivery.filter(id=pk, webhook_id__in=Subquery(visible)).first()
    return WebhookDelivery.from_row(found) if found else None


@strawberry.type
class WebhookPayload:
    webhook: Webhook | None = None
    secret: str | None = strawberry.field(
        default=None, description="Shown once: on create and on rotate."
    )
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class WebhookDeliveryPayload:
    delivery: WebhookDelivery | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)
