"""Webhooks delivered to a real receiver (an HTTP server in the test): signed as the
README says, retried with the same id until it gets through, failed or disabled as the
receiver's answers ask, in order, never twice at once, and never about what the
webhook's owner may not see."""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import hashlib
import hmac
import ipaddress
import json
import time
import tracemalloc
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import httpx
import pytest

from models.account import User
from models.event import Event
from models.webhook import DeliveryStatus, Webhook, WebhookDelivery
from resolvers.clock import now_utc
from resolvers.deals.editing import NewDeal
from resolvers.deals.editing import create_deal as create_deal_row
from resolvers.events.log import purge_events
from resolvers.webhooks import delivery, targets
from resolvers.webhooks.delivery import make_out, send_due
from resolvers.webhooks.policy import WebhookPolicy
from schema.ids import global_id
from testkit.clients import GraphQLClient
from testkit.deals import create_deal, steps_by_name
from testkit.documents import (
    COMPLETE_STEP_MUTATION,
    CREATE_LEAD_MUTATION,
    SET_DEAL_PUBLIC_MUTATION,
    UPDATE_LEAD_MUTATION,
)
from testkit.ids import pk
from testkit.receiver import Receiver, receiver
from testkit.teams import Team

CREATE = """
mutation($input: CreateWebhookInput!) {
  createWebhook(input: $input) {
    webhook { id url events active owner { name } }
    secret errors { code message field }
  }
}
"""
FAST = WebhookPolicy(allow_private=True, retry_base_seconds=0.01, max_attempts=3)


@pytest.fixture
async def hook() -> AsyncIterator[Receiver]:
    async with receiver() as listening:
        yield listening


@pytest.fixture
async def sender() -> AsyncIterator[httpx.AsyncClient]:
    """The HTTP client deliveries go out with (the worker's: no redirects followed)."""
    async with httpx.AsyncClient(follow_redirects=False) as client:
        yield client


async def made(client: GraphQLClient, url: str, events: list[str], **more: Any) -> dict[str, Any]:
    payload = await client.mutate(CREATE, {"input": {"url": url, "events": events, **more}})
    assert payload["errors"] == [], payload["errors"]
    return payload


async def deliver(sender: httpx.AsyncClient, policy: WebhookPolicy = FAST, rounds: int = 1) -> None:
    for _ in range(rounds):
        await make_out(now_utc())
        await send_due(policy, sender, now_utc())


def verify(secret: str, headers: dict[str, str], body: bytes) -> bool:
    """The README's verification, as a receiver writes it."""
    parts = dict(item.split("=", 1) for item in headers["dealflow-signature"].split(","))
    expected = hmac.new(secret.encode(), f"{parts['t']}.".encode() + body, hashlib.sha256)
    fresh = abs(time.time() - int(parts["t"])) < 300
    return fresh and hmac.compare_digest(expected.hexdigest(), parts["v1"])


async def test_a_new_deal_reaches_the_receiver_signed(
    hook: Receiver, sender: httpx.AsyncClient, team: Team, manager_client: GraphQLClient
):
    created = await made(manager_client, hook.url, ["deal.created", "deal.won"])
    await create_deal(manager_client, name="ERP order", value="1200.00")

    await deliver(sender, rounds=2)
    (first,) = await hook.wait_for(1)

    body = json.loads(first.body)
    assert verify(created["secret"], first.headers, first.body)
    assert first.headers["dealflow-event"] == "deal.created"
    assert body["type"] == "deal.created" and body["sequence"] == 1
    assert body["data"]["deal"]["name"] == "ERP order"
    assert body["data"]["deal"]["value"] == "1200.00"
    assert body["actor"]["name"] == team.manager.name
    assert body["workspaceId"] and str(team.workspace.id) != body["workspaceId"]
    assert not verify("whsec_another", first.headers, first.body)
    assert created["secret"].startswith("whsec_")
    listed = await manager_client.data("{ webhooks { id events } }")
    assert "secret" not in json.dumps(listed)


async def test_a_failing_receiver_gets_the_same_event_until_it_answers(
    hook: Receiver, sender: httpx.AsyncClient, manager_client: GraphQLClient
):
    hook.answers = [(500, {}), (503, {"retry-after": "0"})]
    await made(manager_client, hook.url, ["deal.created"])
    await create_deal(manager_client, name="Persistent")

    for _ in range(6):
        await deliver(sender)
        await asyncio.sleep(0.05)
    received = await hook.wait_for(3)

    ids = {json.loads(r.body)["id"] for r in received}
    attempts = {r.headers["dealflow-delivery"] for r in received}
    assert len(received) == 3 and len(ids) == 1 and len(attempts) == 3
    (delivery,) = await WebhookDelivery.all()
    assert delivery.status == DeliveryStatus.DELIVERED and delivery.attempt == 3
    assert (await Webhook.get(id=delivery.webhook_id)).failing_since is None


