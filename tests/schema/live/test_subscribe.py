"""The subscription fields through `schema.subscribe()`, without a socket: the schema's
own streaming, as any transport drives it (the sockets are tested in
tests/subscriptions/)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from starlette.applications import Starlette

from schema import build_schema
from schema.context import Context
from server.settings import Settings
from testkit.deals import create_deal
from testkit.live import BOARD_EVENTS, DEAL_EVENTS, subscribed
from testkit.teams import Team


def context(app: Starlette, settings: Settings, token: str) -> Context:
    return Context(
        request=None,
        token=token,
        client_address="127.0.0.1",
        login_policy=settings.login_policy(),
        file_store=settings.file_store(),
        live=app.state.live,
    )


@asynccontextmanager
async def stream(
    app: Starlette, settings: Settings, token: str, query: str, **variables: Any
) -> AsyncIterator[asyncio.Queue[Any]]:
    """The subscription's results as they come, read by a task of its own."""
    results = await build_schema().subscribe(
        query, variable_values=variables, context_value=context(app, settings, token)
    )
    queue: asyncio.Queue[Any] = asyncio.Queue()

    async def read() -> None:
        async for result in results:  # type: ignore[union-attr]
            await queue.put(result)

    reader = asyncio.create_task(read())
    try:
        yield queue
    finally:
        reader.cancel()
        await asyncio.gather(reader, return_exceptions=True)


async def test_a_new_deal_reaches_a_board_subscribed_through_the_schema(
    app: Starlette, settings: Settings, team: Team, manager_client, process_id: str
):
    async with stream(
        app, settings, team.tokens["manager"], BOARD_EVENTS, processId=process_id
    ) as results:
        await subscribed(app, team.workspace.id, 1)
        await create_deal(manager_client, name="Straight through the schema")
        result = await asyncio.wait_for(results.get(), 5)

    assert result.errors is None
    event = result.data["boardEvents"]
    assert event["kind"] == "DEAL_ADDED"
    assert event["deal"]["name"] == "Straight through the schema"


async def test_a_deal_s_events_through_the_schema(
    app: Starlette, settings: Settings, team: Team, manager_client, process_id: str
):
    deal = await create_deal(manager_client, name="Followed")
    async with stream(
        app, settings, team.tokens["manager"], DEAL_EVENTS, dealId=deal["id"]
    ) as results:
        await subscribed(app, team.workspace.id, 1)
        await manager_client.mutate(
            "mutation($id: ID!) { setDealPublic(input: {dealId: $id, isPublic: true}) "
            "{ errors { code } } }",
            {"id": deal["id"]},
        )
        result = await asyncio.wait_for(results.get(), 5)

    assert result.errors is None
    assert result.data["dealEvents"]["kind"] == "VISIBILITY_CHANGED"
    assert result.data["dealEvents"]["deal"]["name"] == "Followed"


async def test_an_unknown_board_is_refused_with_its_code(
    app: Starlette, settings: Settings, team: Team
):
    async with stream(
        app, settings, team.tokens["manager"], BOARD_EVENTS, processId="UHJvY2Vzczo5OTk5OTk"
    ) as results:
        result = await asyncio.wait_for(results.get(), 5)

    assert [e.extensions["code"] for e in result.errors] == ["NOT_FOUND"]


async def test_no_token_no_stream(app: Starlette, settings: Settings, process_id: str):
    async with stream(app, settings, "not a token", BOARD_EVENTS, processId=process_id) as results:
        result = await asyncio.wait_for(results.get(), 5)

    assert [e.extensions["code"] for e in result.errors] == ["UNAUTHENTICATED"]
