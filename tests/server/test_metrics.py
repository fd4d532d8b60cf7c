"""`/metrics` through the real app: what it counts moves with what the app does, and
only a scraper it trusts may read it."""

from __future__ import annotations

import json
import re
from pathlib import Path

import httpx
from starlette.applications import Starlette

from testkit.clients import GraphQLClient
from testkit.deals import create_deal
from testkit.live import BOARD_EVENTS, live_client, subscribed
from testkit.servers import dealflow_server, env_of
from testkit.teams import Team


def value(text: str, series: str) -> float:
    """A series' value in the exposition text (0 when absent)."""
    found = re.search(rf"^{re.escape(series)} ([0-9.e+-]+)$", text, re.MULTILINE)
    return float(found.group(1)) if found else 0.0


async def scrape(app: Starlette) -> str:
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://dealflow.test") as local:
        answer = await local.get("/metrics")
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/plain")
    return answer.text


async def test_metrics_follow_operations_errors_sockets_subscriptions_and_events(
    app: Starlette,
    live_url: str,
    team: Team,
    user_client: GraphQLClient,
    anonymous_client: GraphQLClient,
    manager_client: GraphQLClient,
    process_id: str,
):
    before = await scrape(app)
    await user_client.data("query Me { me { id } }")
    await anonymous_client.post("query Anonymous { me { id } }")
    async with live_client(live_url, team.tokens["manager"]) as manager:
        await manager.subscribe("board", BOARD_EVENTS, processId=process_id)
        await subscribed(app, team.workspace.id, 1)
        during = await scrape(app)
        await create_deal(manager_client, name="Counted")
        await manager.event("board")
        after = await scrape(app)

    me = 'dealflow_graphql_request_seconds_count{operation="Me"}'
    unauthenticated = 'dealflow_graphql_errors_total{code="UNAUTHENTICATED"}'
    board = 'dealflow_subscriptions_active{kind="boardEvents"}'
    assert value(during, me) == value(before, me) + 1
    assert value(during, unauthenticated) == value(before, unauthenticated) + 1
    assert (
        value(during, "dealflow_websockets_open") == value(before, "dealflow_websockets_open") + 1
    )
    assert value(during, board) == value(before, board) + 1
    fanned = "dealflow_events_fanned_out_total"
    assert value(after, fanned) >= value(during, fanned) + 1
    assert value(after, "dealflow_feed_event_seconds_count") > 0
    for series in ("dealflow_outbox_lag_seconds", "dealflow_bus_reconnects_total"):
        assert re.search(rf"^{series} ", after, re.MULTILINE), series


async def test_only_a_trusted_scraper_reads_metrics(http: httpx.AsyncClient, app_with):
    remote = await http.get("/metrics")  # the suite's client is 203.0.113.7, not loopback
    transport = httpx.ASGITransport(app=http._transport.app, client=("127.0.0.1", 40000))  # type: ignore[attr-defined]
    async with httpx.AsyncClient(transport=transport, base_url="http://dealflow.test") as local:
        proxied = await local.get("/metrics", headers={"x-forwarded-for": "198.51.100.9"})
    assert proxied.status_code == 403
    async with await app_with(metrics_token="scrape-me") as tokened:
        without = await tokened.get("/metrics")
        wrong = await tokened.get("/metrics", headers={"authorization": "Bearer nope"})
        right = await tokened.get("/metrics", headers={"authorization": "Bearer scrape-me"})

    assert remote.status_code == without.status_code == wrong.status_code == 403
    assert right.status_code == 200 and "dealflow_websockets_open" in right.text


async def test_a_server_with_workers_answers_for_all_its_processes(
    settings, team: Team, tmp_path: Path
):
    """`dealflow serve --workers 2`: both processes write to the shared folder, and
    whichever serves /metrics counts the operations every process served."""
    shared = tmp_path / "metrics"
    shared.mkdir()
    async with (
        dealflow_server(
            "--workers", "2", **env_of(settings, PROMETHEUS_MULTIPROC_DIR=str(shared))
        ) as server,
        httpx.AsyncClient() as http,
    ):
        for _ in range(6):
            await http.post(
                server.http_url,
                json={"query": "query Counted { me { id } }"},
                headers={"authorization": f"Bearer {team.tokens['user']}"},
            )
        scrapes = [(await http.get(f"{server.base_url}/metrics")).text for _ in range(4)]

    counted = 'dealflow_graphql_request_seconds_count{operation="Counted"}'
    assert {value(text, counted) for text in scrapes} == {6.0}
    writers = {re.sub(r"\D", "", path.stem.rsplit("_", 1)[-1]) for path in shared.glob("*.db")}
    assert len(writers) >= 2, sorted(path.name for path in shared.glob("*.db"))


async def test_the_grafana_dashboard_reads_only_metrics_the_app_exposes(app: Starlette):
    dashboard = json.loads((Path(__file__).parents[2] / "docs/grafana/dealflow.json").read_text())
    expressions = [t["expr"] for panel in dashboard["panels"] for t in panel["targets"]]
    used = {
        re.sub(r"_(bucket|count|sum)$", "", name)
        for expr in expressions
        for name in re.findall(r"dealflow_[a-z_]+", expr)
    }
    exposed = set(re.findall(r"^# TYPE (dealflow_[a-z_]+) ", await scrape(app), re.MULTILINE))
    exposed |= {name.removesuffix("_total") for name in exposed}

    assert used and used <= exposed, used - exposed
