"""The server's webhook worker: deliveries made out and sent by a running server within
about a second of the commit, and deliveries left pending by a server that stopped
(or died) made by the next one."""

from __future__ import annotations

import json
import time

from resolvers.clock import now_utc
from resolvers.webhooks.delivery import make_out
from server.settings import Settings
from testkit.clients import GraphQLClient
from testkit.deals import create_deal
from testkit.live import served_app
from testkit.receiver import receiver

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
