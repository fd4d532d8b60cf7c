"""The server's webhook worker: deliveries made out and sent by a running server within
about a second of the commit, deliveries left pending by a server that stopped (or
died) made by the next one, and two server processes sharing the work."""

from __future__ import annotations

import asyncio
import json
import os
import time
from collections import Counter

import pytest

from resolvers.clock import now_utc
from resolvers.webhooks.delivery import make_out
from server import webhook_worker
from server.settings import Settings
from server.webhook_worker import WebhookWorker
from testkit.clients import GraphQLClient
from testkit.database import is_postgres
from testkit.deals import create_deal
from testkit.live import served_app
from testkit.queries import logged_queries
from testkit.receiver import receiver
from testkit.servers import dealflow_server, env_of

CREATE = """
mutation($url: String!) {
  createWebhook(input: {url: $url, events: ["deal.created"]}) { errors { code message } }
}
"""


async def test_a_running_server_delivers_within_a_second_or_two(
    settings: Settings, manager_client: GraphQLClient
):
    async with (
        receiver() as hook,
        served_app(settings.replace(webhook_worker=True, webhook_poll_seconds=0.1)),
    ):
        made = await manager_client.mutate(CREATE, {"url": hook.url})
        committed = time.monotonic()
        await create_deal(manager_client, name="Told quickly")
        (received,) = await hook.wait_for(1, within=3)
        delay = time.monotonic() - committed

    assert made["errors"] == []
    assert json.loads(received.body)["data"]["deal"]["name"] == "Told quickly"
    assert delay < 3


async def test_deliveries_pending_when_a_server_stops_are_made_by_the_next(
    settings: Settings, manager_client: GraphQLClient
):
    async with receiver() as hook:
        await manager_client.mutate(CREATE, {"url": hook.url})
        await create_deal(manager_client, name="Made out before the crash")
        assert await make_out(now_utc()) == 1  # the server died before sending it
        assert hook.received == []

        async with served_app(settings.replace(webhook_worker=True, webhook_poll_seconds=0.1)):
            (received,) = await hook.wait_for(1, within=3)

    assert json.loads(received.body)["data"]["deal"]["name"] == "Made out before the crash"


@pytest.mark.skipif(
    not (
        is_postgres(os.environ.get("DATABASE_URL", ""))
        and os.environ.get("BROADCAST_URL", "").startswith("redis://")
    ),
    reason="several processes share PostgreSQL and Redis (SQLite has one writer process)",
)
async def test_two_server_processes_share_the_deliveries_and_never_make_one_attempt_twice(
    settings: Settings, manager_client: GraphQLClient
):
    """Two `dealflow serve` processes, each with its worker, on the same database (and
    bus): every delivery arrives, each attempt exactly once, retries included."""
    webhooks, deals, failures = 3, 20, 10
    env = env_of(
        settings,
        WEBHOOK_WORKER="true",
        WEBHOOK_POLL_SECONDS="0.05",
        WEBHOOK_RETRY_BASE_SECONDS="0.2",
    )
    async with receiver() as hook:
        hook.answers = [(500, {})] * failures
        for _ in range(webhooks):
            assert (await manager_client.mutate(CREATE, {"url": hook.url}))["errors"] == []
        async with dealflow_server(**env), dealflow_server(**env):
            for index in range(deals):
                await create_deal(manager_client, name=f"Deal {index}")
            await hook.wait_for(webhooks * deals + failures, within=60)
            await asyncio.sleep(1)  # and nothing more comes

    attempts = [r.headers["dealflow-delivery"] for r in hook.received]
    assert len(attempts) == len(set(attempts)) == webhooks * deals + failures
    deliveries = {attempt.rsplit(".", 1)[0] for attempt in attempts}
    assert len(deliveries) == webhooks * deals
    names = Counter(json.loads(r.body)["data"]["deal"]["name"] for r in hook.received)
    assert set(names) == {f"Deal {index}" for index in range(deals)}


async def test_a_round_with_no_active_webhook_reads_one_statement_and_sends_nothing(
    settings: Settings, manager_client: GraphQLClient
):
    """The worker wakes after every commit of every workspace: with no active webhook
    anywhere, its round is the one question whether there is any."""
    await create_deal(manager_client, name="Nobody listens")
    async with WebhookWorker(settings.webhook_policy(), 60) as worker:
        with logged_queries() as quiet:
            await worker.run_once()
        async with receiver() as hook:
            await manager_client.mutate(CREATE, {"url": hook.url})
            await create_deal(manager_client, name="Somebody listens")
            await worker.run_once()
            (received,) = await hook.wait_for(1, within=3)

    assert quiet.count == 1
    assert json.loads(received.body)["data"]["deal"]["name"] == "Somebody listens"


async def test_a_burst_of_commits_makes_one_round(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
):
    """Woken again and again within its settling time (a burst of mutations), the worker
    makes one round after the burst, not one per commit ahead of the live feeds. (The
    settling time is made long here, so that the burst fits in it on a loaded machine.)"""
    settle = 0.5
    monkeypatch.setattr(webhook_worker, "SETTLE_SECONDS", settle)
    rounds: list[float] = []
    async with WebhookWorker(settings.webhook_policy(), 60) as worker:

        async def counted() -> None:
            rounds.append(time.monotonic())

        worker.run_once = counted  # type: ignore[method-assign]
        await asyncio.sleep(0.01)
        assert len(rounds) == 1  # the round it starts with
        rounds.clear()
        woken = time.monotonic()
        for _ in range(5):
            worker.wake()
            await asyncio.sleep(0.005)
        await asyncio.sleep(settle * 2)

    assert len(rounds) == 1
    assert rounds[0] - woken >= settle
