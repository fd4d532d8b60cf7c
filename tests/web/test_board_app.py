"""The board app (`web/`, served at /board) in headless Chromium, against the real
server: logging in, the columns against the API, a change made elsewhere arriving live,
a restart caught up on, what a salesperson never sees, the drawer's note rule, and a
wall screen that can read its board and change nothing."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import httpx
import pytest
from playwright.async_api import Browser, Page, expect
from starlette.applications import Starlette

from server.demo import DEMO_PASSWORD, seed_demo
from server.settings import Settings
from subscriptions.feeds import Hub
from testkit.browser import chromium, http_base
from testkit.clients import GraphQLClient
from testkit.deals import create_deal, steps_by_name
from testkit.documents import (
    BOARD_QUERY,
    COMPLETE_STEP_MUTATION,
    LOGIN_MUTATION,
    PROCESSES_QUERY,
)
from testkit.live import served_app, subscribed
from testkit.servers import free_port
from testkit.teams import PASSWORD, Team

# A change made elsewhere shows on the open page within this (the issue asks for 1 s).
LIVE_WITHIN_MS = 1000


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    async with chromium() as launched:
        yield launched


async def logged_in(browser: Browser, base: str, email: str, password: str = PASSWORD) -> Page:
    page = await browser.new_page(viewport={"width": 1400, "height": 900})
    await page.goto(f"{base}/board")
    await page.get_by_label("Email").fill(email)
    await page.get_by_label("Password").fill(password)
    await page.get_by_role("button", name="Log in").click()
    await expect(page.locator("#live")).to_have_attribute("data-state", "live")
    return page


def column(page: Page, stage: str) -> Any:
    return page.locator("section.column", has=page.get_by_role("heading", name=stage, exact=True))


def amount(text: str) -> Decimal:
    """An amount as the page writes it ("PLN 28,800.00"), as a number."""
    return Decimal(re.sub(r"[^\d.]", "", text))


async def test_the_demo_board_shows_what_the_api_says(
    browser: Browser, live_url: str, settings: Settings, http: httpx.AsyncClient
):
    await seed_demo(settings.file_store())
    manager = GraphQLClient(http)
    manager.token = (
        await manager.mutate(
            LOGIN_MUTATION, {"email": "manager@demo.dealflow.dev", "password": DEMO_PASSWORD}
        )
    )["token"]
    processes = (await manager.data(PROCESSES_QUERY))["processes"]
    (default,) = [p for p in processes if p["isDefault"]]
    board = (await manager.data(BOARD_QUERY, {"processId": default["id"]}))["board"]

    page = await logged_in(browser, http_base(live_url), "manager@demo.dealflow.dev", DEMO_PASSWORD)

    await expect(page.get_by_test_id("card")).to_have_count(board["dealCount"])
    for answered in board["columns"]:
        shown = column(page, answered["stage"]["name"])
        await expect(shown.get_by_test_id("deal-count")).to_have_text(str(answered["dealCount"]))
        assert amount(await shown.get_by_test_id("total-value").inner_text()) == Decimal(
            answered["totalValue"]
        )
        assert amount(await shown.get_by_test_id("forecast-value").inner_text()) == Decimal(
            answered["forecastValue"]
        )
    await expect(page.get_by_test_id("board-count")).to_have_text(str(board["dealCount"]))
    assert amount(await page.get_by_test_id("board-value").inner_text()) == Decimal(
        board["totalValue"]
    )
    card = page.get_by_test_id("card").filter(has_text="Fleet renewal")
    await expect(card).to_contain_text("Kowalski Logistics")
    await expect(card).to_contain_text("No open tasks")
    await expect(page.get_by_test_id("card").filter(has_text="Support contract")).to_contain_text(
        "Rotten"
    )
    await page.close()


async def test_a_step_completed_elsewhere_moves_the_card_within_a_second(
    browser: Browser,
    live_url: str,
    team: Team,
    user_client: GraphQLClient,
):
    deal = await create_deal(user_client, name="Moving deal", value="1000.00")
    steps = await steps_by_name(user_client)
    page = await logged_in(browser, http_base(live_url), team.manager.email)
    await expect(column(page, "Qualify").get_by_test_id("card")).to_have_count(1)

    done = await user_client.mutate(
        COMPLETE_STEP_MUTATION,
        {"input": {"dealId": deal["id"], "stepId": steps["Discovery meeting"]}},
    )

    assert done["errors"] == []
    moved = column(page, "Needs analysis")
    await expect(moved.get_by_test_id("card")).to_have_count(1, timeout=LIVE_WITHIN_MS)
    await expect(moved.get_by_test_id("deal-count")).to_have_text("1", timeout=LIVE_WITHIN_MS)
    await expect(column(page, "Qualify").get_by_test_id("deal-count")).to_have_text("0")
    await page.close()


async def test_a_change_made_before_the_pages_subscription_registers_still_shows(
    browser: Browser,
    live_url: str,
    team: Team,
    user_client: GraphQLClient,
    monkeypatch: pytest.MonkeyPatch,
):
    """The page reads the board, then subscribes from where the log stood before it
    (`Board.eventCursor`): a deal made between the board's read and the subscription's
    registration (held back here) reaches the page all the same."""
    await create_deal(user_client, name="Already there")
    gate = asyncio.Event()
    stream = Hub.stream

    async def held_back(self: Hub, *args: Any, **kwargs: Any) -> Any:
        await gate.wait()
        return await stream(self, *args, **kwargs)

    monkeypatch.setattr(Hub, "stream", held_back)
    page = await logged_in(browser, http_base(live_url), team.manager.email)
    await expect(page.get_by_test_id("card")).to_have_count(1)
    await create_deal(user_client, name="Made meanwhile")
    gate.set()

    await expect(page.get_by_test_id("card")).to_have_count(2, timeout=LIVE_WITHIN_MS * 5)
    await expect(page.get_by_text("Made meanwhile")).to_be_visible()
    await page.close()


async def test_the_page_reconnects_after_a_restart_and_catches_up(
    browser: Browser, settings: Settings, team: Team, user_client: GraphQLClient
):
    port = free_port()
    async with served_app(settings, port) as served:
        page = await logged_in(browser, http_base(served.url), team.manager.email)
        # "Live" is the socket's ack; its subscription registers a moment later, and
        # the workspace has no events yet: the board gives no cursor to start from.
        await subscribed(served.app, team.workspace.id, 1)
        await create_deal(user_client, name="Before the restart")
        await expect(page.get_by_test_id("card")).to_have_count(1)
    await expect(page.locator("#live")).to_have_attribute("data-state", "reconnecting")
    await create_deal(user_client, name="While the server was down")

    async with served_app(settings, port):
        await expect(page.locator("#live")).to_have_attribute("data-state", "live", timeout=15_000)
        await expect(page.get_by_test_id("card")).to_have_count(2)
        await expect(page.get_by_text("While the server was down")).to_be_visible()
        await create_deal(user_client, name="After the restart")
        await expect(page.get_by_test_id("card")).to_have_count(3)
    await page.close()


async def test_a_salesperson_never_sees_another_salesperson_s_private_deal(
    browser: Browser,
    live_url: str,
    team: Team,
    user_client: GraphQLClient,
    colleague_client: GraphQLClient,
):
    await create_deal(colleague_client, name="Colleague's secret", value="999.00")
    page = await logged_in(browser, http_base(live_url), team.user.email)
    await create_deal(colleague_client, name="Another secret")
    await create_deal(colleague_client, name="Open to all", isPublic=True)
    await create_deal(user_client, name="My own")

    await expect(page.get_by_test_id("card")).to_have_count(2)
    await expect(page.get_by_text("Open to all")).to_be_visible()
    await expect(page.get_by_text("My own")).to_be_visible()
    assert "secret" not in (await page.content())
    await page.close()


async def test_the_drawer_refuses_a_step_that_needs_a_note_until_one_is_given(
    browser: Browser, live_url: str, team: Team, user_client: GraphQLClient
):
    await create_deal(user_client, name="Needs a proposal")
    page = await logged_in(browser, http_base(live_url), team.user.email)

    await page.get_by_role("button", name="Open Needs a proposal").click()
    step = page.locator("li.step", has_text="Send proposal")
    await step.get_by_role("button", name="Complete").click()
    await expect(page.get_by_test_id("drawer-message")).to_contain_text("needs a note")
    await step.get_by_label("Note").fill("Sent on Monday")
    await step.get_by_role("button", name="Complete").click()

    await expect(page.locator("li.step.done", has_text="Send proposal")).to_contain_text(
        "Sent on Monday"
    )
    await expect(page.get_by_test_id("missing-steps")).not_to_contain_text("Send proposal")
    await page.close()


async def test_a_wall_screen_shows_its_board_and_can_change_nothing(
    browser: Browser,
    app: Starlette,
    team: Team,
    live_url: str,
    admin_client: GraphQLClient,
    user_client: GraphQLClient,
    process_id: str,
):
    await create_deal(user_client, name="On the wall", value="5000.00")
    made = await admin_client.mutate(
        'mutation($p: ID!) { createDisplayToken(input: {processId: $p, label: "Floor"}) '
        "{ token errors { code } } }",
        {"p": process_id},
    )
    base = http_base(live_url)
    page = await browser.new_page(viewport={"width": 1920, "height": 1080})

    await page.goto(f"{base}/board?display=1&process={process_id}#token={made['token']}")

    await expect(page.locator("#live")).to_have_attribute("data-state", "live")
    await expect(page.get_by_test_id("card")).to_have_count(1)
    assert made["token"] not in page.url, "the token leaves the address bar"
    await expect(page.locator("form, select, button")).to_have_count(0)
    # "Live" is the socket's; a wall screen has no cursor to resume from (its board's
    # `eventCursor` is null), so the deal is made once its subscription is registered.
    await subscribed(app, team.workspace.id, 1)
    await create_deal(user_client, name="Live on the wall")
    await expect(page.get_by_test_id("card")).to_have_count(2, timeout=LIVE_WITHIN_MS)
    refused = await page.evaluate(
        """async () => {
          const token = localStorage.getItem("dealflow.displayToken");
          const answer = await fetch("/graphql", {method: "POST",
            headers: {"content-type": "application/json", authorization: `Bearer ${token}`},
            body: JSON.stringify({query: 'mutation { createDeal(input: {name: "x"}) { errors '
              + '{ code } } }'})});
          return (await answer.json()).errors[0].extensions.code;
        }"""
    )
    assert refused == "FORBIDDEN"
    await page.reload()
    await expect(page.get_by_test_id("card")).to_have_count(2)
    await page.close()
