"""Fixtures of the fuzz run: the suite's app through a client that reports a 500 as an
answer (not an exception), and the seeded world, one per test module (seeding takes
longer than a test's few examples), emptied when the module is done."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from starlette.applications import Starlette

from testkit.database import empty_all_tables
from tests.fuzz.world import World, seed_world


@pytest.fixture(autouse=True)
async def _clean_database() -> AsyncIterator[None]:
    """Instead of the suite's emptying after every test: `world` empties the tables
    after its module."""
    yield


@pytest.fixture(scope="module")
async def fuzz_http(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(
        app=app, client=("203.0.113.9", 50000), raise_app_exceptions=False
    )
    async with httpx.AsyncClient(transport=transport, base_url="http://dealflow.test") as client:
        yield client


@pytest.fixture(scope="module")
async def world(fuzz_http: httpx.AsyncClient, password_hash: str) -> AsyncIterator[World]:
    try:
        yield await seed_world(fuzz_http, password_hash)
    finally:
        await empty_all_tables()
