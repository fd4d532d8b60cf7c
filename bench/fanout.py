"""Benchmark: fan-out of board events to many WebSocket subscribers, against the peer.

    .venv/bin/python -m bench.fanout [--subscribers 100,1000] [--large 10000] [--events 20]

For each setup it starts real server processes, connects N subscribers (500 at a time; a mix of
managers and salespeople, all watching one board through `boardEvents`), then sends a
stream of `completeStep`/`uncompleteStep` mutations on a public deal and measures, for
every subscriber and event, the delay from the mutation's response to the event's
arrival (median, p99); then a burst of back-to-back mutations (events fully delivered to
every subscriber per second); the CPU time the servers and the client used per event,
in each of the two; and the servers' memory per idle subscriber (RSS growth over N
subscribed sockets). Setups: one `dealflow serve` process on SQLite and
`memory://`; two processes on PostgreSQL and Redis (subscribers split between them,
mutations sent to the first); and the peer in `../shared/peers/graphql-ws-node`
(graphql-js + graphql-ws with a trivial subscription) with the same client. `--large`
subscribers (10,000 by default; 0 leaves them out) are measured on the two processes and
on the peer only. Each row has its p99 and its events per second as ratios to the
peer's with as many subscribers, and its servers' CPU per spaced event as a ratio to
the peer's (work done, which a stall of the machine does not inflate as it does a
delay). Once subscribed, each socket is read by `bench.arrivals.ArrivalClock` (frame
headers only, the same for both servers: a full WebSocket client's CPU was as much as a
server's), and the client's garbage collector is held off while it times arrivals
(`quiet_collector`). Writes `bench/results/fanout.json`.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
from tortoise import Tortoise
from tortoise.migrations.api import migrate
from websockets.asyncio.client import ClientConnection, connect
from websockets.typing import Subprotocol

from bench.arrivals import ArrivalClock
from bench.databases import fresh_database
from bench.process_stats import cpu_seconds, own_cpu_seconds, rss_kb
from bench.teams import bench_team
from bench.waiting import wait_until
from resolvers.accounts import auth
from resolvers.clock import now_utc
from schema.ids import global_id
from server.database import open_orm, tortoise_config
from server.settings import Settings
from testkit.board_data import DealSeed, seed_deals
from testkit.servers import Server, dealflow_server, free_port

RESULTS = Path(__file__).parent / "results" / "fanout.json"
PEER = Path(__file__).resolve().parents[2] / "shared" / "peers" / "graphql-ws-node"
REDIS = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379")
SPACING = 0.3  # seconds between measured events, so that each is measured alone
# The setups `--large` subscribers are measured on: several processes, and the peer.
LARGE_SETUPS = ("peer", "2 processes redis")

BOARD_EVENTS = """
subscription Board($processId: ID!) {
  boardEvents(processId: $processId) {
    cursor kind dealId
    deal { id name value probability forecastValue stage { name } owner { name } taskStatus }
    columns { stage { name } dealCount totalValue forecastValue }
  }
}
"""
STEP = """
mutation Step($deal: ID!, $step: ID!) { %s(input: {dealId: $deal, stepId: $step}) {
  deal { probability } errors { code } } }
