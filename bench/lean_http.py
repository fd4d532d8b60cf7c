"""A lean HTTP/1.1 client for timing a server: one kept-alive connection, each request
written as bytes, each response parsed by httptools (uvicorn's parser, in C).

Why not httpx: it is a pure-Python client, and in `bench/board.py` it spent some 2 ms
of the benchmark process's CPU on every board request (2.7 ms against this client's
0.65 ms, JSON decoding included in both), some 15-20% of the board's median. That is
the instrument's time, not the server's, and the SQL lower bound it is compared with
pays nothing like it (asyncpg's protocol is C). The board benchmark times both clients
side by side and reports both.
"""

from __future__ import annotations

import asyncio
from types import TracebackType
from urllib.parse import urlsplit

import httptools


class _Response:
    """httptools' callbacks: the status, whether the connection stays open (read when
    the headers are in: the parser forgets it once the message is complete), the body's
    parts, and whether the message is complete."""

    def __init__(self) -> None:
        self.parser = httptools.HttpResponseParser(self)
        self.status = 0
        self.keep_alive = False
        self.parts: list[bytes] = []
        self.complete = False

    def on_headers_complete(self) -> None:
        self.status = self.parser.get_status_code()
        self.keep_alive = self.parser.should_keep_alive()

    def on_body(self, body: bytes) -> None:
        self.parts.append(body)

    def on_message_complete(self) -> None:
        self.complete = True


class LeanHTTP:
    """POSTs to one URL over one connection, opened on entry (and again if the server
    closed it while idle: a kept-alive connection may be closed between two requests)."""

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        assert parts.scheme == "http" and parts.hostname and parts.port, url
        self.host, self.port = parts.hostname, parts.port
        self.target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        self._streams: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None

    async def __aenter__(self) -> LeanHTTP:
        await self._open()
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        await self._close()

    async def _open(self) -> None:
        self._streams = await asyncio.open_connection(self.host, self.port)

    async def _close(self) -> None:
        if self._streams is not None:
            _, writer = self._streams
            self._streams = None
            writer.close()
            await writer.wait_closed()

    async def post(self, body: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
        """The status and body of a POST of `body` (JSON) with `headers`."""
        head = (
            f"POST {self.target} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
            + "".join(f"{name}: {value}\r\n" for name, value in headers.items())
            + "\r\n"
        ).encode("latin-1")
        answered = await self._exchange(head + body)
        if answered is None:  # closed while idle: once more on a new connection
            await self._close()
            await self._open()
            answered = await self._exchange(head + body)
        if answered is None:
            raise ConnectionError("the server closed the connection without answering")
        return answered

    async def _exchange(self, request: bytes) -> tuple[int, bytes] | None:
        """The response to `request`; None if the connection ended before any of it."""
        assert self._streams is not None
        reader, writer = self._streams
        writer.write(request)
        response = _Response()
        received = False
        while not response.complete:
            try:
                data = await reader.read(1 << 16)
            except ConnectionResetError:
                data = b""
            if not data:
                if not received:
                    return None
                raise ConnectionError("the connection ended inside a response")
            received = True
            response.parser.feed_data(data)
        if not response.keep_alive:
            await self._close()
            await self._open()
        return response.status, b"".join(response.parts)
