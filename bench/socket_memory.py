"""Where an idle subscriber's memory goes: the Python objects one open board
subscription keeps in the server, by tracemalloc.

    .venv/bin/python -m bench.socket_memory [--sockets 1000] [--top 25]

Serves the app in this process as `dealflow serve` does (uvicorn with the same
protocols, no proxy headers, no compression, uvloop when installed), on SQLite and
`memory://`, seeded as `bench.fanout` seeds it. A client in a process of its own (so
that none of its allocations count) opens a few warm-up subscriptions, then `--sockets`
more, a mix of managers and salespeople as in the benchmark. The live Python
allocations are compared before and after those sockets (each after a full collection,
so only what is reachable counts): the kilobytes per socket, the sites that allocated
them, and the objects by type.

`bench.fanout`'s figure is the growth of the process's resident memory, which also holds
the allocator's fragmentation and what C code (the loop's transports, the kernel's
buffers are not in it) allocates; this one names what Python keeps, to find what can go.
Nothing is written to `bench/results`: it is a tool for looking, not a benchmark.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import gc
import json
import sys
import tracemalloc
import types
from collections.abc import Callable, Coroutine
from typing import Any

import uvicorn

from bench.databases import fresh_database
from bench.fanout import BOARD_EVENTS, seed, subscribe
from bench.waiting import wait_until
from server.app import create_app
from server.going_away import WS_PROTOCOLS
from server.http_protocol import HTTP_PROTOCOL
from server.settings import Settings
from testkit.live import subscribed

WARM_UP = 30  # first subscriptions: what the first of their kind builds once


async def client(url: str, tokens: list[str], variables: dict[str, Any]) -> None:
    """Subscribe once per token; say so on stdout; hold the sockets until stdin ends."""
    sockets = await asyncio.gather(*(subscribe(url, t, BOARD_EVENTS, variables) for t in tokens))
    print("subscribed", flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
    for socket in sockets:
        socket.close()


async def open_sockets(
    url: str, tokens: list[str], variables: dict[str, Any]
) -> asyncio.subprocess.Process:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bench.socket_memory",
        "--client",
        json.dumps({"url": url, "tokens": tokens, "variables": variables}),
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
    )
    assert process.stdout is not None
    line = await process.stdout.readline()
    if line.strip() != b"subscribed":
        raise RuntimeError(f"the client did not subscribe: {line!r}")
    return process


def live_types() -> collections.Counter[str]:
    """Bytes of every object the collector tracks, by type (coroutines and generators by
    their function too)."""
    sizes: collections.Counter[str] = collections.Counter()
    for thing in gc.get_objects():
        kind = type(thing)
        name = f"{kind.__module__}.{kind.__qualname__}"
        if isinstance(thing, types.CoroutineType | types.AsyncGeneratorType | types.GeneratorType):
            name += f" {thing.__qualname__}"
        sizes[name] += sys.getsizeof(thing)
    return sizes


async def measure(count: int, top: int, frames: int) -> None:
    async with fresh_database(False) as url:
        settings = Settings().replace(
            database_url=url, broadcast_url="memory://", rate_limits=False
        )
        data = await seed(settings)
        app = create_app(settings)
        config = uvicorn.Config(
            app,
            host="127.0.0.1",
            port=0,
            http=HTTP_PROTOCOL,
            ws=WS_PROTOCOLS["auto"],
            ws_per_message_deflate=False,
            proxy_headers=False,
            log_level="warning",
            access_log=False,
        )
        server = uvicorn.Server(config)
        serving = asyncio.create_task(server.serve())
        while not server.started:
            if serving.done():
                serving.result()
                raise RuntimeError("uvicorn did not start")
            await asyncio.sleep(0.01)
        port = server.servers[0].sockets[0].getsockname()[1]
        ws_url = f"ws://127.0.0.1:{port}/graphql"
        variables = {"processId": data["process"]}

        def tokens(n: int) -> list[str]:
            return [data["manager"] if i % 3 == 0 else data["sellers"][i % 10] for i in range(n)]

        clients = [await open_sockets(ws_url, tokens(WARM_UP), variables)]
        feeds = app.state.live.hub.feeds
        if not await wait_until(lambda: bool(feeds), 30):
            raise RuntimeError("no subscription was registered")
        workspace_id = next(iter(feeds))
        await subscribed(app, workspace_id, WARM_UP, 30)
        tracemalloc.start(frames)
        await asyncio.sleep(1)
        gc.collect()
        types_before = live_types()
        before = tracemalloc.take_snapshot()
        clients.append(await open_sockets(ws_url, tokens(count), variables))
        await subscribed(app, workspace_id, WARM_UP + count, 120)
        await asyncio.sleep(2)
        gc.collect()
        types_after = live_types()
        after = tracemalloc.take_snapshot()
        tracemalloc.stop()

        grown = sum(s.size_diff for s in after.compare_to(before, "filename"))
        print(f"{count} sockets: {grown / count / 1024:.2f} KB of live Python allocations each")
        print("\nBy site (bytes per socket):")
        for stat in after.compare_to(before, "traceback" if frames > 1 else "lineno")[:top]:
            print(f"  {stat.size_diff / count:8.0f}  ", end="")
            print("\n            ".join(f"{f.filename}:{f.lineno}" for f in stat.traceback))
        print("\nBy type, objects the collector tracks (bytes per socket):")
        types_after.subtract(types_before)
        for name, size in types_after.most_common(top):
            print(f"  {size / count:8.0f}  {name}")
        for process in clients:
            assert process.stdin is not None
            process.stdin.close()
            await process.wait()
        server.should_exit = True
        await serving


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sockets", type=int, default=1000)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument(
        "--frames", type=int, default=1, help="sites as tracebacks this deep (1: lines)"
    )
    parser.add_argument("--client", help=argparse.SUPPRESS)
    args = parser.parse_args()
    run: Callable[[Coroutine[Any, Any, None]], None] = asyncio.run
    with contextlib.suppress(ImportError):
        import uvloop

        run = uvloop.run
    if args.client:
        spec = json.loads(args.client)
        run(client(spec["url"], spec["tokens"], spec["variables"]))
    else:
        run(measure(args.sockets, args.top, args.frames))


if __name__ == "__main__":
    main()