@pytest.mark.parametrize(
    ("code", "status", "active", "attempts"),
    [(400, DeliveryStatus.FAILED, True, 1), (410, DeliveryStatus.FAILED, False, 1)],
)
async def test_a_refusing_receiver_is_not_asked_again(
    hook: Receiver,
    sender: httpx.AsyncClient,
    manager_client: GraphQLClient,
    code: int,
    status: DeliveryStatus,
    active: bool,
    attempts: int,
):
    hook.answers = [(code, {})] * 5
    await made(manager_client, hook.url, ["deal.created"])
    await create_deal(manager_client, name="Refused")

    await deliver(sender, rounds=3)

    (delivery,) = await WebhookDelivery.all()
    assert (delivery.status, delivery.attempt, delivery.response_code) == (status, attempts, code)
    assert (await Webhook.get(id=delivery.webhook_id)).active is active
    assert len(hook.received) == attempts


async def test_retry_after_is_honoured(
    hook: Receiver, sender: httpx.AsyncClient, manager_client: GraphQLClient
):
    hook.answers = [(429, {"retry-after": "120"})]
    await made(manager_client, hook.url, ["deal.created"])
    await create_deal(manager_client, name="Slow down")

    await deliver(sender, rounds=2)

    (delivery,) = await WebhookDelivery.all()
    assert delivery.status == DeliveryStatus.PENDING and delivery.attempt == 1
    assert delivery.next_attempt_at is not None
    assert delivery.next_attempt_at - now_utc() > timedelta(seconds=100)
    assert len(hook.received) == 1


async def test_deliveries_go_in_order_and_wait_behind_a_retry(
    hook: Receiver, sender: httpx.AsyncClient, manager_client: GraphQLClient
):
    hook.answers = [(500, {})]
    await made(manager_client, hook.url, ["deal.created"])
    for name in ("First", "Second", "Third"):
        await create_deal(manager_client, name=name)

    for _ in range(8):
        await deliver(sender)
        await asyncio.sleep(0.03)
    received = await hook.wait_for(4)

    names = [json.loads(r.body)["data"]["deal"]["name"] for r in received]
    assert names == ["First", "First", "Second", "Third"]
    assert [json.loads(r.body)["sequence"] for r in received] == [1, 1, 2, 3]


async def test_two_senders_at_once_never_make_the_same_attempt(
    hook: Receiver, manager_client: GraphQLClient, user_client: GraphQLClient
):
    for client in (manager_client, user_client):
        await made(client, hook.url, ["deal.created"])
    for n in range(5):
        await create_deal(manager_client, name=f"Public {n}", isPublic=True)
    await make_out(now_utc())

    async with httpx.AsyncClient() as one, httpx.AsyncClient() as two:
        for _ in range(6):
            await asyncio.gather(send_due(FAST, one, now_utc()), send_due(FAST, two, now_utc()))

    keys = [(r.headers["dealflow-delivery"], json.loads(r.body)["id"]) for r in hook.received]
    assert len(keys) == 10 and len(set(keys)) == 10
    assert await WebhookDelivery.filter(status=DeliveryStatus.DELIVERED).count() == 10


async def test_a_copy_read_before_another_process_made_the_attempt_cannot_make_it_again(
    hook: Receiver, sender: httpx.AsyncClient, manager_client: GraphQLClient
):
    """The race the two-process test found: a process reads a pending delivery, another
    makes that attempt (a failure, so it stays pending and its lease is freed) and the
    retry falls due; the first process's copy must not send the attempt again."""
    hook.answers = [(500, {})]
    await made(manager_client, hook.url, ["deal.created"])
    await create_deal(manager_client, name="Raced")
    await make_out(now_utc())
    stale = await WebhookDelivery.get()

    await send_due(FAST, sender, now_utc())  # attempt 1 fails: a retry is due shortly
    await WebhookDelivery.filter(id=stale.id).update(next_attempt_at=now_utc())

    assert await delivery._claim(stale, now_utc()) is False
    fresh = await WebhookDelivery.get(id=stale.id)
    assert await delivery._claim(fresh, now_utc()) is True
    assert [r.headers["dealflow-delivery"].rsplit(".", 1)[1] for r in hook.received] == ["1"]


