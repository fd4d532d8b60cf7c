"""Wall screens' display tokens over HTTP and WebSocket: administrators make, list and
revoke them; a token reads its one board as a manager sees it and subscribes to it,
and nothing else (no other board, no other field, no mutation, no file)."""

from __future__ import annotations

import asyncio
import gc
from datetime import timedelta
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from models.account import DisplayToken, Role, User
from resolvers import access
from resolvers.accounts import auth
from schema.ids import decode_id, global_id
from testkit.clients import GraphQLClient
from testkit.clock import FrozenClock
from testkit.deals import create_deal
from testkit.documents import BOARD_QUERY, CREATE_DEAL_MUTATION, PROCESSES_QUERY
from testkit.live import BOARD_EVENTS, PROTOCOLS, live_client, subscribed
from testkit.teams import Team

CREATE = """
mutation($input: DisplayTokenInput!) {
  createDisplayToken(input: $input) {
    token displayToken { id label process { id } createdBy { name } revokedAt }
    errors { code message field }
  }
}
"""
REVOKE = """
mutation($id: ID!) {
  revokeDisplayToken(input: {id: $id}) { displayToken { id revokedAt } errors { code } }
}
"""
LIST = "{ displayTokens { id label revokedAt process { name } } }"
LIST_EXPIRY = "{ displayTokens { expiresAt revokedAt } }"


async def made(admin: GraphQLClient, process_id: str, label: str = "Sales floor") -> Any:
    payload = await admin.mutate(CREATE, {"input": {"processId": process_id, "label": label}})
    assert payload["errors"] == [], payload["errors"]
    return payload


@pytest.fixture
async def other_process(admin_client: GraphQLClient) -> str:
    processes = (await admin_client.data(PROCESSES_QUERY))["processes"]
    made_ = await admin_client.mutate(
        "mutation($input: ProcessInput!) { createProcess(input: $input) { process { id } } }",
        {"input": {"name": "Service", "stages": [{"name": "Open", "steps": []}]}},
    )
    assert len(processes) >= 1
    return str(made_["process"]["id"])


