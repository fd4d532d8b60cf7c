"""Making, changing and listing webhooks. Any user keeps their own (at most a setting's
number); administrators see every webhook of the workspace. A webhook starts with the
events committed after it was made; its secret is shown once, on create and rotate."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from tortoise.queryset import QuerySet

from models.account import User
from models.process import Process, Step
from models.webhook import DeliveryStatus, Webhook, WebhookDelivery
from resolvers import access
from resolvers.clock import now_utc
from resolvers.errors import ErrorCode, Problems, Refused, not_found
from resolvers.events.log import latest_event_id
from resolvers.opaque import encrypt_secret
from resolvers.transactions import in_transaction
from resolvers.validation import KEEP, Keep
from resolvers.webhooks.events import EVENT_NAMES
from resolvers.webhooks.policy import WebhookPolicy
from resolvers.webhooks.targets import UnsafeTarget, check_target

MAX_STEP_IDS = 100


@dataclass(frozen=True)
class WebhookSpec:
    url: str
    events: list[str]
    process_id: int | None = None
    step_ids: list[int] | None = None


@dataclass(frozen=True)
class WebhookChanges:
    url: str | Keep = KEEP
    events: list[str] | Keep = KEEP
    process_id: int | Keep | None = KEEP
    step_ids: list[int] | Keep | None = KEEP
    active: bool | Keep = KEEP


def new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


async def _checked(actor: User, policy: WebhookPolicy, spec: WebhookSpec) -> WebhookSpec:
    problems = Problems()
    url = spec.url.strip()
    try:
        await check_target(url, policy.allow_private)
    except UnsafeTarget as unsafe:
        problems.invalid(str(unsafe), ["input", "url"])
    events = list(dict.fromkeys(spec.events))
    if not events:
        problems.invalid("Name at least one event.", ["input", "events"])
    for index, name in enumerate(events[: len(EVENT_NAMES) + 1]):
        if name not in EVENT_NAMES:
            problems.invalid(
                f"Unknown event: one of {', '.join(EVENT_NAMES)}.", ["input", "events", str(index)]
            )
    step_ids = list(dict.fromkeys(spec.step_ids or []))
    if len(step_ids) > MAX_STEP_IDS:
        problems.invalid(f"At most {MAX_STEP_IDS} steps.", ["input", "stepIds"])
    problems.raise_if_any()
    if spec.process_id is not None:
        found = await Process.filter(
            id=spec.process_id, workspace_id=actor.workspace_id, deleted_at=None
        ).exists()
        if not found:
            raise not_found("Process", ("input", "processId"))
    if step_ids:
        steps = Step.filter(id__in=step_ids, stage__process__workspace_id=actor.workspace_id)
        if spec.process_id is not None:
            steps = steps.filter(stage__process_id=spec.process_id)
        known = {int(i) for i in await steps.values_list("id", flat=True)}  # type: ignore[call-overload]
        for index, step_id in enumerate(step_ids):
            if step_id not in known:
                problems.add(
                    ErrorCode.NOT_FOUND, "Step not found.", ["input", "stepIds", str(index)]
                )
        problems.raise_if_any()
    return WebhookSpec(url, events, spec.process_id, step_ids)


async def create_webhook(
    actor: User, policy: WebhookPolicy, spec: WebhookSpec
) -> tuple[Webhook, str]:
    checked = await _checked(actor, policy, spec)
    secret = new_secret()
    async with in_transaction():
        mine = Webhook.filter(owner_id=actor.id).select_for_update()
        if len(await mine) >= policy.max_per_user:
            raise Refused.one(
                ErrorCode.VALIDATION,
                f"You have {policy.max_per_user} webhooks, the most a user may have.",
                ("input", "url"),
            )
        webhook = await Webhook.create(
            workspace_id=actor.workspace_id,
            owner_id=actor.id,
            url=checked.url,
            events=checked.events,
            process_id=checked.process_id,
            step_ids=checked.step_ids or [],
            secret_sealed=encrypt_secret(secret),
            last_event_id=await latest_event_id(actor.workspace_id),
        )
    return webhook, secret


async def _own(actor: User, webhook_id: int, field: str = "id") -> Webhook:
    """A webhook the actor may change: their own (one of someone else's reads as
    unknown, whoever sees it in the list)."""
    webhook = await Webhook.get_or_none(
        id=webhook_id, workspace_id=actor.workspace_id, owner_id=actor.id
    )
    if webhook is None:
        raise not_found("Webhook", ("input", field))
    return webhook


async def update_webhook(
    actor: User, policy: WebhookPolicy, webhook_id: int, changes: WebhookChanges
) -> Webhook:
    webhook = await _own(actor, webhook_id)
    spec = WebhookSpec(
        url=webhook.url if isinstance(changes.url, Keep) else changes.url,
        events=webhook.events if isinstance(changes.events, Keep) else changes.events,
        process_id=webhook.process_id
        if isinstance(changes.process_id, Keep)
        else changes.process_id,
        step_ids=webhook.step_ids if isinstance(changes.step_ids, Keep) else changes.step_ids,
    )
    checked = await _checked(actor, policy, spec)
    webhook.update_from_dict(
        {
            "url": checked.url,
            "events": checked.events,
            "process_id": checked.process_id,
            "step_ids": checked.step_ids or [],
        }
    )
    if not isinstance(changes.active, Keep) and changes.active != webhook.active:
        webhook.active = changes.active
        if changes.active:
            webhook.failing_since = None  # resumes from the first undelivered event
    await webhook.save()
    return webhook


async def delete_webhook(actor: User, webhook_id: int) -> Webhook:
    webhook = await _own(actor, webhook_id)
    await webhook.delete()
    return webhook


async def rotate_secret(actor: User, webhook_id: int) -> tuple[Webhook, str]:
    """A new secret, used from the next attempt on; the old one stops signing at once."""
    webhook = await _own(actor, webhook_id)
    secret = new_secret()
    webhook.secret_sealed = encrypt_secret(secret)
    await webhook.save(update_fields=["secret_sealed", "updated_at"])
    return webhook, secret


def visible_webhooks(actor: User) -> QuerySet[Webhook]:
    """Your own webhooks; an administrator's: every webhook of the workspace."""
    webhooks = Webhook.filter(workspace_id=actor.workspace_id)
    return webhooks if access.is_admin(actor) else webhooks.filter(owner_id=actor.id)


async def list_webhooks(actor: User) -> list[Webhook]:
    return await visible_webhooks(actor).order_by("id")


async def redeliver(actor: User, delivery_id: int) -> WebhookDelivery:
    """Send a delivery again (the same event, id and body), as the next in its
    webhook's order once due: now."""
    delivery = await WebhookDelivery.get_or_none(
        id=delivery_id, webhook__workspace_id=actor.workspace_id
    )
    if (
        delivery is None
        or not await visible_webhooks(actor).filter(id=delivery.webhook_id).exists()
    ):
        raise not_found("WebhookDelivery", ("input", "id"))
    delivery.status = DeliveryStatus.PENDING
    delivery.next_attempt_at = now_utc()
    delivery.leased_until = None
    await delivery.save(update_fields=["status", "next_attempt_at", "leased_until"])
    return delivery