"""
PEER_EVENTS = "subscription { board { n t } }"


class Subscriber:
    """One subscribed socket, read from then on by an `ArrivalClock`: the arrival time
    of every event, in order."""

    def __init__(self, ws: ClientConnection) -> None:
        self.clock = ArrivalClock()
        self.clock.take_over(ws.transport)
        self.arrivals = self.clock.arrivals

    @property
    def close_code(self) -> int | None:
        return self.clock.close_code

    def close(self) -> None:
        self.clock.close()


# Sockets the client opens and subscribes at once. With ten thousand opened at once,
# the client itself took seconds to get from a socket's handshake to its
# `connection_init`, and the peer closed some with 4408 (graphql-ws waits 3 s for it).
CONNECTING_AT_ONCE = 500


async def subscribe(
    url: str,
    token: str | None,
    query: str,
    variables: dict[str, Any],
    gate: asyncio.Semaphore | None = None,
) -> Subscriber:
    """One socket subscribed to `query`; `gate` bounds how many are being opened and
    subscribed at once."""
    async with gate or contextlib.nullcontext():
        return await _subscribe(url, token, query, variables)


async def _subscribe(
    url: str, token: str | None, query: str, variables: dict[str, Any]
) -> Subscriber:
    protocol = Subprotocol("graphql-transport-ws")
    # Thousands of sockets open at once: a server answers their handshakes in turn, for
    # seconds (websockets' own limit is 10 s). The benchmark measures delivery. No
    # pings of the client's own: once subscribed, the socket is read by the clock.
    ws = await connect(
        url,
        subprotocols=[protocol],
        compression=None,
        max_queue=None,
        open_timeout=60,
        ping_interval=None,
    )
    init: dict[str, Any] = {"type": "connection_init"}
    if token:
        init["payload"] = {"authorization": f"Bearer {token}"}
    await ws.send(json.dumps(init))
    while json.loads(await ws.recv())["type"] != "connection_ack":
        pass
    payload = {"query": query, "variables": variables}
    await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": payload}))
    return Subscriber(ws)


def everyone_has(subscribers: list[Subscriber], count: int) -> Callable[[], bool]:
    return lambda: all(len(s.arrivals) >= count for s in subscribers)


async def delivered(subscribers: list[Subscriber], count: int, limit: float = 30) -> None:
    """Wait until every subscriber has `count` events; say who has not, and why, if
    they do not within `limit` seconds."""
    if await wait_until(everyone_has(subscribers, count), limit):
        return
    behind = [s for s in subscribers if len(s.arrivals) < count]
    closed = [s.close_code for s in behind if s.close_code is not None]
    raise RuntimeError(
        f"{len(behind)} of {len(subscribers)} subscribers lack event {count} after "
        f"{limit} s (fewest events: {min(len(s.arrivals) for s in behind)}; closed: "
        f"{len(closed)}, codes {sorted(set(closed))})"
    )


async def registered(http: httpx.AsyncClient, servers: list[Server], count: int) -> None:
    """Until the servers hold `count` board subscriptions (their `/metrics`): a
    graphql-transport-ws `subscribe` is not acknowledged, and a subscription registered
    after an event (without a cursor) rightly never gets it. Thousands of sockets
    subscribing at once take the servers seconds; the peer registers as it reads."""
    prefix = 'dealflow_subscriptions_active{kind="boardEvents"}'
    deadline = time.perf_counter() + 120
    while True:
        held = 0.0
        for server in servers:
            metrics = (await http.get(f"{server.base_url}/metrics")).text
            held += sum(
                float(line.rsplit(" ", 1)[1])
                for line in metrics.splitlines()
                if line.startswith(prefix)
            )
        if held >= count:
            return
        if time.perf_counter() > deadline:
            raise RuntimeError(f"{held:.0f} of {count} subscriptions registered after 120 s")
        await asyncio.sleep(0.1)


async def measure(
    subscribe_all: Callable[[], Awaitable[list[Subscriber]]],
    trigger: Callable[[int], Awaitable[None]],
    pids: list[int],
    events: int,
    ready: Callable[[int], Awaitable[None]] | None = None,
) -> dict[str, Any]:
    await trigger(0)  # warm up the mutation path
    await asyncio.sleep(0.5)
    before = rss_kb(pids)
    subscribers = await subscribe_all()
    if ready is not None:
        await ready(len(subscribers))
    await asyncio.sleep(2.0)
    after = rss_kb(pids)
    await trigger(1)  # warm up the event path (every subscriber's first event)
    await delivered(subscribers, 1)
    with quiet_collector():
        timed = await _timed_events(subscribers, trigger, events, pids)
    for s in subscribers:
        s.close()
    return {
        "subscribers": len(subscribers),
        "p50_ms": round(statistics.median(timed.delays), 1),
        "p99_ms": round(statistics.quantiles(timed.delays, n=100)[98], 1),
        "events_per_s": round(events / timed.burst_seconds, 1),
        "kb_per_subscriber": round((after - before) / len(subscribers), 1),
        "cpu_ms_per_event": round(timed.spaced_cpu.servers * 1000 / events, 1),
        "burst_cpu_ms_per_event": round(timed.burst_cpu.servers * 1000 / events, 1),
        "client_cpu_ms_per_event": round(timed.spaced_cpu.client * 1000 / events, 1),
    }


@contextlib.contextmanager
def quiet_collector() -> Iterator[None]:
    """The client's own garbage collector held off while it times arrivals. With 10,000
    sockets the client holds millions of objects, and a full collection of them, which
    its reading of 10,000 frames an event starts now and then, stopped it for 0.5-1.1 s:
    every frame of that event then looked 0.6 s late, whichever server sent it, and
    those events set both setups' p99 by chance. What is alive now is frozen out of
    the collector's walks, and it does not run until the measurements are over."""
    gc.collect()
    gc.freeze()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
        gc.unfreeze()


