"""`make screenshots`: the README's pictures of the board app, taken anew in headless
Chromium from the demo workspace on a throwaway database: the board at desktop and
phone width, a deal's drawer, the statistics page and a wall screen.

    .venv/bin/python -m testkit.screenshots docs/screenshots
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import httpx
from playwright.async_api import Browser, Page, expect

from server.demo import DEMO_PASSWORD
from testkit.browser import chromium
from testkit.servers import dealflow_server

DESKTOP = {"width": 1440, "height": 900}
PHONE = {"width": 390, "height": 844}


def _dealflow(env: dict[str, str], *args: str) -> None:
    subprocess.run(
        [sys.executable, "-m", "server.cli", *args], env={**os.environ, **env}, check=True
    )


async def _logged_in(browser: Browser, base: str, viewport: dict[str, int]) -> Page:
    page = await browser.new_page(viewport=viewport)  # type: ignore[arg-type]
    await page.goto(f"{base}/board")
    await page.get_by_label("Email").fill("manager@demo.dealflow.dev")
    await page.get_by_label("Password").fill(DEMO_PASSWORD)
    await page.get_by_role("button", name="Log in").click()
    await expect(page.locator("#live")).to_have_attribute("data-state", "live")
    await expect(page.get_by_test_id("card").first).to_be_visible()
    return page


async def _display_url(base: str) -> str:
    """A wall screen's address, with a display token an administrator makes."""
    async with httpx.AsyncClient(base_url=base) as http:
        login = await http.post(
            "/graphql",
            json={
                "query": "mutation($e: String!, $p: String!) { login(input: {email: $e, "
                "password: $p}) { token } }",
                "variables": {"e": "admin@demo.dealflow.dev", "p": DEMO_PASSWORD},
            },
        )
        headers = {"authorization": f"Bearer {login.json()['data']['login']['token']}"}
        processes = await http.post(
            "/graphql", json={"query": "{ processes { id isDefault } }"}, headers=headers
        )
        (default,) = [p for p in processes.json()["data"]["processes"] if p["isDefault"]]
        made = await http.post(
            "/graphql",
            json={
                "query": "mutation($p: ID!) { createDisplayToken(input: {processId: $p, "
                'label: "Sales floor"}) { token } }',
                "variables": {"p": default["id"]},
            },
            headers=headers,
        )
    token = made.json()["data"]["createDisplayToken"]["token"]
    return f"{base}/board?display=1&process={default['id']}#token={token}"


async def take(out: Path) -> list[Path]:
    """The screenshots, written into `out` (which must exist)."""
    taken = []
    with tempfile.TemporaryDirectory(prefix="dealflow-screenshots-") as folder:
        env = {
            "DATABASE_URL": f"sqlite://{folder}/demo.sqlite3",
            "BROADCAST_URL": "memory://",
            "STORAGE_DIR": f"{folder}/storage",
        }
        _dealflow(env, "migrate")
        _dealflow(env, "demo")
        serving = dealflow_server(
            DATABASE_URL=env["DATABASE_URL"],
            BROADCAST_URL=env["BROADCAST_URL"],
            STORAGE_DIR=env["STORAGE_DIR"],
        )
        async with serving as server, chromium() as browser:
            page = await _logged_in(browser, server.base_url, DESKTOP)
            taken.append(out / "board.png")
            await page.screenshot(path=taken[-1], full_page=True)
            await page.get_by_test_id("card").filter(has_text="Fleet renewal").click()
            await expect(page.get_by_role("heading", name="Checklist")).to_be_visible()
            taken.append(out / "drawer.png")
            await page.screenshot(path=taken[-1])
            await page.goto(f"{server.base_url}/board#stats")
            await expect(page.get_by_test_id("stats-table")).to_be_visible()
            taken.append(out / "statistics.png")
            await page.screenshot(path=taken[-1], full_page=True)
            phone = await _logged_in(browser, server.base_url, PHONE)
            taken.append(out / "board-phone.png")
            await phone.screenshot(path=taken[-1])
            wall = await browser.new_page(viewport={"width": 1920, "height": 1080})
            await wall.goto(await _display_url(server.base_url))
            await expect(wall.get_by_test_id("card").first).to_be_visible()
            taken.append(out / "wall-screen.png")
            await wall.screenshot(path=taken[-1])
    return taken


if __name__ == "__main__":
    folder = Path(sys.argv[1] if len(sys.argv) > 1 else "docs/screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    for path in asyncio.run(take(folder)):
        print(path)
