"""SIGTERM: `dealflow serve` stops listening, sends its WebSockets away with 1001, lets
the requests in flight finish within SHUTDOWN_GRACE_SECONDS, and exits; a client
resumes on another server from its cursor."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import time
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlsplit

import pytest

from server.going_away import GOING_AWAY
from server.settings import Settings
from testkit.clients import GraphQLClient
from testkit.deals import create_deal, create_deal_on
from testkit.documents import CREATE_DEAL_MUTATION
from testkit.live import BOARD_EVENTS, cursor_before_a_change, live_client, replayed_from
from testkit.servers import Server, dealflow_server, env_of
from testkit.teams import Team

GRACE_SECONDS = 4


class Upload:
    """A request sent as curl sends a large upload: headers first, with `Expect:
    100-continue`, and the body only once the server asks for it. From the server's
    "100 Continue" on, the app is reading the request: it is in flight, for as long as
    the client takes to send the body."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    @classmethod
    async def begin(cls, server: Server, token: str, body: bytes) -> Upload:
        address = urlsplit(server.http_url)
        assert address.hostname is not None and address.port is not None
        reader, writer = await asyncio.open_connection(address.hostname, address.port)
        writer.write(
            b"POST /graphql HTTP/1.1\r\n"
            + f"Host: {address.netloc}\r\n".encode()
            + f"Authorization: Bearer {token}\r\n".encode()
            + b"Content-Type: application/json\r\n"
            + f"Content-Length: {len(body)}\r\n".encode()
            + b"Expect: 100-continue\r\n\r\n"
        )
        await writer.drain()
        interim = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
        assert interim.startswith(b"HTTP/1.1 100 "), interim
        return cls(reader, writer)

    async def finish(self, body: bytes) -> tuple[int, dict[str, Any]]:
        """Send the body; the status and the JSON of the answer."""
        self.writer.write(body)
        await self.writer.drain()
        head = await asyncio.wait_for(self.reader.readuntil(b"\r\n\r\n"), 5)
        length = next(
            int(line.split(b":")[1])
            for line in head.split(b"\r\n")
            if line.lower().startswith(b"content-length:")
        )
        answer = await asyncio.wait_for(self.reader.readexactly(length), 5)
        self.writer.close()
        return int(head.split()[1]), json.loads(answer)

    def abandon(self) -> None:
        self.writer.close()


def create_deal_body(name: str) -> bytes:
    return json.dumps(
        {"query": CREATE_DEAL_MUTATION, "variables": {"input": {"name": name}}}
    ).encode()


@contextlib.asynccontextmanager
async def two_servers(settings: Settings) -> AsyncIterator[tuple[Server, Server]]:
    env = env_of(settings, SHUTDOWN_GRACE_SECONDS=str(GRACE_SECONDS))
    async with dealflow_server(**env) as leaving, dealflow_server(**env) as staying:
        yield leaving, staying


async def test_sigterm_answers_requests_in_flight_and_sends_subscribers_elsewhere(
    settings: Settings, team: Team, manager_client: GraphQLClient, process_id: str
):
    token = team.tokens["manager"]
    async with two_servers(settings) as (leaving, staying):
        async with live_client(leaving.ws_url, token) as phone:
            after = await cursor_before_a_change(
                team.workspace.id, lambda: create_deal(manager_client, name="Before the deploy")
            )
            seen = await replayed_from(phone, "board", process_id, after)
            answered = await Upload.begin(leaving, token, body := create_deal_body("In flight"))
            stalled = await Upload.begin(leaving, token, create_deal_body("Never sent"))

            os.kill(leaving.pid, signal.SIGTERM)
            terminated = time.monotonic()
            closed = await asyncio.wait_for(phone.closed, 5)
            status, answer = await answered.finish(body)
        await asyncio.wait_for(leaving.process.wait(), GRACE_SECONDS + 5)
        exited_after = time.monotonic() - terminated
        stalled.abandon()

        async with live_client(staying.ws_url, token) as phone:
            await phone.subscribe("board", BOARD_EVENTS, processId=process_id, after=seen["cursor"])
            resumed = await phone.event("board")
            await phone.nothing("board")

    assert closed[0] == GOING_AWAY, closed
    assert status == 200 and answer["data"]["createDeal"]["errors"] == [], answer
    assert exited_after < GRACE_SECONDS + 3, "the stalled upload is cut at the grace period"
    assert resumed["deal"]["name"] == "In flight"
    assert resumed["deal"]["id"] == answer["data"]["createDeal"]["deal"]["id"]


@pytest.mark.parametrize(
    "serve", [("--workers", "2"), ("--ws", "websockets")], ids=["workers", "older-websockets"]
)
async def test_every_socket_is_sent_away_on_sigterm(
    settings: Settings, team: Team, process_id: str, serve: tuple[str, ...]
):
    """Whichever worker holds the socket, whichever WebSocket implementation serves it."""
    env = env_of(settings, SHUTDOWN_GRACE_SECONDS=str(GRACE_SECONDS))
    async with (
        dealflow_server(*serve, **env) as server,
        contextlib.AsyncExitStack() as phones,
    ):
        after = await cursor_before_a_change(
            team.workspace.id, lambda: create_deal_on(server, team.tokens["manager"], "Watched")
        )
        clients = [
            await phones.enter_async_context(live_client(server.ws_url, team.tokens["manager"]))
            for _ in range(6)
        ]
        for client in clients:
            await replayed_from(client, "board", process_id, after)
        os.kill(server.pid, signal.SIGTERM)
        closes = [await asyncio.wait_for(client.closed, 5) for client in clients]
        await asyncio.wait_for(server.process.wait(), GRACE_SECONDS + 5)

    assert [code for code, _ in closes] == [GOING_AWAY] * 6