@dataclass(frozen=True)
class CpuUsed:
    """CPU seconds (user and system) the servers and the client used over a span."""

    servers: float
    client: float


class CpuClock:
    """The servers' and the client's CPU time over the spans it times (`timing`), added up.

    CPU time is what a stall of the machine does not add to: a process that is
    descheduled, or waits for a core the other holds, uses none meanwhile, whereas each
    of its late frames counts in the delays. Only the spans count, not the pauses
    between spaced events (idle servers still use some: timers, collections). The
    kernel charges CPU time a clock tick (10 ms) at a time to the process running at
    the tick: over many spans the sum is a fair sample, good to about 1 ms an event
    over 20 (each span's reading is off by up to a tick, at random). The spans include
    the mutation's own handling: a database write for ours, next to nothing for the
    peer's."""

    def __init__(self, pids: list[int]) -> None:
        self.pids = pids
        self.servers = self.client = 0.0

    @contextlib.contextmanager
    def timing(self) -> Iterator[None]:
        servers, client = self._servers(), own_cpu_seconds()
        yield
        self.servers += self._servers() - servers
        self.client += own_cpu_seconds() - client

    def _servers(self) -> float:
        return sum(cpu_seconds(pid) for pid in self.pids)

    def used(self) -> CpuUsed:
        return CpuUsed(self.servers, self.client)


@dataclass(frozen=True)
class Timed:
    """Each spaced event's delay to every subscriber (ms), how long the burst took to
    reach everyone (s), and the CPU each part used."""

    delays: list[float]
    burst_seconds: float
    spaced_cpu: CpuUsed
    burst_cpu: CpuUsed


async def _timed_events(
    subscribers: list[Subscriber],
    trigger: Callable[[int], Awaitable[None]],
    events: int,
    pids: list[int],
) -> Timed:
    """Each event's delay to every subscriber, the events sent apart; then how long a
    burst of as many back-to-back events takes to reach everyone; and the CPU time the
    servers and the client used in each, from the first mutation sent to the last frame
    arrived (the spaced events' pauses left out)."""
    delays: list[float] = []
    spaced = CpuClock(pids)
    for index in range(events):
        await asyncio.sleep(SPACING)
        expected = len(subscribers[0].arrivals) + 1
        with spaced.timing():
            await trigger(index)
            responded = time.perf_counter()
            await delivered(subscribers, expected)
        delays += [(s.arrivals[expected - 1] - responded) * 1000 for s in subscribers]
    await asyncio.sleep(SPACING)
    expected = len(subscribers[0].arrivals) + events
    burst = CpuClock(pids)
    with burst.timing():
        started = time.perf_counter()
        for index in range(events):
            await trigger(index)
        await delivered(subscribers, expected, 120)
        burst_seconds = time.perf_counter() - started
    return Timed(delays, burst_seconds, spaced.used(), burst.used())


