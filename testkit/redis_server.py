"""A Redis of the test's own, on a free port, for tests that stop and start the bus: the
machine's shared Redis is never touched."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from testkit.servers import free_port


class PrivateRedis:
    """`redis-server` without persistence, started and stopped by the test (by its own
    process, never by a command sent to some Redis)."""

    def __init__(self) -> None:
        self.port = free_port()
        self._process: asyncio.subprocess.Process | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}"

    async def start(self) -> None:
        self._process = await asyncio.create_subprocess_exec(
            "redis-server",
            "--bind",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--save",
            "",
            "--appendonly",
            "no",
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
        )
        for _ in range(200):
            if await self.answers():
                return
            await asyncio.sleep(0.05)
        raise RuntimeError("the private redis-server did not start")

    async def stop(self) -> None:
        process, self._process = self._process, None
        if process is not None and process.returncode is None:
            process.kill()
            await process.wait()

    async def answers(self) -> bool:
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
        except OSError:
            return False
        try:
            writer.write(b"PING\r\n")
            await writer.drain()
            return await asyncio.wait_for(reader.readline(), 1) == b"+PONG\r\n"
        except (OSError, TimeoutError):
            return False
        finally:
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()


@contextlib.asynccontextmanager
async def private_redis() -> AsyncIterator[PrivateRedis]:
    redis = PrivateRedis()
    await redis.start()
    try:
        yield redis
    finally:
        await redis.stop()
