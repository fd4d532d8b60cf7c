"""A webhook receiver for tests: a real HTTP server on a free port that records what it
gets and answers as the test tells it (a status per request, in order; then 200)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from testkit.live import uvicorn_serving


@dataclass(frozen=True)
class Received:
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    url: str = ""
    received: list[Received] = field(default_factory=list)
    answers: list[tuple[int, dict[str, str]]] = field(default_factory=list)
    arrived: asyncio.Event = field(default_factory=asyncio.Event)

    async def wait_for(self, count: int, within: float = 5) -> list[Received]:
        """Until `count` requests have come (fails after `within` seconds)."""

        async def enough() -> None:
            while len(self.received) < count:
                self.arrived.clear()
                await self.arrived.wait()

        await asyncio.wait_for(enough(), within)
        return self.received


@asynccontextmanager
async def receiver() -> AsyncIterator[Receiver]:
    state = Receiver()

    async def hook(request: Request) -> Response:
        state.received.append(Received(dict(request.headers), await request.body()))
        state.arrived.set()
        status, headers = state.answers.pop(0) if state.answers else (200, {})
        return Response("ok", status_code=status, headers=headers)

    app = Starlette(routes=[Route("/hook", hook, methods=["POST"])])
    async with uvicorn_serving(app) as ws_url:
        state.url = ws_url.replace("ws://", "http://").replace("/graphql", "/hook")
        yield state
