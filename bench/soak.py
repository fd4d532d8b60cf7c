"""Benchmark: a soak. A sales team works against two server processes for a while, with
200 live subscribers watching, and nothing may go wrong.

    .venv/bin/python -m bench.soak [--minutes 10] [--rate 10] [--subscribers 200]

It creates a fresh PostgreSQL database (dropped afterwards; `BENCH_POSTGRES_URL`), serves
it with `dealflow serve` twice on Redis (`BENCH_REDIS_URL`), and has a team of managers
and salespeople (private, public and shared deals) work through the API at `--rate`
actions a second (see bench/soak_people.py), while `--subscribers` WebSocket clients
watch boards and deals (bench/soak_watchers.py). After `--warmup` seconds it measures for
`--minutes`: latency percentiles per operation, errors (any GraphQL error, HTTP status
other than 200, refusal other than an edit's CONFLICT, subscription error or closed
socket), and both servers' memory (RSS) at the start and the end. Then it reads the
event log and checks that every subscriber got every event it may see, once and in
order (bench/soak_delivery.py), that a few subscriptions replayed from the first cursor
get what their live twins got, and that the log agrees with the deals' histories
(bench/soak_checks.py, bench/soak_log.py). Writes `bench/results/soak.json`.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import shutil
import signal
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

import httpx
from redis.asyncio import Redis

from bench.databases import fresh_database
from bench.process_stats import cpu_seconds, own_cpu_seconds, rss_kb
from bench.soak_calls import Calls, ErrorLog
from bench.soak_cast import Cast, cast_team, seed_people
from bench.soak_checks import (
    Expectations,
    check_deliveries,
    check_replays,
    is_bus_notice,
    logged_records,
)
from bench.soak_delivery import BoardWatch
from bench.soak_log import history_mismatches, logged_events
from bench.soak_people import Workforce
from bench.soak_report import growth, operations_table, per_operation, summary_table
from bench.soak_watchers import Watcher, Watching, plan_watchers
from testkit.servers import Server, dealflow_server

RESULTS = Path(__file__).parent / "results" / "soak.json"
REDIS = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379")
SERVERS = 2
MEMORY_EVERY = 30.0  # seconds between memory samples
SETUP_LIMIT = 600.0  # seconds the set-up and the checks may take, beyond the run itself
# Idle connections are let go before uvicorn's keep-alive timeout (5 s) ends them: at
# httpx's default, also 5 s, a request now and then went out on a connection the server
# was closing and failed with ReadError (a browser would retry it; httpx does not).
POOL = httpx.Limits(keepalive_expiry=4.0)


async def soak(args: argparse.Namespace) -> dict[str, Any]:
    """Set up, run, check; the result as `bench/results/soak.json` holds it."""
    rng = random.Random(args.seed)
    errors = ErrorLog()
    limit = args.warmup + args.minutes * 60 + args.settle + SETUP_LIMIT
    logs = Path(tempfile.mkdtemp(prefix="dealflow-soak-"))
    redis_before = await redis_run_id()
    async with asyncio.timeout(limit), fresh_database(postgres=True) as url:
        hours = limit / 3600 + 1
        workspace_id, people = await seed_people(url, args.managers, args.salespeople, hours)
        env = {
            "DATABASE_URL": url,
            "BROADCAST_URL": REDIS,
            "DEBUG": "false",
            # The team works within the default rate limits; its 200 watchers, a dozen
            # or more sockets per person, are a load test's, so those two limits are off.
            "MAX_SOCKETS_PER_USER": "0",
            "RATE_LIMIT_SUBSCRIPTIONS_PER_USER": "",
        }
        async with contextlib.AsyncExitStack() as stack:
            servers = [
                await stack.enter_async_context(
                    dealflow_server(log=logs / f"server-{i}.log", **env)
                )
                for i in range(SERVERS)
            ]
            http = await stack.enter_async_context(httpx.AsyncClient(timeout=30, limits=POOL))
            calls = Calls(http, [server.http_url for server in servers], rng, errors)
            print("setting up the team and their deals ...", flush=True)
            cast = await cast_team(calls, workspace_id, people, args.deals_per_seller, rng)
            watchers = plan_watchers(cast, args.subscribers, SERVERS, rng)
            watching = Watching(watchers, errors)
            await watching.open(stack, servers, cast.baseline)
            workforce = Workforce(cast, calls, args.rate, rng)
            print(f"{len(watchers)} subscribers; warming up for {args.warmup} s ...", flush=True)
            measured = await drive(workforce, calls, servers, args)
            print("checking deliveries against the log ...", flush=True)
            events = await logged_events(url, cast.workspace_id, cast.baseline)
            expectations = Expectations.read(events, cast.baseline, watchers)
            delivery = await check_deliveries(expectations, watchers, args.settle)
            watching.note_dropped()
            replays = await check_replays(
                expectations, watchers, servers, cast.baseline, errors, args.settle
            )
            mismatches = await history_mismatches(
                calls, people[0], cast.deals, events, cast.baseline
            )
    records = logged_records(logs)
    notices = [record for record in records if is_bus_notice(record)]
    problems = [record for record in records if not is_bus_notice(record)]
    if not records:
        shutil.rmtree(logs)
    return (
        report(args, cast, watchers, calls, workforce, measured)
        | delivery
        | replays
        | {
            "events": len(events),
            "history_mismatches": len(mismatches),
            "history_mismatch_samples": mismatches[:10],
            "server_log_problems": len(problems),
            "server_log_samples": problems[:10],
            "bus_notices": len(notices),
            "bus_notice_samples": notices[:4],
            "redis_restarted": await redis_run_id() != redis_before,
            "server_logs": str(logs) if records else None,
        }
    )


async def drive(
    workforce: Workforce, calls: Calls, servers: list[Server], args: argparse.Namespace
) -> dict[str, Any]:
    """Warm up, then measure for `args.minutes`; the team stops when the time is up (or
    at once, should the soak be interrupted)."""
    stop = asyncio.Event()
    working = asyncio.create_task(workforce.run(stop))
    try:
        measured = await measure(calls, [server.pid for server in servers], working, args)
    except BaseException:
        working.cancel()
        raise
    stop.set()
    await working  # raises what broke the team, if anything did
    calls.measuring = False
    return measured


async def measure(
    calls: Calls, pids: list[int], working: asyncio.Task[None], args: argparse.Namespace
) -> dict[str, Any]:
    """The servers' memory all along (seconds from the start of the measurement), at its
    start and at its end; their CPU and the client's in between."""
    began = time.perf_counter() + args.warmup
    samples: list[list[int]] = []
    await _sample_memory(samples, pids, began, began, working)
    start = [rss_kb([pid]) for pid in pids]
    cpu = [cpu_seconds(pid) for pid in pids]
    client_cpu = own_cpu_seconds()
    calls.measuring = True
    print(f"measuring for {args.minutes} min ...", flush=True)
    await _sample_memory(samples, pids, began + args.minutes * 60, began, working)
    end = [rss_kb([pid]) for pid in pids]
    seconds = time.perf_counter() - began
    server_cpu = [(cpu_seconds(pid) - used) / seconds for pid, used in zip(pids, cpu, strict=True)]
    client_share = (own_cpu_seconds() - client_cpu) / seconds
    return {
        "seconds": seconds,
        "memory_kb": {"start": start, "end": end, "samples": samples},
        "server_cpu": [round(share, 3) for share in server_cpu],
        "client_cpu": round(client_share, 3),
    }


