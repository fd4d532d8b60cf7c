"""Headless Chromium for the board app's tests and screenshots: Debian's `chromium`,
driven by Playwright (browser downloads are not available here, so Playwright's own
browsers are never used). `.ci/run` installs the package; a machine without it fails
these tests with the line that says how to get it."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from playwright.async_api import Browser, async_playwright

CHROMIUM = Path("/usr/bin/chromium")
# Headless, as root in a container, with no calls home (this machine's network is closed).
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@asynccontextmanager
async def chromium() -> AsyncIterator[Browser]:
    executable = shutil.which(str(CHROMIUM)) or shutil.which("chromium")
    if executable is None:
        raise RuntimeError(
            "Debian's chromium is not installed: `apt-get install -y chromium` (.ci/run does)"
        )
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=str(executable), headless=True, args=FLAGS
        )
        try:
            yield browser
        finally:
            await browser.close()


def http_base(ws_url: str) -> str:
    """The page's origin, from a served app's WebSocket URL (ws://host:port/graphql)."""
    return ws_url.replace("ws://", "http://").removesuffix("/graphql")
