"""Delivering the event log to webhooks, so that nothing committed is lost.

Two steps, each safe to run in every server process at once:

1. `make_out` turns the committed events after each active webhook's `last_event_id`
   into deliveries (the body fixed then), in one transaction per webhook with the
   webhook's row locked, so that its position and its deliveries move together. Event
   ids increase in commit order within a workspace (`resolvers.events.log`), so
   tailing by id misses nothing. A webhook whose owner is deactivated, or that is
   disabled, stays where it is: re-enabled, it resumes from the first event it had not
   made out.
2. `send_due` makes the attempts that are due, one webhook's deliveries in their order,
   back to back while they get through (a webhook waits while its oldest pending
   delivery waits for a retry). An attempt is
   claimed first with a compare-and-set on its lease (`leased_until`), committed before
   the request is sent: two processes never make the same attempt, and a process that
   dies mid-attempt leaves a lease that expires, after which the attempt is made again
   (at least once).

Each attempt is signed anew: `Dealflow-Signature: t=<unix seconds>,v1=<hex
HMAC-SHA256 of "<t>.<raw body>">` with the webhook's secret.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import math
import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any

import httpx
from tortoise.expressions import Q
from tortoise.queryset import ValuesQuery

from models.account import User
from models.event import Event
from models.webhook import DeliveryStatus, Webhook, WebhookDelivery
from resolvers import tracing
from resolvers.clock import now_utc
from resolvers.events.log import REPLAY_BATCH
from resolvers.opaque import decrypt_secret, seal
from resolvers.statements import Statement
from resolvers.transactions import in_transaction
from resolvers.webhooks.events import body_of, names_of, wanted
from resolvers.webhooks.policy import WebhookPolicy
from resolvers.webhooks.targets import UnsafeTarget, checked_target

LEASE = timedelta(seconds=60)
PENDING_BATCH = 2000
PARALLEL_WEBHOOKS = 20
MAX_RESPONSE_BYTES = 4096
USER_AGENT = "Dealflow-Webhooks/1"


def _active_webhooks() -> ValuesQuery[Any]:
    return Webhook.filter(active=True).values("id")


_ACTIVE_WEBHOOKS = Statement(_active_webhooks)


async def active_webhooks() -> list[int]:
    """The ids of the active webhooks of every workspace. Asked after every commit (the
    worker wakes then), and most often answered with none: its SQL is rendered once."""
    return [int(row["id"]) for row in await _ACTIVE_WEBHOOKS.all()]


async def make_out(now: datetime, webhook_ids: list[int] | None = None) -> int:
    """Deliveries for every active webhook (or those of `webhook_ids`, as
    `active_webhooks` gave them) from its position on; how many were made."""
    made = 0
    for webhook_id in await active_webhooks() if webhook_ids is None else webhook_ids:
        made += await _make_out_one(webhook_id)
    return made


async def _make_out_one(webhook_id: int) -> int:
    async with in_transaction():
        webhook = (
            await Webhook.filter(id=webhook_id, active=True)
            .select_for_update(skip_locked=True)
            .first()
        )
        if webhook is None:
            return 0  # another process has it, or it was disabled meanwhile
        owner = await User.get(id=webhook.owner_id)
        if not owner.active:
            return 0
        events = (
            await Event.filter(workspace_id=webhook.workspace_id, id__gt=webhook.last_event_id)
            .order_by("id")
            .limit(REPLAY_BATCH)
        )
        if not events:
            return 0
        actors = {
            u.id: u
            for u in await User.filter(
                id__in={e.actor_id for e in events if e.actor_id is not None}
            )
        }
        deliveries = []
        for event in events:
            for name in names_of(event):
                if not wanted(webhook, owner, event, name):
                    continue
                webhook.sequence += 1
                actor = actors.get(event.actor_id or 0)
                body = await body_of(event, name, webhook.sequence, actor, owner)
                deliveries.append(
                    WebhookDelivery(
                        webhook_id=webhook.id,
                        event_id=event.id,
                        event_type=name,
                        sequence=webhook.sequence,
                        body=body,
                        next_attempt_at=event.at,
                    )
                )
        await WebhookDelivery.bulk_create(deliveries)
        webhook.last_event_id = events[-1].id
        await webhook.save(update_fields=["last_event_id", "sequence"])
        return len(deliveries)


def sign(secret: str, raw: bytes, at: datetime) -> str:
    stamp = int(at.timestamp())
    digest = hmac.new(secret.encode(), f"{stamp}.".encode() + raw, hashlib.sha256).hexdigest()
    return f"t={stamp},v1={digest}"


@dataclass(frozen=True)
class Outcome:
    """What one attempt got: the status code (None: no answer), and how long the
    receiver asked us to wait (Retry-After), if it did."""

    code: int | None
    error: str | None = None
    retry_after: float | None = None


async def send_due(policy: WebhookPolicy, http: httpx.AsyncClient, now: datetime) -> int:
    """Make the attempts that are due: each webhook's pending deliveries in their order,
    one after another while they get through (a healthy receiver gets a backlog at the
    speed it answers), several webhooks at once. How many attempts were made."""
    pending = (
        await WebhookDelivery.filter(status=DeliveryStatus.PENDING, webhook__active=True)
        .order_by("webhook_id", "sequence")
        .limit(PENDING_BATCH)
    )
    queues: dict[int, list[WebhookDelivery]] = {}
    for delivery in pending:
        queues.setdefault(delivery.webhook_id, []).append(delivery)
    gate = asyncio.Semaphore(PARALLEL_WEBHOOKS)

    async def in_order(queue: list[WebhookDelivery]) -> int:
        made = 0
        async with gate:
            for delivery in queue:
                due = delivery.next_attempt_at is None or delivery.next_attempt_at <= now
                if not due or not await _claim(delivery, now_utc()):
                    break  # waiting for a retry, or another process is at this webhook
                await attempt(policy, http, delivery)
                made += 1
                if delivery.status != DeliveryStatus.DELIVERED:
                    break  # the next ones wait behind it
        return made

    return sum(await asyncio.gather(*(in_order(queue) for queue in queues.values())))


async def _claim(delivery: WebhookDelivery, now: datetime) -> bool:
    """Take the attempt `delivery` (as read) stands for: only while no one holds it, it
    is still pending and due, and still at the attempt read. Another process may have
    made that attempt since this one read the row (and freed the lease after): without
    the attempt number in the compare-and-set, the stale copy would send it again."""
    claimed = await WebhookDelivery.filter(
        Q(leased_until=None) | Q(leased_until__lt=now),
        Q(next_attempt_at=None) | Q(next_attempt_at__lte=now),
        id=delivery.id,
        status=DeliveryStatus.PENDING,
        attempt=delivery.attempt,
    ).update(leased_until=now + LEASE)
    return claimed == 1


async def attempt(
    policy: WebhookPolicy, http: httpx.AsyncClient, delivery: WebhookDelivery
) -> Outcome:
    """One attempt of a claimed delivery, and its outcome written down."""
    webhook = await Webhook.get(id=delivery.webhook_id)
    ids = {
        "dealflow.webhook.id": webhook.id,
        "dealflow.webhook.delivery.id": delivery.id,
        "dealflow.webhook.attempt": delivery.attempt + 1,
    }
    with tracing.span("webhook attempt", ids, kind="CLIENT") as span:
        outcome = await _post(policy, http, webhook, delivery)
        tracing.annotate(span, {"http.response.status_code": outcome.code})
        if outcome.code is None or not 200 <= outcome.code < 300:
            tracing.failed(span, outcome.error or f"answered {outcome.code}")
    await _record(policy, webhook, delivery, outcome, now_utc())
    return outcome


async def _post(
    policy: WebhookPolicy, http: httpx.AsyncClient, webhook: Webhook, delivery: WebhookDelivery
) -> Outcome:
    secret = decrypt_secret(webhook.secret_sealed)
    if secret is None:
        return Outcome(
            None, "The webhook's secret cannot be read (SECRET_KEY changed?): rotate it."
        )
    try:
        target = await checked_target(webhook.url, policy.allow_private)
    except UnsafeTarget as unsafe:
        return Outcome(None, str(unsafe))
    raw = json.dumps(delivery.body, separators=(",", ":")).encode()
    headers = tracing.inject(
        {
            "content-type": "application/json",
            # The answer is read raw, never inflated: a few hundred bytes of gzip can
            # stand for a gigabyte.
            "accept-encoding": "identity",
            "user-agent": USER_AGENT,
            "dealflow-event": delivery.event_type,
            "dealflow-delivery": seal("WebhookDelivery", delivery.id) + f".{delivery.attempt + 1}",
            "dealflow-signature": sign(secret, raw, now_utc()),
            **target.headers,
        }
    )
    # httpx's timeout bounds each read, not the whole answer: a receiver sending a byte
    # every few seconds would hold the attempt (and the worker's round) for as long as
    # it liked, past its lease, when another process would make the attempt again.
    deadline = min(policy.timeout_seconds, LEASE.total_seconds() / 2)
    try:
        async with (
            asyncio.timeout(deadline),
            http.stream(
                "POST",
                target.url,
                content=raw,
                headers=headers,
                timeout=policy.timeout_seconds,
                extensions=target.extensions,
            ) as response,
        ):
            read = 0
            async for chunk in response.aiter_raw():
                read += len(chunk)
                if read >= MAX_RESPONSE_BYTES:
                    break
            wait = _retry_after(response.headers, policy.disable_after_seconds)
            return Outcome(response.status_code, None, wait)
    except TimeoutError:
        return Outcome(None, f"No whole answer within {deadline:g} s.")
    except httpx.HTTPError as error:
        return Outcome(None, f"{type(error).__name__}: {error}"[:500])


def _retry_after(headers: httpx.Headers, longest: float) -> float | None:
    """The wait a receiver asks for (seconds or an HTTP date), at most `longest` (as
    long as a webhook may keep failing before it is disabled: a longer one, or one of
    1e400 seconds, once overflowed the date of the next attempt, which was then made
    again and again); None for none, or for what is not a wait."""
    value = headers.get("retry-after")
    if value is None:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            seconds = (parsedate_to_datetime(value) - now_utc()).total_seconds()
        except (TypeError, ValueError, OverflowError):
            return None
    if not math.isfinite(seconds):
        return None
    return min(max(0.0, seconds), longest)


async def _record(
    policy: WebhookPolicy,
    webhook: Webhook,
    delivery: WebhookDelivery,
    outcome: Outcome,
    now: datetime,
) -> None:
    delivery.attempt += 1
    delivery.response_code = outcome.code
    delivery.last_error = outcome.error
    delivery.leased_until = None
    code = outcome.code
    if code is not None and 200 <= code < 300:
        delivery.status = DeliveryStatus.DELIVERED
        delivery.delivered_at = now
        delivery.next_attempt_at = None
        await delivery.save()
        if webhook.failing_since is not None:
            webhook.failing_since = None
            await webhook.save(update_fields=["failing_since", "updated_at"])
        return
    retry = code is None or code >= 500 or code in (408, 429)
    if code == 410:  # Gone: the receiver says it will never want these again
        webhook.active = False
    if not retry or delivery.attempt >= policy.max_attempts:
        delivery.status = DeliveryStatus.FAILED
        delivery.next_attempt_at = None
    else:
        wait = policy.retry_base_seconds * 2 ** (delivery.attempt - 1)
        wait *= random.uniform(0.8, 1.2)  # jitter: receivers coming back are not stampeded
        if code in (429, 503) and outcome.retry_after is not None:
            wait = max(wait, outcome.retry_after)
        delivery.next_attempt_at = now + timedelta(seconds=wait)
    await delivery.save()
    webhook.failing_since = webhook.failing_since or now
    if (now - webhook.failing_since).total_seconds() >= policy.disable_after_seconds:
        webhook.active = False
    await webhook.save(update_fields=["failing_since", "active", "updated_at"])
