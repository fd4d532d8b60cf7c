"""A TCP proxy the test controls, between a server under test and a real service: an
outage without touching the service itself (the machine's PostgreSQL is shared)."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct
from collections.abc import AsyncIterator

from testkit.servers import free_port


class TcpProxy:
    """Forwards 127.0.0.1:`port` to `target`. `refuse()` stops listening (new
    connections are refused) and resets every connection it carries; `restore()`
    listens again on the same port."""

    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.port = free_port()
        self._listener: asyncio.Server | None = None
        self._links: set[asyncio.Task[None]] = set()
        self._writers: set[asyncio.StreamWriter] = set()

    async def restore(self) -> None:
        if self._listener is None:
            self._listener = await asyncio.start_server(self._link, "127.0.0.1", self.port)

    async def refuse(self) -> None:
        if self._listener is not None:
            self._listener.close()
            self._listener = None
        for writer in list(self._writers):
            _reset(writer)
        if self._links:  # each ends as its sockets are gone
            await asyncio.wait(list(self._links))

    async def _link(
        self, client_reader: asyncio.StreamReader, client: asyncio.StreamWriter
    ) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._links.add(task)
        self._writers.add(client)
        service: asyncio.StreamWriter | None = None
        try:
            service_reader, service = await asyncio.open_connection(*self.target)
            self._writers.add(service)
            await asyncio.gather(_pipe(client_reader, service), _pipe(service_reader, client))
        except OSError:
            pass
        finally:
            for writer in (client, service):
                if writer is not None:
                    self._writers.discard(writer)
                    writer.close()
            self._links.discard(task)


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    with contextlib.suppress(OSError):
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    with contextlib.suppress(OSError):
        writer.write_eof()


def _reset(writer: asyncio.StreamWriter) -> None:
    """Close with a TCP reset, as a crashed host or a failover does, not a polite FIN."""
    sock = writer.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()


@contextlib.asynccontextmanager
async def tcp_proxy(target_host: str, target_port: int) -> AsyncIterator[TcpProxy]:
    proxy = TcpProxy(target_host, target_port)
    await proxy.restore()
    try:
        yield proxy
    finally:
        await proxy.refuse()
