"""The board benchmark's lean client (`bench.lean_http`): one kept-alive connection,
opened again when the server closed it while idle or said it would, and an error, not a
wrong answer, when a response is cut short. Against small servers whose behaviour each
test sets."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import pytest

from bench.lean_http import LeanHTTP

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter, int], Awaitable[None]]


async def read_request(reader: asyncio.StreamReader) -> tuple[str, bytes]:
    head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1")
    length = next(
        int(line.split(":", 1)[1])
        for line in head.split("\r\n")
        if line.lower().startswith("content-length:")
    )
    return head, await reader.readexactly(length)


def response(body: bytes, *headers: str) -> bytes:
    lines = ["HTTP/1.1 200 OK", f"content-length: {len(body)}", *headers]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


@asynccontextmanager
async def serving(handler: Handler) -> AsyncIterator[str]:
    """A server on a free port running `handler` on each connection (numbered from 1);
    its URL."""
    connections = 0

    async def accept(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal connections
        connections += 1
        try:
            await handler(reader, writer, connections)
        except (asyncio.IncompleteReadError, ConnectionError):
            pass  # the client went away
        finally:
            writer.close()

    server = await asyncio.start_server(accept, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}/graphql"
    finally:
        server.close()
        await server.wait_closed()


def echoing(heads: list[str], close_after: bool = False, say_close: bool = False) -> Handler:
    """Answers each request with its body and the connection's number; closes the
    connection after each answer (`close_after`), saying so first (`say_close`)."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, n: int) -> None:
        while True:
            head, body = await read_request(reader)
            heads.append(head)
            extra = ("connection: close",) if say_close else ()
            writer.write(response(b"%d:" % n + body, *extra))
            await writer.drain()
            if close_after or say_close:
                return

    return handle


async def test_requests_share_one_connection_and_carry_their_headers() -> None:
    heads: list[str] = []
    async with serving(echoing(heads)) as url, LeanHTTP(url) as client:
        first = await client.post(b'{"a":1}', {"authorization": "Bearer x"})
        second = await client.post(b'{"b":2}', {"authorization": "Bearer y"})
    assert first == (200, b'1:{"a":1}') and second == (200, b'1:{"b":2}')
    assert heads[0].startswith("POST /graphql HTTP/1.1\r\n")
    assert "authorization: Bearer x" in heads[0] and "authorization: Bearer y" in heads[1]


@pytest.mark.parametrize("say_close", [False, True])
async def test_a_connection_the_server_closed_is_opened_again(say_close: bool) -> None:
    heads: list[str] = []
    handler = echoing(heads, close_after=True, say_close=say_close)
    async with serving(handler) as url, LeanHTTP(url) as client:
        answers = [await client.post(b"%d" % i, {}) for i in range(3)]
    assert answers == [(200, b"1:0"), (200, b"2:1"), (200, b"3:2")]
    assert len(heads) == 3  # each request sent once


async def test_a_response_cut_short_is_an_error() -> None:
    async def cut(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, _: int) -> None:
        await read_request(reader)
        writer.write(response(b"0123456789")[:-4])
        await writer.drain()

    async with serving(cut) as url, LeanHTTP(url) as client:
        with pytest.raises(ConnectionError, match="inside a response"):
            await client.post(b"{}", {})
