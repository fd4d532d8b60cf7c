"""GraphiQL as `make run` serves it (DEBUG) in headless Chromium with every request off
this origin refused: it loads (no CDN), under its own strict policy, and runs a query
with the token put in its headers pane."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from playwright.async_api import Browser, Request, Route, expect

from server.settings import Settings
from testkit.browser import chromium, http_base
from testkit.live import served_app
from testkit.teams import Team


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    async with chromium() as launched:
        yield launched


async def test_graphiql_works_offline_under_its_policy(
    browser: Browser, settings: Settings, team: Team
):
    elsewhere: list[str] = []
    violations: list[str] = []
    async with served_app(settings.replace(debug=True, allow_introspection=True)) as served:
        base = http_base(served.url)
        page = await browser.new_page(viewport={"width": 1400, "height": 900})

        async def only_here(route: Route, request: Request) -> None:
            if request.url.startswith(base):
                await route.continue_()
            else:
                elsewhere.append(request.url)
                await route.abort()

        await page.route("**/*", only_here)
        page.on(
            "console",
            lambda message: (
                violations.append(message.text)
                if "Content Security Policy" in message.text
                else None
            ),
        )
        answer = await page.goto(f"{base}/graphql", wait_until="networkidle")
        assert answer is not None and "'self'" in answer.headers["content-security-policy"]
        await expect(page.locator(".graphiql-container")).to_be_visible(timeout=15000)

        await page.evaluate(
            "token => localStorage.setItem('graphiql:headers', "
            "JSON.stringify({authorization: 'Bearer ' + token}))",
            team.tokens["user"],
        )
        await page.evaluate("() => localStorage.setItem('graphiql:query', '{ me { email } }')")
        await page.reload(wait_until="networkidle")
        await page.get_by_role("button", name="Execute query").first.click()
        result = page.locator(".result-window")
        await expect(result).to_contain_text(team.user.email, timeout=10000)

    assert elsewhere == [] and violations == []
