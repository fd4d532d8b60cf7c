"""A server killed with SIGKILL in the middle of a stream of mutations: after a restart,
every mutation that got an answer is in the database with its history, its event reaches
a subscriber that resumes from its cursor (exactly once, in order), and nothing that
did not commit left anything half-written.

`dealflow serve` in a process of its own, on whichever backend the run uses (a SQLite
file and memory://, or PostgreSQL and Redis)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
from collections import Counter
from dataclasses import dataclass
from typing import Any

import httpx

from server.settings import Settings
from testkit.clients import GraphQLClient
from testkit.deals import create_deal
from testkit.documents import CREATE_DEAL_MUTATION, UPDATE_DEAL_MUTATION
from testkit.live import (
    BOARD_EVENTS,
    LiveClient,
    cursor_before_a_change,
    event_id,
    live_client,
    replayed_from,
)
from testkit.servers import Server, dealflow_server, env_of
from testkit.teams import Team

WRITERS = 3
RENAMES = 2  # per deal, after its creation
KILL_AFTER = 24  # answered mutations, all writers together

DEALS_WITH_HISTORY = """
query {
  deals(first: 100) {
    totalCount
    edges { node {
      id name version
      history(first: 100) { totalCount edges { node { kind changes { field from to } } } }
    } }
  }
}
"""


@dataclass(frozen=True)
class Answered:
    """A mutation that got its answer: the deal, its name and version after it."""

    deal_id: str
    name: str
    version: int


class Writer:
    """Creates deals and renames each a few times, one mutation after another, until
    the server stops answering; remembers every mutation that was answered."""

    def __init__(self, server: Server, token: str, tag: str, answered: list[Answered]) -> None:
        self.http = httpx.AsyncClient(
            base_url=server.base_url, headers={"authorization": f"Bearer {token}"}, timeout=10
        )
        self.tag = tag
        self.answered = answered

    async def mutate(self, document: str, deal_input: dict[str, Any]) -> dict[str, Any] | None:
        """The deal the mutation answered with; None once the server is gone."""
        try:
            response = await self.http.post(
                "/graphql", json={"query": document, "variables": {"input": deal_input}}
            )
        except httpx.TransportError:
            return None
        assert response.status_code == 200, response.text
        (payload,) = response.json()["data"].values()
        assert payload["errors"] == [], payload
        deal: dict[str, Any] = payload["deal"]
        self.answered.append(Answered(deal["id"], deal["name"], deal["version"]))
        return deal

    async def run(self) -> None:
        async with self.http:
            number = 0
            while await self.one_deal(f"{self.tag}-{number}"):
                number += 1

    async def one_deal(self, name: str) -> bool:
        """Create a deal, then rename it; False once the server is gone."""
        deal = await self.mutate(CREATE_DEAL_MUTATION, {"name": name})
        for rename in range(1, RENAMES + 1):
            if deal is None:
                return False
            changes = {"id": deal["id"], "version": deal["version"], "name": f"{name}-r{rename}"}
            deal = await self.mutate(UPDATE_DEAL_MUTATION, changes)
        return deal is not None


async def kill_after(server: Server, answered: list[Answered], count: int) -> None:
    while len(answered) < count:  # noqa: ASYNC110 - the writers run meanwhile
        await asyncio.sleep(0.005)
    os.kill(server.pid, signal.SIGKILL)


async def events_until_closed(phone: LiveClient) -> list[dict[str, Any]]:
    """Every event the socket got before the server died."""
    await asyncio.wait_for(phone.closed, 10)
    events = []
    with contextlib.suppress(TimeoutError):
        while True:
            events.append(await phone.event("board", wait=0.2))
    return events


async def stream_then_kill(
    server: Server, token: str, process_id: str, workspace_id: int
) -> tuple[list[Answered], list[dict[str, Any]]]:
    """Writers send mutations until the server is killed in their midst; the answered
    mutations, and the events a subscriber got before the server died."""
    answered: list[Answered] = []
    async with live_client(server.ws_url, token) as phone:

        async def first_deal() -> None:
            async with httpx.AsyncClient(base_url=server.base_url) as http:
                await create_deal(GraphQLClient(http, token), name="Before the stream")

        after = await cursor_before_a_change(workspace_id, first_deal)
        # a cursor to resume from, whatever happens
        seen = [await replayed_from(phone, "board", process_id, after)]
        writers = [Writer(server, token, f"w{n}", answered) for n in range(WRITERS)]
        await asyncio.gather(kill_after(server, answered, KILL_AFTER), *(w.run() for w in writers))
        return answered, seen + await events_until_closed(phone)


async def deals_with_history(server: Server, token: str) -> dict[str, dict[str, Any]]:
    async with httpx.AsyncClient(timeout=10) as http:
        response = await http.post(
            server.http_url,
            json={"query": DEALS_WITH_HISTORY},
            headers={"authorization": f"Bearer {token}"},
        )
    deals = response.json()["data"]["deals"]
    assert deals["totalCount"] == len(deals["edges"]), "all on one page"
    return {edge["node"]["id"]: edge["node"] for edge in deals["edges"]}


async def test_a_killed_server_loses_nothing_it_answered_and_leaves_nothing_half_written(
    settings: Settings, team: Team, process_id: str
):
    token = team.tokens["manager"]
    async with dealflow_server(**env_of(settings)) as doomed:
        answered, before_kill = await stream_then_kill(doomed, token, process_id, team.workspace.id)
    cursor = before_kill[-1]["cursor"]
    async with (
        # The check reads every deal with its whole history in one query: far over the
        # cost a client may ask for (MAX_QUERY_COST), which this server lifts.
        dealflow_server(**env_of(settings, MAX_QUERY_COST="10000000")) as restarted,
        live_client(restarted.ws_url, token) as phone,
    ):
        deals = await deals_with_history(restarted, token)
        committed = sum(deal["history"]["totalCount"] for deal in deals.values())
        await phone.subscribe("board", BOARD_EVENTS, processId=process_id, after=cursor)
        resumed = [await phone.event("board", wait=10) for _ in range(committed - len(before_kill))]
        await phone.nothing("board")

    # Every answered mutation is there, with its history entry.
    for mutation in answered:
        deal = deals[mutation.deal_id]
        assert deal["version"] >= mutation.version
        if deal["version"] == mutation.version:
            assert deal["name"] == mutation.name
        renamed_to = {
            change["to"]
            for edge in deal["history"]["edges"]
            for change in edge["node"]["changes"]
            if change["field"] == "name"
        }
        assert mutation.version == 1 or mutation.name in renamed_to, (mutation, deal)
    # Nothing half-written: every deal has its creation, and one entry per version.
    for deal in deals.values():
        kinds = [edge["node"]["kind"] for edge in deal["history"]["edges"]]
        assert kinds[-1] == "DEAL_CREATED", deal
        assert len(kinds) == deal["history"]["totalCount"] == deal["version"], deal
    # Every committed change reached the subscriber once, in order, across the restart.
    events = before_kill + resumed
    cursors = [event_id(event["cursor"]) for event in events]
    assert cursors == sorted(set(cursors))
    assert all(event_id(event["cursor"]) > event_id(cursor) for event in resumed)
    per_deal = Counter(event["dealId"] for event in events)
    assert per_deal == {deal_id: deal["version"] for deal_id, deal in deals.items()}
    assert {e["dealId"] for e in events if e["kind"] == "DEAL_ADDED"} == set(deals)
    assert len(answered) >= KILL_AFTER
