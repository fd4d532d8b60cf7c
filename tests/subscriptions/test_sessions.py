"""Sockets follow their session: logged out, deactivated or re-roled, they are closed."""

from __future__ import annotations

import asyncio
import json
import logging

import pytest
from starlette.applications import Starlette

from server.settings import Settings
from subscriptions.sessions import Sessions
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


class CountedSocket:
    """A socket that counts how often the check looks at it."""

    def __init__(self) -> None:
        self.looked = 0
        self.closed: tuple[int, str] | None = None

    def is_open(self) -> bool:
        self.looked += 1
        return self.closed is None

    async def close(self, code: int, reason: str) -> None:
        self.closed = (code, reason)


async def test_a_check_looks_at_the_sockets_of_ended_sessions_only(
    team: Team, http, other_seller: Member
):
    """A thousand sockets of two sessions are two steps to check; when one session ends,
    its sockets, and only those, are looked at and closed."""
    sessions = Sessions(check_seconds=60)
    watching = [CountedSocket() for _ in range(600)]
    leaving = [CountedSocket() for _ in range(400)]
    for socket in watching:
        sessions.opened(socket, team.tokens["manager"], team.manager)
    for socket in leaving:
        sessions.opened(socket, other_seller.token, other_seller.user)

    assert await sessions.check_once() == 0
    looked_while_live = sum(s.looked for s in watching + leaving)
    await other_seller.client(http).data(LOGOUT_MUTATION)
    closed = await sessions.check_once()

    assert looked_while_live == 0
    assert closed == 400
    assert all(s.closed and s.closed[0] == 4403 for s in leaving)
    assert all(s.looked == 0 and s.closed is None for s in watching)
    assert await sessions.check_once() == 0, "an ended session's sockets are not kept"


async def test_a_socket_authenticated_again_is_kept_by_its_new_session_only(
    team: Team, http, other_seller: Member
):
    """A second `connection_init` (the legacy protocol lets one through) moves the
    socket to its new session: the old one ending closes nothing, the new one ending
    closes it."""
    sessions = Sessions(check_seconds=60)
    socket = CountedSocket()
    sessions.opened(socket, other_seller.token, other_seller.user)
    sessions.opened(socket, team.tokens["manager"], team.manager)

    await other_seller.client(http).data(LOGOUT_MUTATION)
    assert await sessions.check_once() == 0
    assert socket.closed is None

    await team.client(http, "manager").data(LOGOUT_MUTATION)
    assert await sessions.check_once() == 1
    assert socket.closed is not None and socket.closed[0] == 4403
