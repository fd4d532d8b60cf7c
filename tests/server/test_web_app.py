"""The board app's routes: `/` leads to `/board`, the page under a policy that loads
nothing from elsewhere and is never cached, its hashed assets cached for a year, and a
clear answer when the app is not built."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx

from server.web_app import BOARD_POLICY, HASHED_ASSET, NOT_BUILT


async def test_the_board_page_and_its_assets_are_served_by_dealflow(http: httpx.AsyncClient):
    home = await http.get("/")
    page = await http.get("/board")
    assets = re.findall(r'(/board/assets/[\w.-]+)"', page.text)
    asset = await http.get(assets[0])
    escape = await http.get("/board/assets/..%2F..%2Fpyproject.toml")

    assert home.status_code == 307 and home.headers["location"] == "/board"
    assert page.status_code == 200 and 'id="app"' in page.text
    assert page.headers["content-security-policy"] == BOARD_POLICY
    assert page.headers["cache-control"] == "no-cache"
    assert "http" not in " ".join(assets), "nothing from another origin"
    assert asset.status_code == 200 and asset.headers["cache-control"] == HASHED_ASSET
    assert escape.status_code == 404


async def test_without_a_build_the_board_says_how_to_get_one(
    app_with: Callable[..., Awaitable[httpx.AsyncClient]], tmp_path: Path
):
    async with await app_with(web_dist_dir=str(tmp_path)) as client:
        page = await client.get("/board")
        api = await client.post("/graphql", json={"query": "{ __typename }"})

    assert page.status_code == 404 and page.text == NOT_BUILT
    assert api.status_code == 200
