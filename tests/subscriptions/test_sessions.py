"""Sockets follow their session: logged out, deactivated or re-roled, they are closed."""

from __future__ import annotations

import asyncio

import pytest
from starlette.applications import Starlette

from tests.conftest import GraphQLClient, Team
from tests.documents import LOGOUT_MUTATION, UPDATE_USER_MUTATION
from tests.live import BOARD_EVENTS, PROTOCOLS, live_client
from tests.subscriptions.conftest import Member


@pytest.mark.parametrize("protocol", PROTOCOLS)
@pytest.mark.parametrize("change", ["logout", "deactivate", "demote"])
async def test_the_socket_closes_when_its_session_ends(
    live_url,
    app: Starlette,
    http,
    team: Team,
    admin_client: GraphQLClient,
    other_seller: Member,
    process_id: str,
    change: str,
    protocol: str,
):
    async with (
        live_client(live_url, other_seller.token, protocol) as ended,
        live_client(live_url, team.tokens["manager"], protocol) as bystander,
    ):
        await ended.subscribe("board", BOARD_EVENTS, processId=process_id)
        await bystander.subscribe("board", BOARD_EVENTS, processId=process_id)
        await asyncio.sleep(0.2)
        if change == "logout":
            await other_seller.client(http).data(LOGOUT_MUTATION)
        else:
            fields = {"active": False} if change == "deactivate" else {"role": "MANAGER"}
            updated = await admin_client.mutate(
                UPDATE_USER_MUTATION, {"input": {"id": other_seller.id, **fields}}
            )
            assert updated["errors"] == []

        closed = await app.state.live.sessions.check_once()
        code, reason = await asyncio.wait_for(ended.closed, 5)
        await bystander.nothing("board", within=0.2)
        bystander_open = not bystander.closed.done()

    assert closed == 1
    assert code == 4403 and "Session ended" in reason
    assert bystander_open
