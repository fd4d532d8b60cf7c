"""A connection upgraded to a WebSocket leaves no garbage for the cycle collector: its
HTTP protocol object is freed as soon as the socket takes over (`server.http_protocol`)."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest

from server.http_protocol import UpgradeReleasingHttpTools
from testkit.live import BOARD_EVENTS, live_client, subscribed, uvicorn_serving
from testkit.teams import Team


@pytest.fixture
def upgraded(monkeypatch: pytest.MonkeyPatch) -> list[weakref.ref[UpgradeReleasingHttpTools]]:
    """Weak references to every HTTP protocol object that handed its connection over."""
    made: list[weakref.ref[UpgradeReleasingHttpTools]] = []
    upgrade = UpgradeReleasingHttpTools.handle_websocket_upgrade

    def recorded(self: UpgradeReleasingHttpTools) -> None:
        made.append(weakref.ref(self))
        upgrade(self)

    monkeypatch.setattr(UpgradeReleasingHttpTools, "handle_websocket_upgrade", recorded)
    return made


@pytest.fixture
def no_cycle_collection() -> Iterator[None]:
    """Only reference counting frees anything meanwhile, as under the server's raised
    collector thresholds, where a cycle waits for a full collection."""
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


async def test_an_upgraded_connection_frees_its_http_protocol_at_once(
    app, team: Team, process_id: str, upgraded, no_cycle_collection: None
):
    async with (
        uvicorn_serving(app) as url,
        live_client(url, team.tokens["manager"]) as first,
        live_client(url, team.tokens["user"]) as second,
    ):
        await first.subscribe("board", BOARD_EVENTS, processId=process_id)
        await second.subscribe("board", BOARD_EVENTS, processId=process_id)
        await subscribed(app, team.workspace.id, 2)

        assert len(upgraded) == 2
        assert [ref() for ref in upgraded] == [None, None]
