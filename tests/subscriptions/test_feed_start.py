"""A workspace's feed that cannot start (the database went away between a subscriber's
token check and the feed's first read) fails that subscriber with SERVICE_UNAVAILABLE;
the next subscriber starts the feed anew instead of waiting for it forever."""

from __future__ import annotations

from typing import Any

import pytest

from subscriptions.feeds import WorkspaceFeed
from testkit.clients import GraphQLClient
from testkit.deals import create_deal
from testkit.live import BOARD_EVENTS, live_client
from testkit.teams import Team


async def test_a_feed_that_failed_to_start_is_started_again_by_the_next_subscriber(
    live_url: str,
    team: Team,
    manager_client: GraphQLClient,
    process_id: str,
    monkeypatch: pytest.MonkeyPatch,
):
    fast_forward = WorkspaceFeed.fast_forward
    failures = [ConnectionRefusedError(111, "Connect call failed")]

    async def first_read_fails(feed: WorkspaceFeed) -> None:
        if failures:
            raise failures.pop()
        await fast_forward(feed)

    monkeypatch.setattr(WorkspaceFeed, "fast_forward", first_read_fails)
    async with live_client(live_url, team.tokens["manager"]) as phone:
        await phone.subscribe("first", BOARD_EVENTS, processId=process_id)
        first = await phone.message("first")
        await phone.subscribe("second", BOARD_EVENTS, processId=process_id)
        await phone.nothing("second", within=0.3)
        await create_deal(manager_client, name="Heard by the second")
        second = await phone.event("second")

    assert codes(first) == ["SERVICE_UNAVAILABLE"]
    assert second["deal"]["name"] == "Heard by the second"


def codes(message: dict[str, Any]) -> list[str]:
    errors = message["payload"] if message["type"] == "error" else message["payload"]["errors"]
    return [error["extensions"]["code"] for error in errors]