async def seed(settings: Settings) -> dict[str, Any]:
    """A workspace, a manager and ten salespeople with tokens, a public deal to change."""
    await migrate(config=tortoise_config(settings))
    await Tortoise.close_connections()
    await open_orm(tortoise_config(settings))
    team = await bench_team("Fanout", 10)
    workspace, tree, manager, sellers = team.workspace, team.tree, team.manager, team.sellers
    process = tree.row
    users = [manager, *sellers]
    deals = await seed_deals(
        workspace.id,
        tree,
        [DealSeed(name="Watched", owner_id=manager.id, is_public=True)]
        + [
            DealSeed(name=f"Deal {i}", owner_id=users[i % len(users)].id, is_public=i % 3 == 0)
            for i in range(50)
        ],
        now_utc(),
    )
    ttl = timedelta(hours=2)
    result = {
        "process": global_id("Process", process.id),
        "deal": global_id("Deal", deals[0].id),
        "step": global_id("Step", tree.stages[0].steps[0].row.id),
        "manager": (await auth.issue_token(manager, ttl))[0],
        "sellers": [(await auth.issue_token(s, ttl))[0] for s in sellers],
    }
    await Tortoise.close_connections()
    return result


def pids_of(servers: list[Server]) -> list[int]:
    return [server.pid for server in servers]


async def ours(setup: str, counts: list[int], events: int) -> list[dict[str, Any]]:
    rows = []
    async with fresh_database(setup.startswith("2")) as url:
        two = setup.startswith("2")
        settings = Settings().replace(database_url=url, broadcast_url=REDIS if two else "memory://")
        data = await seed(settings)
        async with contextlib.AsyncExitStack() as stack:
            servers = [
                await stack.enter_async_context(
                    dealflow_server(
                        DATABASE_URL=url,
                        BROADCAST_URL=settings.broadcast_url,
                        DB_POOL_MAX="20",
                        # Hundreds of sockets per user: a load test, not a person.
                        RATE_LIMITS="false",
                    )
                )
                for _ in range(2 if two else 1)
            ]
            http = await stack.enter_async_context(httpx.AsyncClient(timeout=30))
            headers = {"authorization": f"Bearer {data['manager']}"}

            done = [False]  # the step's state: every trigger flips it, so each makes an event

            async def trigger(index: int) -> None:
                name = "uncompleteStep" if done[0] else "completeStep"
                done[0] = not done[0]
                body = {
                    "query": STEP % name,
                    "variables": {"deal": data["deal"], "step": data["step"]},
                }
                response = await http.post(servers[0].http_url, json=body, headers=headers)
                assert "errors" not in response.json(), response.text

            for count in counts:

                async def subscribe_all(count: int = count) -> list[Subscriber]:
                    tokens = [
                        data["manager"] if i % 3 == 0 else data["sellers"][i % 10]
                        for i in range(count)
                    ]
                    variables = {"processId": data["process"]}
                    gate = asyncio.Semaphore(CONNECTING_AT_ONCE)
                    return list(
                        await asyncio.gather(
                            *(
                                subscribe(
                                    servers[i % len(servers)].ws_url,
                                    tokens[i],
                                    BOARD_EVENTS,
                                    variables,
                                    gate,
                                )
                                for i in range(count)
                            )
                        )
                    )

                rows.append(
                    {
                        "setup": setup,
                        **await measure(
                            subscribe_all,
                            trigger,
                            pids_of(servers),
                            events,
                            lambda count: registered(http, servers, count),
                        ),
                    }
                )
                print(rows[-1], flush=True)
                await asyncio.sleep(1)
    return rows


