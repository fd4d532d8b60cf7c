"""Benchmark: webhook deliveries per second, and the delay from a commit to its delivery.

    .venv/bin/python -m bench.webhooks [--deals 300] [--burst 1000] [--backend sqlite|postgres]

One backend per run (`make bench-webhooks` runs both, one after the other): a second
backend in the same process failed on PostgreSQL with a syntax error from Tortoise,
not understood yet. It builds a fresh database with the committed migrations, a workspace
and a manager with one webhook (`deal.created`) pointing at a receiver in this process
(a Starlette app on a free port, answering 200 at once), and serves the real app
(`dealflow serve`, its worker at the default `WEBHOOK_POLL_SECONDS`) in a process of its
own. Then:

- *delay*: `--deals` deals created one after another through GraphQL, a few tens of
  milliseconds apart; for each, the time from the mutation's answer (the commit) to the
  receiver getting its delivery. Median and p99.
- *throughput*: `--burst` deals created as fast as the server takes them (20 requests
  at a time), then the time until the receiver has them all: deliveries per second
  through one webhook, whose deliveries go one after another to keep their order.

It prints a table and writes `bench/results/webhooks-<backend>.json`. The burst's rate
is bounded by how fast the server takes the deals (the table's deliveries per second
follow the creation rate when the receiver keeps up). PostgreSQL comes from
`BENCH_POSTGRES_URL` (see bench/databases.py).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from tortoise import Tortoise
from tortoise.migrations.api import migrate

from bench.databases import fresh_database
from bench.teams import bench_team
from resolvers.accounts import auth
from server.database import open_orm, tortoise_config
from server.settings import Settings
from testkit.live import uvicorn_serving
from testkit.servers import dealflow_server

RESULTS = Path(__file__).parent / "results"
BURST_PARALLEL = 20
LOG = Path(tempfile.gettempdir()) / "dealflow-bench-webhooks.log"
CREATE_DEAL = "mutation($name: String!) { createDeal(input: {name: $name}) { errors { code } } }"
CREATE_WEBHOOK = (
    'mutation($url: String!) { createWebhook(input: {url: $url, events: ["deal.created"]}) '
    "{ errors { code message } } }"
)


class Arrivals:
    """When each deal's delivery reached the receiver, by the deal's name."""

    def __init__(self) -> None:
        self.at: dict[str, float] = {}
        self.changed = asyncio.Event()

    async def hook(self, request: Request) -> Response:
        body = json.loads(await request.body())
        self.at.setdefault(body["data"]["deal"]["name"], time.monotonic())
        self.changed.set()
        return Response("ok")

    async def until(self, names: set[str], within: float) -> float:
        """When the last of `names` arrived (fails after `within` seconds)."""

        async def wait() -> None:
            while not names <= set(self.at):
                self.changed.clear()
                await self.changed.wait()

        await asyncio.wait_for(wait(), within)
        return max(self.at[name] for name in names)


def p99(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=100)[-1]


async def bench_backend(backend: str, deals: int, burst: int) -> dict[str, Any]:
    arrivals = Arrivals()
    receiver = Starlette(routes=[Route("/hook", arrivals.hook, methods=["POST"])])
    async with fresh_database(backend == "postgres") as url:
        settings = Settings().replace(database_url=url)
        config = tortoise_config(settings)
        await migrate(config=config)
        await Tortoise.close_connections()
        await open_orm(config)
        try:
            team = await bench_team("Webhooks", 2)
            token, _ = await auth.issue_token(team.manager, timedelta(hours=1))
            headers = {"authorization": f"Bearer {token}"}
            serving = dealflow_server(
                DATABASE_URL=url,
                DEBUG="false",
                WEBHOOK_ALLOW_PRIVATE_URLS="true",
                RATE_LIMITS="false",  # the burst is one token's 20 requests at a time
                log=LOG,
            )
            async with (
                uvicorn_serving(receiver) as receiver_ws,
                serving as served,
                httpx.AsyncClient(timeout=30) as http,
            ):
                hook_url = receiver_ws.replace("ws://", "http://").replace("/graphql", "/hook")
                made = await http.post(
                    served.http_url,
                    json={"query": CREATE_WEBHOOK, "variables": {"url": hook_url}},
                    headers=headers,
                )
                assert made.json()["data"]["createWebhook"]["errors"] == [], made.text
                delays = []
                for index in range(deals):
                    name = f"Delay {index}"
                    answer = await http.post(
                        served.http_url,
                        json={"query": CREATE_DEAL, "variables": {"name": name}},
                        headers=headers,
                    )
                    committed = time.monotonic()
                    assert answer.json()["data"]["createDeal"]["errors"] == []
                    delays.append((await arrivals.until({name}, 30) - committed) * 1000)
                    await asyncio.sleep(0.02)
                names = [f"Burst {i}" for i in range(burst)]
                started = time.monotonic()
                for first in range(0, burst, BURST_PARALLEL):
                    answers = await asyncio.gather(
                        *(
                            http.post(
                                served.http_url,
                                json={"query": CREATE_DEAL, "variables": {"name": name}},
                                headers=headers,
                            )
                            for name in names[first : first + BURST_PARALLEL]
                        )
                    )
                    assert all(a.status_code == 200 for a in answers), answers
                written = time.monotonic()
                done = await arrivals.until(set(names), 600)
        finally:
            await Tortoise.close_connections()
    return {
        "backend": backend,
        "deals": deals,
        "delay_median_ms": round(statistics.median(delays), 1),
        "delay_p99_ms": round(p99(delays), 1),
        "burst": burst,
        "burst_write_s": round(written - started, 2),
        "deliveries_per_second": round(burst / (done - started), 1),
    }


def table(rows: list[dict[str, Any]]) -> str:
    lines = [
        "| backend | delay median ms | delay p99 ms | burst | deliveries/s |",
        "| --- | --- | --- | --- | --- |",
    ]
    for row in rows:
        lines.append(
            f"| {row['backend']} | {row['delay_median_ms']} | {row['delay_p99_ms']} | "
            f"{row['burst']:,} | {row['deliveries_per_second']} |"
        )
    return "\n".join(lines)


async def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--deals", type=int, default=300)
    parser.add_argument("--burst", type=int, default=1000)
    parser.add_argument("--backend", choices=["sqlite", "postgres"], default="sqlite")
    args = parser.parse_args(argv)
    row = await bench_backend(args.backend, args.deals, args.burst)
    results = RESULTS / f"webhooks-{args.backend}.json"
    results.write_text(json.dumps(row, indent=2) + "\n")
    print(table([row]))


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1:]))
