"""Benchmark: the full board of 10,000 open deals, as GraphQL over HTTP against the
minimal hand-written SQL that fetches the same data (the lower bound).

    .venv/bin/python -m bench.board [--deals 10000] [--runs 50] [--backends sqlite,postgres]

For each backend it builds a fresh database with the committed migrations, a workspace
with one 6-stage process (deals rot after 14 days in each stage) and `--deals` open deals
(a mix of owners, public and private, participants, tasks, 0-8 completed steps, 0-3
line items each, some rotten), serves the real app (`dealflow serve`) on
a free port in a process of its own, and times the board query (every column, first 20
cards each, totals, task dots) for a manager and for a salesperson, and the same data
fetched by hand-written SQL through the same driver, the two taking turns run by run.
The board is posted over one kept-alive connection by a lean client
(`bench.lean_http`); the same board through httpx, the client this benchmark used
until the twentieth session, takes its turn too, in columns of its own.
It prints a table and writes
`bench/results/board.json`. PostgreSQL comes from `BENCH_POSTGRES_URL` (see
bench/databases.py).

It also times the floor that GraphQL execution itself sets: graphql-core (which
Strawberry runs on) executing the same document over the board's answer already in
memory, as plain dictionaries with its default resolvers: no database, no HTTP, no
Strawberry. A ratio to the SQL lower bound cannot go below that floor's.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
from graphql import build_schema, execute, parse
from tortoise import Tortoise, connections
from tortoise.migrations.api import migrate

from bench.databases import fresh_database
from bench.lean_http import LeanHTTP
from bench.teams import bench_team
from models.account import Role, User
from models.product import Product
from resolvers.accounts import auth
from resolvers.clock import now_utc
from resolvers.processes.specs import ProcessSpec, StageSpec, StepSpec
from schema.export import sdl
from schema.ids import global_id
from server.app import create_app
from server.database import open_orm, tortoise_config
from server.settings import Settings
from testkit.board_data import DealSeed, TaskSeed, seed_deals
from testkit.documents import BOARD_QUERY
from testkit.queries import logged_queries
from testkit.servers import dealflow_server

RESULTS = Path(__file__).parent / "results" / "board.json"
# The tests' board document, with what rotting adds to a column and a card.
ROTTING_BOARD_QUERY = BOARD_QUERY.replace(
    "stage { id name position } dealCount totalValue forecastValue",
    "stage { id name position } dealCount totalValue forecastValue rottenCount",
).replace("taskStatus owner { id }", "taskStatus isRotten owner { id }")
assert ROTTING_BOARD_QUERY.count("rottenCount") == 1 and "isRotten" in ROTTING_BOARD_QUERY
STAGES = ["Lead", "Qualified", "Meeting", "Proposal", "Negotiation", "Closing"]


def six_stages() -> ProcessSpec:
    return ProcessSpec(
        name="Bench pipeline",
        is_default=True,
        stages=[
            StageSpec(
                name,
                [StepSpec(f"{name} step {i}", 5 + i) for i in range(3)],
                rotten_after_days=14,
            )
            for name in STAGES
        ],
    )


async def seed(deal_count: int) -> tuple[int, list[int], User, User]:
    """The process id, its stage ids, a manager and a salesperson."""
    team = await bench_team("Bench", 8, six_stages())
    tree, manager, sellers = team.tree, team.manager, team.sellers
    assert len(tree.stages) == 6
    steps = [step.row.id for stage in tree.stages for step in stage.steps]
    rng = random.Random(7)
    now = now_utc()
    products = [
        (
            await Product.create(
                workspace_id=team.workspace.id, name=f"Product {i}", unit_price=Decimal(100)
            )
        ).id
        for i in range(20)
    ]
    seeds = []
    for index in range(deal_count):
        owner = rng.choice([manager, *sellers])
        seeds.append(
            DealSeed(
                name=f"Deal {index}",
                owner_id=owner.id,
                company=f"Company {rng.randrange(2000)}",
                contact_person=f"Contact {rng.randrange(5000)}",
                value=Decimal(rng.randrange(10_000, 50_000_000)) / 100,
                is_public=rng.random() < 0.25,
                participant_ids=tuple(
                    {s.id for s in rng.sample(sellers, rng.randrange(0, 3))} - {owner.id}
                ),
                completed=frozenset(rng.sample(steps, rng.randrange(0, 9))),
                # Most deals are sold by the item; some of them rot (`rotten_after_days`).
                line_items=tuple(
                    (rng.choice(products), Decimal(rng.randrange(10_000, 10_000_000)) / 100)
                    for _ in range(rng.choice([0, 1, 2, 3]))
                ),
                # Spread to the second: whole days would make a thirtieth of the deals
                # rot at the moment of seeding, and the server's rot clock would spend
                # its first seconds recording them while the board is measured.
                last_activity_at=now - timedelta(seconds=rng.randrange(600, 30 * 86400)),
                tasks=tuple(
                    TaskSeed(now + timedelta(hours=rng.randrange(-96, 240)), rng.random() < 0.3)
                    for _ in range(rng.randrange(0, 4))
                ),
            )
        )
    await seed_deals(team.workspace.id, tree, seeds, now)
    # A live database has planner statistics; a freshly bulk-loaded one has none yet.
    await connections.get("default").execute_script("ANALYZE")
    return tree.row.id, [stage.row.id for stage in tree.stages], manager, sellers[0]


def lower_bound_sql(
    dialect: str, viewer: User, process_id: int, stage_ids: list[int]
) -> list[tuple[str, list[Any]]]:
    """The same data as the board, by hand: the columns' figures (rotten deals counted),
    then the first 20 cards of each column (one LIMIT per column, in one statement) with
    owner, value, probability, when it rots and what the task dot needs."""
    sign = "$" if dialect == "postgres" else "?"  # SQLite numbers its parameters as ?N

    def mark(n: int) -> str:
        return f"{sign}{n}"

    visible = ""
    params: list[Any] = [viewer.workspace_id, process_id]
    if viewer.role == Role.USER:
        visible = (
            f" AND (d.owner_id = {mark(3)} OR d.is_public OR d.id IN "
            f"(SELECT deal_id FROM deal_participant WHERE user_id = {mark(4)}))"
        )
        params += [viewer.id, viewer.id]
    where = (
        f"d.workspace_id = {mark(1)} AND d.process_id = {mark(2)} AND d.status = 'OPEN' "
        f"AND d.deleted_at IS NULL{visible}"
    )
    now = mark(len(params) + 1)
    figures = (
        "SELECT d.stage_id, COUNT(*), SUM(d.value_cents), SUM(d.forecast_cents), "
        f"SUM(CASE WHEN d.rots_at <= {now} THEN 1 ELSE 0 END) "
        f"FROM deal d WHERE {where} GROUP BY d.stage_id"
    )
    columns = " UNION ALL ".join(
        f"SELECT * FROM (SELECT d.id, d.name, d.value, d.probability, d.forecast_cents, "
        f"d.rots_at, d.owner_id, d.stage_id, d.updated_at FROM deal d WHERE {where} AND "
        f"d.stage_id = {stage_id} ORDER BY d.updated_at DESC, d.id DESC LIMIT 21) AS s{stage_id}"
        for stage_id in stage_ids
    )
    cards = (
        "SELECT c.*, u.name AS owner_name, u.email AS owner_email, "
        "(SELECT MIN(t.due_at) FROM task t WHERE t.deal_id = c.id AND NOT t.done) AS first_due, "
        "(SELECT COUNT(*) FROM task t WHERE t.deal_id = c.id AND NOT t.done) AS open_tasks "
        f'FROM ({columns}) c JOIN "user" u ON u.id = c.owner_id'
    )
    return [(figures, [*params, now_utc()]), (cards, params)]


async def timed(
    actions: dict[str, Callable[[], Awaitable[Any]]], runs: int
) -> dict[str, list[float]]:
    """Milliseconds of each action over `runs` rounds. The actions take turns within
    each round, so that a slow spell of a shared machine weighs on all of them alike
    and their ratios stay fair; in an order shuffled for each round, because an action
    that always came first after another would always pay, or be spared, what that one
    leaves behind (a server woken from idle: some 10% of a board on this machine)."""
    for _ in range(10):  # warm up caches and prepared statements
        for action in actions.values():
            await action()
    samples: dict[str, list[float]] = {name: [] for name in actions}
    order = list(actions.items())
    shuffled = random.Random(17)
    for _ in range(runs):
        shuffled.shuffle(order)
        for name, action in order:
            start = time.perf_counter()
            await action()
            samples[name].append((time.perf_counter() - start) * 1000)
    return samples


def p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20)[-1]


async def statements(settings: Settings, body: dict[str, Any], headers: dict[str, str]) -> int:
    """The SQL statements one board costs, counted in this process (the app in-process)."""
    app = create_app(settings, manage_orm=False)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as http:
        await http.post("/graphql", json=body, headers=headers)  # warm the caches
        with logged_queries() as log:
            await http.post("/graphql", json=body, headers=headers)
    return log.count


async def bench_backend(backend: str, deal_count: int, runs: int) -> list[dict[str, Any]]:
    rows = []
    async with fresh_database(backend == "postgres") as url:
        settings = Settings().replace(database_url=url, db_pool_max=10)
        config = tortoise_config(settings)
        await migrate(config=config)
        await Tortoise.close_connections()
        await open_orm(config)
        try:
            print(f"{backend}: seeding {deal_count} deals ...", flush=True)
            process_id, stage_ids, manager, seller = await seed(deal_count)
            server = dealflow_server(DATABASE_URL=url, DEBUG="false", RATE_LIMITS="false")
            async with server as served, httpx.AsyncClient(timeout=30) as http:
                endpoint = served.http_url
                for who, viewer in (("manager", manager), ("salesperson", seller)):
                    measured = await measure(
                        settings, http, endpoint, viewer, process_id, stage_ids, runs
                    )
                    rows.append(
                        {"backend": measured["backend"], "viewer": who, "deals": deal_count}
                        | measured
                    )
                    print(rows[-1], flush=True)
        finally:
            await Tortoise.close_connections()
    return rows


async def measure(
    settings: Settings,
    http: httpx.AsyncClient,
    endpoint: str,
    viewer: User,
    process_id: int,
    stage_ids: list[int],
    runs: int,
) -> dict[str, Any]:
    connection = connections.get("default")
    dialect = connection.capabilities.dialect
    token, _ = await auth.issue_token(viewer, timedelta(hours=1))
    body = {
        "query": ROTTING_BOARD_QUERY,
        "variables": {"processId": global_id("Process", process_id), "first": 20},
    }
    headers = {"authorization": f"Bearer {token}"}

    answer: dict[str, Any] = {}
    encoded = json.dumps(body).encode()

    async def board() -> None:
        status, text = await lean.post(encoded, headers)
        data = json.loads(text)
        assert status == 200 and "errors" not in data, data
        answer.update(data["data"])

    async def board_by_httpx() -> None:
        response = await http.post(endpoint, json=body, headers=headers)
        data = response.json()
        assert "errors" not in data, data["errors"]

    async def by_hand() -> None:
        for sql, params in lower_bound_sql(dialect, viewer, process_id, stage_ids):
            await connection.execute_query(sql, params)

    queries = await statements(settings, body, headers)
    async with LeanHTTP(endpoint) as lean:
        await board()  # the answer the floor executes over
        measured = await timed(
            {
                "graphql": board,
                "httpx": board_by_httpx,
                "sql": by_hand,
                "floor": execution_floor(body, answer),
            },
            runs,
        )
    graphql, sql, floor = measured["graphql"], measured["sql"], measured["floor"]
    return {
        "backend": "postgres" if dialect == "postgres" else "sqlite",
        "median_ms": round(statistics.median(graphql), 2),
        "p95_ms": round(p95(graphql), 2),
        "sql_median_ms": round(statistics.median(sql), 2),
        "ratio": round(statistics.median(graphql) / statistics.median(sql), 2),
        "queries": queries,
        "graphql_floor_ms": round(statistics.median(floor), 2),
        # The same board timed through httpx, as this benchmark did until the twentieth
        # session (`bench.lean_http` says why the headline uses a leaner client).
        "httpx_median_ms": round(statistics.median(measured["httpx"]), 2),
        "httpx_ratio": round(statistics.median(measured["httpx"]) / statistics.median(sql), 2),
    }


def execution_floor(body: dict[str, Any], answer: dict[str, Any]) -> Callable[[], Awaitable[Any]]:
    """graphql-core executing the board document over its answer held in memory."""
    schema = build_schema(sdl())
    document = parse(body["query"])

    async def run() -> None:
        result = execute(schema, document, answer, variable_values=body["variables"])
        assert not isinstance(result, Awaitable) and not result.errors, result
        assert result.data == answer

    return run


def table(rows: list[dict[str, Any]]) -> str:
    lines = [
        "| backend | viewer | deals | median ms | p95 ms | SQL lower bound ms | ratio "
        "| SQL statements | graphql-core floor ms | through httpx: median ms | ratio |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in rows:
        lines.append(
            f"| {r['backend']} | {r['viewer']} | {r['deals']:,} | {r['median_ms']} | "
            f"{r['p95_ms']} | {r['sql_median_ms']} | {r['ratio']}x | {r['queries']} | "
            f"{r['graphql_floor_ms']} | {r['httpx_median_ms']} | {r['httpx_ratio']}x |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--deals", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--backends", default="sqlite,postgres")
    parser.add_argument("--rows-to", help=argparse.SUPPRESS)  # one backend, rows as JSON
    args = parser.parse_args()
    if args.rows_to:
        rows = asyncio.run(bench_backend(args.backends, args.deals, args.runs))
        Path(args.rows_to).write_text(json.dumps(rows))
        return
    rows = []
    for backend in args.backends.split(","):
        # One process per backend: Tortoise keeps per-dialect SQL on the models.
        with tempfile.NamedTemporaryFile(suffix=".json") as out:
            command = [sys.executable, "-m", "bench.board", "--deals", str(args.deals)]
            command += ["--runs", str(args.runs), "--backends", backend.strip()]
            subprocess.run([*command, "--rows-to", out.name], check=True)
            rows += json.loads(Path(out.name).read_text())
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(rows, indent=2) + "\n")
    print(table(rows))


if __name__ == "__main__":
    main()