async def test_administrators_make_list_and_revoke_display_tokens(
    team: Team,
    admin_client: GraphQLClient,
    manager_client: GraphQLClient,
    process_id: str,
):
    payload = await made(admin_client, process_id)
    by_manager = await manager_client.mutate(CREATE, {"input": {"processId": process_id}})
    unknown = await admin_client.mutate(
        CREATE, {"input": {"processId": global_id("Process", 999_999)}}
    )
    listed = (await admin_client.data(LIST))["displayTokens"]
    listed_by_manager = await manager_client.post(LIST)
    revoked = await admin_client.mutate(REVOKE, {"id": payload["displayToken"]["id"]})

    token = payload["token"]
    assert token.startswith("dfd_") and len(token) > 40
    assert payload["displayToken"]["process"]["id"] == process_id
    assert payload["displayToken"]["createdBy"] == {"name": team.admin.name}
    assert [e["code"] for e in by_manager["errors"]] == ["FORBIDDEN"]
    assert [e["code"] for e in unknown["errors"]] == ["NOT_FOUND"]
    assert [(t["label"], t["revokedAt"]) for t in listed] == [("Sales floor", None)]
    assert listed_by_manager["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert revoked["displayToken"]["revokedAt"] is not None
    stored = await DisplayToken.get(workspace_id=team.workspace.id)
    assert stored.token_hash != token and token not in stored.token_hash


async def test_a_display_token_reads_its_board_as_a_manager_and_nothing_else(
    http: httpx.AsyncClient,
    admin_client: GraphQLClient,
    user_client: GraphQLClient,
    process_id: str,
    other_process: str,
):
    await create_deal(user_client, name="Private to the seller", value="100.00")
    wall = GraphQLClient(http, (await made(admin_client, process_id))["token"])

    board = await wall.data(BOARD_QUERY, {"processId": process_id, "first": 20})
    other_board = await wall.post(BOARD_QUERY, {"processId": other_process})
    history = await wall.post(
        "query($p: ID!) { board(processId: $p) { columns { deals { edges { node {"
        " history { totalCount } } } } } } }",
        {"p": process_id},
    )
    me = await wall.post("{ me { id } }")
    mutation = await wall.post(CREATE_DEAL_MUTATION, {"input": {"name": "From the wall"}})
    deals = await wall.post("{ deals { totalCount } }")

    names = {e["node"]["name"] for c in board["board"]["columns"] for e in c["deals"]["edges"]}
    assert names == {"Private to the seller"}, "a manager's view: private deals too"
    assert other_board["data"] is None
    assert other_board["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    for refused, where in (
        (history, "Deal.history"),
        (me, "Query.me"),
        (mutation, "Mutation.createDeal"),
        (deals, "Query.deals"),
    ):
        assert refused.get("data") is None, "refused before anything ran"
        assert [e["extensions"]["code"] for e in refused["errors"]] == ["FORBIDDEN"], refused
        assert where in refused["errors"][0]["message"]


async def test_a_revoked_display_token_opens_nothing(
    http: httpx.AsyncClient, admin_client: GraphQLClient, process_id: str
):
    payload = await made(admin_client, process_id)
    await admin_client.mutate(REVOKE, {"id": payload["displayToken"]["id"]})

    answer = await GraphQLClient(http, payload["token"]).post(
        BOARD_QUERY, {"processId": process_id}
    )
    file = await http.get(
        "/files/" + "0" * 64, headers={"authorization": f"Bearer {payload['token']}"}
    )

    assert answer["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert file.status_code == 401


async def test_a_live_display_token_reads_no_file(
    http: httpx.AsyncClient, admin_client: GraphQLClient, process_id: str
):
    token = (await made(admin_client, process_id))["token"]

    file = await http.get("/files/" + "0" * 64, headers={"authorization": f"Bearer {token}"})

    assert file.status_code == 401


@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_a_wall_screen_follows_its_board_live_and_closes_when_revoked(
    app: Starlette,
    live_url: str,
    team: Team,
    admin_client: GraphQLClient,
    user_client: GraphQLClient,
    process_id: str,
    other_process: str,
    protocol: str,
):
    payload = await made(admin_client, process_id)

    async with live_client(live_url, payload["token"], protocol) as wall:
        await wall.subscribe("board", BOARD_EVENTS, processId=process_id)
        await wall.subscribe("other", BOARD_EVENTS, processId=other_process)
        await subscribed(app, team.workspace.id, 1)
        await create_deal(user_client, name="Seen on the wall")
        event = await wall.event("board")
        refused = await wall.message("other")
        await admin_client.mutate(REVOKE, {"id": payload["displayToken"]["id"]})
        closed = await app.state.live.sessions.check_once()
        code, reason = await asyncio.wait_for(wall.closed, 5)

    assert event["kind"] == "DEAL_ADDED" and event["deal"]["name"] == "Seen on the wall"
    assert refused["type"] in ("error", "next", "data")
    assert "NOT_FOUND" in str(refused["payload"])
    assert closed == 1
    assert code == 4403 and "Session ended" in reason


async def test_a_display_token_made_to_expire_opens_its_board_until_then_and_nothing_after(
    http: httpx.AsyncClient,
    admin_client: GraphQLClient,
    process_id: str,
    frozen_clock: FrozenClock,
):
    payload = await admin_client.mutate(
        CREATE, {"input": {"processId": process_id, "expiresAt": "2026-03-10T13:00:00Z"}}
    )
    wall = GraphQLClient(http, payload["token"])

    before = await wall.post(BOARD_QUERY, {"processId": process_id})
    frozen_clock.now += timedelta(hours=1)
    after = await wall.post(BOARD_QUERY, {"processId": process_id})
    listed = (await admin_client.data(LIST_EXPIRY))["displayTokens"]

    assert payload["errors"] == [] and payload["displayToken"]["revokedAt"] is None
    assert before["data"]["board"]["columns"], before
    assert after["data"] is None
    assert after["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert listed == [{"expiresAt": "2026-03-10T13:00:00+00:00", "revokedAt": None}]


async def test_a_display_token_cannot_be_made_to_expire_now_or_before(
    team: Team, admin_client: GraphQLClient, process_id: str, frozen_clock: FrozenClock
):
    answers = [
        await admin_client.mutate(CREATE, {"input": {"processId": process_id, "expiresAt": moment}})
        for moment in ("2026-03-10T12:00:00Z", "2026-03-10T11:59:59+00:00", "2020-01-01T00:00:00Z")
    ]

    for answer in answers:
        assert answer["token"] is None and answer["displayToken"] is None
        assert [(e["code"], e["field"]) for e in answer["errors"]] == [
            ("VALIDATION", ["input", "expiresAt"])
        ]
    assert await DisplayToken.filter(workspace_id=team.workspace.id).count() == 0


@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_a_wall_screens_socket_closes_when_its_token_expires(
    app: Starlette,
    live_url: str,
    team: Team,
    admin_client: GraphQLClient,
    process_id: str,
    frozen_clock: FrozenClock,
    protocol: str,
):
    payload = await admin_client.mutate(
        CREATE, {"input": {"processId": process_id, "expiresAt": "2026-03-10T12:30:00Z"}}
    )

    async with live_client(live_url, payload["token"], protocol) as wall:
        await wall.subscribe("board", BOARD_EVENTS, processId=process_id)
        await subscribed(app, team.workspace.id, 1)
        kept = await app.state.live.sessions.check_once()
        frozen_clock.now += timedelta(minutes=30)
        closed = await app.state.live.sessions.check_once()
        code, reason = await asyncio.wait_for(wall.closed, 5)

    assert (kept, closed) == (0, 1)
    assert code == 4403 and "Session ended" in reason


async def test_every_viewer_of_a_token_keeps_its_one_board_whatever_is_freed(
    admin_client: GraphQLClient, process_id: str
):
    """Each request makes its own viewer of a display token. Tortoise's models are equal
    by id, so a mark kept in a weak dictionary went with the first viewer to be freed,
    and a later viewer of the same token read as a manager, every board open to it."""
    token = (await made(admin_client, process_id))["token"]
    first = await auth.authenticate(token)
    second = await auth.authenticate(token)
    assert first is not None and second is not None and first is not second
    board = int(decode_id(process_id, "Process", ()))

    del first
    gc.collect()

    assert access.display_board(second) == board
    assert access.reads_board(second, board) and not access.reads_board(second, board + 1)
    assert not access.sees_whole_log(second)


def test_a_made_up_viewer_with_no_mark_reads_no_board():
    """Fails closed: a viewer with no id of its own is a display token's, whatever
    became of its mark."""
    stray = User(id=-7, workspace_id=1, email="", name="Wall", role=Role.MANAGER, active=True)

    assert access.display_board(stray) is not None
    assert not access.reads_board(stray, 1) and not access.sees_whole_log(stray)
