"""`dealflow serve` in processes of their own, for tests that need several servers."""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx


@dataclass(frozen=True)
class Server:
    http_url: str
    ws_url: str
    pid: int


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@asynccontextmanager
async def dealflow_server(*args: str, log: Path | None = None, **env: str) -> AsyncIterator[Server]:
    """`dealflow serve` on a free port, once it answers `/readyz`; its output goes to
    `log` when given (appended), else nowhere."""
    port = free_port()
    with contextlib.ExitStack() as files:
        output = files.enter_context(log.open("ab")) if log is not None else None
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "server.cli",
            "serve",
            "--port",
            str(port),
            *args,
            env={**os.environ, **env},
            stdout=output or asyncio.subprocess.DEVNULL,
            stderr=output or asyncio.subprocess.DEVNULL,
        )
        try:
            async with httpx.AsyncClient() as http:
                for _ in range(300):
                    with contextlib.suppress(httpx.TransportError):
                        if (await http.get(f"http://127.0.0.1:{port}/readyz")).status_code == 200:
                            break
                    await asyncio.sleep(0.05)
                else:
                    raise RuntimeError("the server did not start")
            yield Server(
                f"http://127.0.0.1:{port}/graphql", f"ws://127.0.0.1:{port}/graphql", process.pid
            )
        finally:
            process.terminate()
            await process.wait()