async def _sample_memory(
    samples: list[list[int]],
    pids: list[int],
    until: float,
    origin: float,
    working: asyncio.Task[None],
) -> None:
    """Every `MEMORY_EVERY` seconds until `until` (or the team stopped): [seconds since
    `origin`, RSS in KB of each server]."""
    while (left := until - time.perf_counter()) > 0 and not working.done():
        await asyncio.sleep(min(MEMORY_EVERY, left))
        now = round(time.perf_counter() - origin)
        samples.append([now, *(rss_kb([pid]) for pid in pids)])


async def redis_run_id() -> str:
    """Redis's id for its current run: another one after a restart."""
    redis = Redis.from_url(REDIS)
    try:
        info = await redis.info("server")
    finally:
        await redis.aclose()
    return str(info["run_id"])


def report(
    args: argparse.Namespace,
    cast: Cast,
    watchers: list[Watcher],
    calls: Calls,
    workforce: Workforce,
    measured: dict[str, Any],
) -> dict[str, Any]:
    seconds = measured["seconds"]
    operations = per_operation(calls.latencies, calls.refusals, seconds)
    count = sum(row["count"] for row in operations.values())
    memory = measured["memory_kb"]
    boards = sum(1 for w in watchers if isinstance(w.watch, BoardWatch))
    return {
        "date": date.today().isoformat(),
        "machine": f"{os.cpu_count()} cores, client and servers on one machine",
        "minutes": args.minutes,
        "warmup_seconds": args.warmup,
        "target_actions_per_s": args.rate,
        "seed": args.seed,
        "team": {
            "managers": args.managers,
            "salespeople": args.salespeople,
            "deals": len(cast.deals),
        },
        "subscribers": {
            "total": len(watchers),
            "boards": boards,
            "deals": len(watchers) - boards,
            "of_managers": sum(1 for w in watchers if w.person.manager),
            "legacy_protocol": sum(1 for w in watchers if w.protocol == "graphql-ws"),
            "per_server": [sum(1 for w in watchers if w.server == i) for i in range(SERVERS)],
        },
        "operations": count,
        "operations_per_s": round(count / seconds, 2),
        "errors": calls.errors.total,
        "error_kinds": dict(calls.errors.kinds),
        "error_samples": calls.errors.samples,
        "edits_given_up": workforce.given_up,
        "memory_kb": memory,
        "memory_growth": growth(memory["start"], memory["end"]),
        "server_cpu": measured["server_cpu"],
        "client_cpu": measured["client_cpu"],
        "load_average": [round(load, 2) for load in os.getloadavg()],
        "per_operation": operations,
    }


