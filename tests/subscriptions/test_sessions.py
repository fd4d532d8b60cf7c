"""Sockets follow their session: logged out, deactivated or re-roled, they are closed."""

from __future__ import annotations

import asyncio
import json
import logging

import pytest
from starlette.applications import Starlette

from server.settings import Settings
from testkit.clients import GraphQLClient
from testkit.deals import create_deal
from testkit.documents import LOGOUT_MUTATION, UPDATE_USER_MUTATION
from testkit.live import BOARD_EVENTS, PROTOCOLS, live_client, served_app, subscribed
from testkit.teams import Member, Team


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
        await subscribed(app, team.workspace.id, 2)
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


@pytest.mark.parametrize("protocol", PROTOCOLS)
@pytest.mark.parametrize("change", ["logout", "deactivate", "password", "role"])
async def test_nothing_after_the_session_ended_reaches_the_socket(
    settings: Settings,
    http,
    team: Team,
    admin_client: GraphQLClient,
    manager_client: GraphQLClient,
    other_seller: Member,
    process_id: str,
    change: str,
    protocol: str,
    caplog: pytest.LogCaptureFixture,
):
    """The change is made through another app than the one serving the sockets (as by
    another process, its bus message never arriving there), and the periodic check
    never runs: only the feed's own check can keep the deal from the ended socket."""
    server = settings.replace(session_check_seconds=3600)
    async with (
        served_app(server) as served,
        live_client(served.url, other_seller.token, protocol) as ended,
        live_client(served.url, team.tokens["manager"], protocol) as bystander,
    ):
        await ended.subscribe("board", BOARD_EVENTS, processId=process_id)
        await bystander.subscribe("board", BOARD_EVENTS, processId=process_id)
        await subscribed(served.app, team.workspace.id, 2)
        if change == "logout":
            await other_seller.client(http).data(LOGOUT_MUTATION)
        else:
            fields = {
                "deactivate": {"active": False},
                "password": {"password": "a brand new password"},
                "role": {"role": "MANAGER"},
            }[change]
            updated = await admin_client.mutate(
                UPDATE_USER_MUTATION, {"input": {"id": other_seller.id, **fields}}
            )
            assert updated["errors"] == []
        await create_deal(manager_client, name="After the session ended")

        seen = await bystander.event("board")
        code, reason = await asyncio.wait_for(ended.closed, 5)
        leaked = [] if ended.results["board"].empty() else [ended.results["board"].get_nowait()]

    assert seen["deal"]["name"] == "After the session ended"
    assert leaked == []
    assert code == 4403 and "Session ended" in reason
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []


@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_a_resume_after_the_session_ended_replays_nothing(
    settings: Settings,
    http,
    team: Team,
    manager_client: GraphQLClient,
    other_seller: Member,
    process_id: str,
    protocol: str,
):
    """Resuming with `after` replays the log itself, outside the feed's check: the
    subscription authenticates anew (and the feed checks the session once more once
    the replay is registered, for a revocation in between)."""
    async with (
        served_app(settings.replace(session_check_seconds=3600)) as served,
        live_client(served.url, other_seller.token, protocol) as ended,
        live_client(served.url, team.tokens["manager"], protocol) as bystander,
    ):
        await ended.subscribe("first", BOARD_EVENTS, processId=process_id)
        await bystander.subscribe("board", BOARD_EVENTS, processId=process_id)
        await subscribed(served.app, team.workspace.id, 2)
        await create_deal(manager_client, name="Before", ownerId=other_seller.id)
        cursor = (await ended.event("first"))["cursor"]
        await bystander.event("board")
        stop = "complete" if protocol == PROTOCOLS[0] else "stop"
        await ended.ws.send(json.dumps({"id": "first", "type": stop}))
        await other_seller.client(http).data(LOGOUT_MUTATION)
        await create_deal(manager_client, name="After the logout", ownerId=other_seller.id)
        await bystander.event("board")  # the feed has read it

        await ended.subscribe("again", BOARD_EVENTS, processId=process_id, after=cursor)
        answer = await ended.message("again")

    payload = answer["payload"]
    errors = payload if isinstance(payload, list) else payload.get("errors") or [payload]
    assert answer["type"] != "next" or payload.get("data") is None, answer
    assert errors[0]["extensions"]["code"] == "UNAUTHENTICATED"