async def peer(counts: list[int], events: int) -> list[dict[str, Any]]:
    if not (PEER / "node_modules").exists():
        install = ["npm", "install", "--prefix", str(PEER), "--no-audit", "--no-fund"]
        await asyncio.to_thread(subprocess.run, install, check=True)
    port = free_port()
    process = await asyncio.create_subprocess_exec("node", str(PEER / "server.mjs"), str(port))
    rows = []
    try:
        async with httpx.AsyncClient(timeout=30) as http:
            url = f"http://127.0.0.1:{port}/graphql"
            for _ in range(200):
                with contextlib.suppress(httpx.TransportError):
                    await http.post(url, json={"query": "{ hello }"})
                    break
                await asyncio.sleep(0.05)

            async def trigger(index: int) -> None:
                await http.post(url, json={"query": f"mutation {{ ping(n: {index}) }}"})

            for count in counts:

                async def subscribe_all(count: int = count) -> list[Subscriber]:
                    ws_url = f"ws://127.0.0.1:{port}/graphql"
                    gate = asyncio.Semaphore(CONNECTING_AT_ONCE)
                    return list(
                        await asyncio.gather(
                            *(subscribe(ws_url, None, PEER_EVENTS, {}, gate) for _ in range(count))
                        )
                    )

                rows.append(
                    {
                        "setup": "peer",
                        **await measure(subscribe_all, trigger, [process.pid], events),
                    }
                )
                print(rows[-1], flush=True)
                await asyncio.sleep(1)
    finally:
        process.terminate()
        await process.wait()
    return rows


def table(rows: list[dict[str, Any]]) -> str:
    lines = [
        "| setup | subscribers | p50 ms | p99 ms | events/s | KB per subscriber "
        "| p99 / peer | events/s / peer "
        "| server CPU ms per event (burst) | CPU / peer | client CPU ms per event |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in rows:
        keys = ("ratio_p99_to_peer", "ratio_events_per_s_to_peer", "ratio_cpu_to_peer")
        p99, through, cpu = ("" if r.get(k) is None else f"{r[k]}x" for k in keys)
        lines.append(
            f"| {r['setup']} | {r['subscribers']:,} | {r['p50_ms']} | {r['p99_ms']} | "
            f"{r['events_per_s']} | {r['kb_per_subscriber']} | {p99} | {through} | "
            f"{r.get('cpu_ms_per_event', '')} ({r.get('burst_cpu_ms_per_event', '')}) | "
            f"{cpu} | {r.get('client_cpu_ms_per_event', '')} |"
        )
    return "\n".join(lines)


async def run_setup(setup: str, counts: list[int], events: int) -> list[dict[str, Any]]:
    if setup == "peer":
        return await peer(counts, events)
    return await ours(setup, counts, events)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--subscribers", default="100,1000")
    parser.add_argument("--large", type=int, default=10_000)
    parser.add_argument("--events", type=int, default=20)
    parser.add_argument("--setups", default="peer,1 process memory,2 processes redis")
    parser.add_argument("--rows-to", help=argparse.SUPPRESS)  # one setup, rows as JSON
    args = parser.parse_args()
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    if args.rows_to:
        rows = asyncio.run(run_setup(args.setups, _counts(args.subscribers), args.events))
        Path(args.rows_to).write_text(json.dumps(rows))
        return
    rows = []
    for setup in args.setups.split(","):
        counts = args.subscribers
        if args.large and setup in LARGE_SETUPS:
            counts += f",{args.large}"
        # One process per setup: Tortoise keeps per-dialect SQL on the models.
        with tempfile.NamedTemporaryFile(suffix=".json") as out:
            command = [sys.executable, "-m", "bench.fanout", "--setups", setup]
            command += ["--subscribers", counts, "--events", str(args.events)]
            subprocess.run([*command, "--rows-to", out.name], check=True)
            rows += json.loads(Path(out.name).read_text())
    peers = {r["subscribers"]: r for r in rows if r["setup"] == "peer"}
    for r in rows:
        peer_row = peers.get(r["subscribers"])
        if peer_row is not None:
            r["ratio_p99_to_peer"] = round(r["p99_ms"] / peer_row["p99_ms"], 2)
            r["ratio_events_per_s_to_peer"] = round(r["events_per_s"] / peer_row["events_per_s"], 2)
            if peer_row["cpu_ms_per_event"]:
                r["ratio_cpu_to_peer"] = round(
                    r["cpu_ms_per_event"] / peer_row["cpu_ms_per_event"], 2
                )
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(rows, indent=2) + "\n")
    print(table(rows))


def _counts(raw: str) -> list[int]:
    return [int(c) for c in raw.split(",")]


if __name__ == "__main__":
    main()
