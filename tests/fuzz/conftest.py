"""Fixtures of the fuzz run: the suite's app through a client that reports a 500 as an
answer (not an exception), and the seeded world."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from starlette.applications import Starlette

from tests.fuzz.world import World, seed_world


@pytest.fixture
async def fuzz_http(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(
        app=app, client=("203.0.113.9", 50000), raise_app_exceptions=False
    )
    async with httpx.AsyncClient(transport=transport, base_url="http://dealflow.test") as client:
        yield client


@pytest.fixture
async def world(fuzz_http: httpx.AsyncClient, password_hash: str) -> World:
    return await seed_world(fuzz_http, password_hash)