async def test_a_salesperson_s_webhook_hears_only_of_what_they_may_see(
    hook: Receiver,
    sender: httpx.AsyncClient,
    user_client: GraphQLClient,
    colleague_client: GraphQLClient,
):
    await made(user_client, hook.url, ["deal.created", "deal.updated"])
    await create_deal(colleague_client, name="Colleague's private")
    shared = await create_deal(colleague_client, name="Shared", isPublic=True)
    await colleague_client.mutate(
        SET_DEAL_PUBLIC_MUTATION, {"input": {"dealId": shared["id"], "isPublic": False}}
    )
    renamed = await colleague_client.mutate(
        "mutation($id: ID!, $v: Int!) { updateDeal(input: {id: $id, version: $v,"
        ' name: "SECRET acquisition", value: "987654.00"}) { errors { code } } }',
        {"id": shared["id"], "v": shared["version"] + 1},
    )

    await deliver(sender, rounds=4)

    assert renamed["errors"] == []
    told = [(json.loads(r.body)["type"], json.loads(r.body)["data"]["deal"]) for r in hook.received]
    # Made while the worker was behind: the deal is no longer the owner's to see, so
    # the event it saw is told by the deal's id alone, not by what the deal is now.
    assert told == [("deal.created", {"id": shared["id"]})]


async def test_a_lead_given_to_someone_else_is_told_by_its_id_alone(
    hook: Receiver,
    sender: httpx.AsyncClient,
    team: Team,
    user_client: GraphQLClient,
    manager_client: GraphQLClient,
):
    await made(user_client, hook.url, ["lead.created"])
    created = await user_client.mutate(
        CREATE_LEAD_MUTATION, {"input": {"name": "Ewa", "email": "ewa@before.example"}}
    )
    lead = created["lead"]
    await manager_client.mutate(
        UPDATE_LEAD_MUTATION,
        {
            "input": {
                "id": lead["id"],
                "version": lead["version"],
                "ownerId": global_id("User", team.manager.id),
                "email": "private@after.example",
            }
        },
    )

    await deliver(sender)

    (received,) = hook.received
    assert json.loads(received.body)["data"]["lead"] == {"id": lead["id"]}
    assert b"private@after.example" not in received.body


async def test_a_receivers_wait_is_bounded_and_written_down(
    hook: Receiver, sender: httpx.AsyncClient, manager_client: GraphQLClient
):
    """`Retry-After: 1e400` is infinite to `float`, and 1e12 seconds overflowed the
    date of the next attempt: the attempt was never written down, and was made again
    every time its lease ran out."""
    hook.answers = [(429, {"retry-after": wait}) for wait in ("1e400", "1e12", "nonsense")]
    await made(manager_client, hook.url, ["deal.created"])
    await create_deal(manager_client, name="Wait")

    await deliver(sender)
    (first,) = await WebhookDelivery.all()
    for _ in range(2):
        await WebhookDelivery.filter(id=first.id).update(next_attempt_at=now_utc())
        await send_due(FAST, sender, now_utc())
    (attempted,) = await WebhookDelivery.all()

    assert first.attempt == 1 and first.next_attempt_at is not None
    assert first.next_attempt_at - now_utc() < timedelta(seconds=10)  # 1e400: no wait
    assert attempted.attempt == 3 and attempted.status == DeliveryStatus.FAILED
    assert len(hook.received) == 3
    assert delivery._retry_after(httpx.Headers({"retry-after": "1e12"}), 3600.0) == 3600