def failures(result: dict[str, Any]) -> list[str]:
    """What in the result is not as it must be."""
    found = []
    if result["errors"]:
        found.append(f"{result['errors']} errors: {result['error_kinds']}")
    if result["delivery_completeness"] < 1:
        found.append(f"{result['delivery']['missing']} deliveries missing")
    if result["bus_notices"] and not result["redis_restarted"]:
        found.append(f"{result['bus_notices']} notices of the bus, though Redis did not restart")
    if result["replay_differences"]:
        found.append(f"replays differ: {result['replay_differences']}")
    for name in ("duplicates", "history_mismatches", "server_log_problems"):
        if result[name]:
            found.append(f"{result[name]} {name.replace('_', ' ')}")
    for name in ("out_of_order", "unexpected", "wrong_kind"):
        if result["delivery"][name]:
            found.append(f"{result['delivery'][name]} deliveries {name.replace('_', ' ')}")
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--warmup", type=float, default=120, help="seconds before measuring")
    parser.add_argument("--rate", type=float, default=10, help="the team's actions per second")
    parser.add_argument("--subscribers", type=int, default=200)
    parser.add_argument("--managers", type=int, default=2)
    parser.add_argument("--salespeople", type=int, default=10)
    parser.add_argument("--deals-per-seller", type=int, default=8)
    parser.add_argument("--settle", type=float, default=30, help="seconds to wait for events")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    # Stopped from outside, it cleans up as after Ctrl-C: servers stopped, database dropped.
    signal.signal(signal.SIGTERM, lambda *_: signal.raise_signal(signal.SIGINT))
    result = asyncio.run(soak(args))
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    print(summary_table(result))
    print()
    print(operations_table(result["per_operation"]))
    found = failures(result)
    if found:
        raise SystemExit("soak: " + "; ".join(found))


if __name__ == "__main__":
    main()
