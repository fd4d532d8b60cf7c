"""`dealflow serve` in processes of their own, for tests that need several servers, or
a server to kill, stop or cut off from the database."""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import sys
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from server.settings import Settings


@dataclass(frozen=True)
class Server:
    http_url: str
    ws_url: str
    process: asyncio.subprocess.Process
    log: Path  # what the server wrote (uvicorn's log and ours)

    @property
    def pid(self) -> int:
        return self.process.pid

    @property
    def base_url(self) -> str:
        return self.http_url.removesuffix("/graphql")

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")


def env_of(settings: Settings, **more: str) -> dict[str, str]:
    """The environment of a `dealflow serve` on the test's database and bus."""
    return {
        "DATABASE_URL": settings.database_url,
        "BROADCAST_URL": settings.broadcast_url,
        "STORAGE_DIR": settings.storage_dir,
        **more,
    }


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


async def wait_until_ready(base_url: str, attempts: int = 300) -> None:
    """Until `/readyz` answers 200 (15 s at most)."""
    async with httpx.AsyncClient() as http:
        for _ in range(attempts):
            with contextlib.suppress(httpx.TransportError):
                if (await http.get(f"{base_url}/readyz")).status_code == 200:
                    return
            await asyncio.sleep(0.05)
    raise RuntimeError(f"{base_url} did not become ready")


@asynccontextmanager
async def dealflow_server(*args: str, log: Path | None = None, **env: str) -> AsyncIterator[Server]:
    """`dealflow serve` on a free port, ready; stopped (if it still runs) on leaving. Its
    output goes to `log` when given (appended), else to a file of its own for the
    server's life."""
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="dealflow-server-") as folder:
        log = log or Path(folder) / "server.log"
        with log.open("ab") as output:
            process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "server.cli",
                "serve",
                "--port",
                str(port),
                *args,
                env={**os.environ, **env},
                stdout=output,
                stderr=output,
            )
        try:
            await wait_until_ready(f"http://127.0.0.1:{port}")
            yield Server(
                f"http://127.0.0.1:{port}/graphql",
                f"ws://127.0.0.1:{port}/graphql",
                process,
                log,
            )
        finally:
            await stop(process)


async def stop(process: asyncio.subprocess.Process, grace: float = 20) -> None:
    """SIGTERM, and SIGKILL if it has not exited within `grace` seconds."""
    if process.returncode is None:
        with contextlib.suppress(ProcessLookupError):
            process.terminate()
        try:
            await asyncio.wait_for(process.wait(), grace)
        except TimeoutError:
            process.kill()
    await process.wait()