async def _serve(handler: Any) -> tuple[asyncio.Server, str]:
    """A raw HTTP server of the test's own, for answers no framework would send."""
    server = await asyncio.start_server(handler, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    return server, f"http://127.0.0.1:{port}/hook"


async def test_an_answer_sent_a_byte_at_a_time_is_cut_off_at_the_deadline(
    sender: httpx.AsyncClient, manager_client: GraphQLClient
):
    async def drip(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read(65536)
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n")
        with contextlib.suppress(ConnectionError):
            for _ in range(100):
                writer.write(b"x")
                await writer.drain()
                await asyncio.sleep(0.1)
        writer.close()

    server, url = await _serve(drip)
    policy = WebhookPolicy(allow_private=True, retry_base_seconds=0.01, timeout_seconds=0.5)
    async with server:
        await made(manager_client, url, ["deal.created"])
        await create_deal(manager_client, name="Drip")
        await make_out(now_utc())
        await send_due(policy, sender, now_utc())

    (attempted,) = await WebhookDelivery.all()
    assert attempted.attempt == 1 and attempted.status == DeliveryStatus.PENDING
    # Cut off at the deadline: had the 10 s of dripping been waited for, the answer
    # would have ended short of its length (a protocol error), not timed out.
    assert attempted.last_error == "No whole answer within 0.5 s."


async def test_a_compressed_answer_is_read_raw_and_never_inflated(
    sender: httpx.AsyncClient, manager_client: GraphQLClient
):
    """A few hundred bytes of gzip stand for a gigabyte: the request asks for none, and
    whatever comes is read as it came, its first 4 KB at most."""
    bomb = gzip.compress(b"\0" * (64 * 1024 * 1024), 9)
    asked: list[bytes] = []

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        asked.append(await reader.read(65536))
        head = f"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: {len(bomb)}\r\n\r\n"
        writer.write(head.encode() + bomb)
        with contextlib.suppress(ConnectionError):
            await writer.drain()
        writer.close()

    server, url = await _serve(answer)
    async with server:
        await made(manager_client, url, ["deal.created"])
        await create_deal(manager_client, name="Bomb")
        await make_out(now_utc())
        tracemalloc.start()
        try:
            await send_due(FAST, sender, now_utc())
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()

    (attempted,) = await WebhookDelivery.all()
    assert attempted.status == DeliveryStatus.DELIVERED
    assert b"accept-encoding: identity" in asked[0].lower()
    assert peak < 16 * 1024 * 1024, f"{peak / 1e6:.0f} MB at the peak"


async def test_step_filter_and_stage_changes(
    hook: Receiver, sender: httpx.AsyncClient, manager_client: GraphQLClient
):
    steps = await steps_by_name(manager_client)
    await made(
        manager_client,
        hook.url,
        ["deal.step_completed", "deal.stage_changed"],
        stepIds=[steps["Discovery meeting"]],
    )
    deal = await create_deal(manager_client, name="Stepping")
    for step in ("Confirm budget", "Discovery meeting"):
        await manager_client.mutate(
            COMPLETE_STEP_MUTATION, {"input": {"dealId": deal["id"], "stepId": steps[step]}}
        )

    await deliver(sender, rounds=4)

    bodies = [json.loads(r.body) for r in hook.received]
    assert [b["type"] for b in bodies] == ["deal.step_completed", "deal.stage_changed"]
    assert bodies[0]["data"]["step"]["name"] == "Discovery meeting"
    assert bodies[1]["previous"]["stage"] == "Qualify"
    assert bodies[1]["data"]["deal"]["stage"]["name"] == "Needs analysis"


async def test_a_deactivated_owner_s_webhook_pauses_and_resumes(
    hook: Receiver, sender: httpx.AsyncClient, team: Team, user_client: GraphQLClient
):
    await made(user_client, hook.url, ["deal.created"])
    await User.filter(id=team.user.id).update(active=False)
    await create_deal_row(team.manager, NewDeal(name="While away", is_public=True))
    await deliver(sender, rounds=2)
    paused = len(hook.received)
    await User.filter(id=team.user.id).update(active=True)
    await deliver(sender, rounds=2)

    assert paused == 0
    (body,) = [json.loads(r.body) for r in await hook.wait_for(1)]
    assert body["data"]["deal"]["name"] == "While away"


async def test_bad_webhooks_are_refused_and_each_user_has_a_limit(
    app_with: Any, team: Team, manager_client: GraphQLClient, process_id: str
):
    async with await app_with(webhook_allow_private_urls=False, webhook_max_per_user=1) as strict:
        client = GraphQLClient(strict, team.tokens["manager"])
        private = await client.mutate(
            CREATE, {"input": {"url": "https://10.0.0.1/hook", "events": ["deal.won"]}}
        )
        plain = await client.mutate(
            CREATE, {"input": {"url": "http://93.184.216.34/hook", "events": ["deal.won"]}}
        )
        unknown = await client.mutate(
            CREATE, {"input": {"url": "https://93.184.216.34/hook", "events": ["deal.eaten"]}}
        )
        other = await client.mutate(
            CREATE,
            {
                "input": {
                    "url": "https://93.184.216.34/hook",
                    "events": ["deal.won"],
                    "processId": global_id("Process", 999_999),
                }
            },
        )
        first = await client.mutate(
            CREATE, {"input": {"url": "https://93.184.216.34/hook", "events": ["deal.won"]}}
        )
        second = await client.mutate(
            CREATE, {"input": {"url": "https://93.184.216.34/hook", "events": ["deal.won"]}}
        )

    assert [e["field"] for e in private["errors"]] == [["input", "url"]]
    assert [e["field"] for e in plain["errors"]] == [["input", "url"]]
    assert [e["field"] for e in unknown["errors"]] == [["input", "events", "0"]]
    assert [e["code"] for e in other["errors"]] == ["NOT_FOUND"]
    assert first["errors"] == [] and [e["code"] for e in second["errors"]] == ["VALIDATION"]
    assert pk(first["webhook"]["id"])


async def test_events_an_active_webhook_has_not_taken_outlive_the_retention(
    hook: Receiver, sender: httpx.AsyncClient, team: Team, manager_client: GraphQLClient
):
    """The worker stopped for longer than EVENT_RETENTION_DAYS: the purge keeps what
    the webhook still needs, and only that; a disabled webhook holds nothing."""
    await made(manager_client, hook.url, ["deal.created"])
    idle = await made(manager_client, hook.url, ["deal.created"])
    switch_off = (
        "mutation($in: UpdateWebhookInput!) { updateWebhook(input: $in) { errors { code } }}"
    )
    await manager_client.mutate(switch_off, {"in": {"id": idle["webhook"]["id"], "active": False}})
    await create_deal(manager_client, name="Made while the worker was down")
    later = now_utc() + timedelta(days=30)
    assert await purge_events(timedelta(days=7), later) == 0

    await deliver(sender)
    (got,) = await hook.wait_for(1)
    assert json.loads(got.body)["data"]["deal"]["name"] == "Made while the worker was down"
    assert await purge_events(timedelta(days=7), later) == 1
    assert await Event.filter(workspace_id=team.workspace.id).count() == 0


async def test_an_attempt_connects_to_the_address_checked_not_to_a_second_dns_answer(
    hook: Receiver,
    sender: httpx.AsyncClient,
    manager_client: GraphQLClient,
    monkeypatch: pytest.MonkeyPatch,
):
    """The name resolves (for the check) to the receiver's loopback address and to
    nothing at all for anyone else: only an attempt pinned to the checked address
    reaches the receiver, with the name in its Host header."""
    port = httpx.URL(hook.url).port
    url = f"http://hooks.dealflow.invalid:{port}/hook"

    async def answer(host: str) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
        assert host == "hooks.dealflow.invalid"
        return [ipaddress.ip_address("127.0.0.1")]

    monkeypatch.setattr(targets, "resolve", answer)
    await made(manager_client, url, ["deal.created"])
    await create_deal(manager_client, name="Pinned")

    await deliver(sender)
    (got,) = await hook.wait_for(1)
    assert got.headers["host"] == f"hooks.dealflow.invalid:{port}"
    assert json.loads(got.body)["data"]["deal"]["name"] == "Pinned"


async def test_https_targets_keep_their_name_for_tls():
    target = await targets.checked_target("https://localhost:8443/hook?a=1", allow_private=True)
    assert target.url in ("https://127.0.0.1:8443/hook?a=1", "https://[::1]:8443/hook?a=1")
    assert target.headers == {"host": "localhost:8443", "connection": "close"}
    assert target.extensions == {"sni_hostname": "localhost"}
    literal = await targets.checked_target("https://93.184.216.34/hook", allow_private=False)
    assert (literal.url, literal.headers, literal.extensions) == (
        "https://93.184.216.34/hook",
        {},
        {},
    )


async def test_the_body_names_the_deal_by_its_external_id_too(
    hook: Receiver, sender: httpx.AsyncClient, team: Team, manager_client: GraphQLClient
):
    """The ERP that imported a deal finds it again by its own key."""
    await made(manager_client, hook.url, ["deal.created"])
    await create_deal_row(team.manager, NewDeal(name="From the ERP", external_id="erp-7"))
    await create_deal(manager_client, name="Made here")

    await deliver(sender)
    received = await hook.wait_for(2)
    keys = {json.loads(r.body)["data"]["deal"]["externalId"] for r in received}
    assert keys == {"erp-7", None}


async def test_an_international_name_is_resolved_verified_and_sent_as_http_sends_it(
    monkeypatch: pytest.MonkeyPatch,
):
    asked: list[str] = []

    async def answer(host: str) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
        asked.append(host)
        return [ipaddress.ip_address("93.184.216.34")]

    monkeypatch.setattr(targets, "resolve", answer)
    target = await targets.checked_target("https://straße.de/hook", allow_private=False)

    assert asked == ["xn--strae-oqa.de"]
    assert target.url == "https://93.184.216.34/hook"
    assert target.headers["host"] == "xn--strae-oqa.de"
    assert target.extensions == {"sni_hostname": "xn--strae-oqa.de"}
