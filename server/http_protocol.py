"""The HTTP protocol `dealflow serve` gives uvicorn: uvicorn's own (httptools), except
that a connection upgraded to a WebSocket lets go of it at once.

uvicorn's protocol and its httptools parser refer to each other (the parser calls the
protocol back), so once the connection is handed to the WebSocket protocol the pair is
garbage only the cycle collector can free: some 3 KB per socket, with their request's
headers. The server raises the collector's thresholds (`server.gc_tuning`), so after a
thousand clients connect at once those thousands of pairs stay until a full collection,
and the memory they held stays with the process, fragmented among the sockets' own
objects: some 5 KB per idle subscriber in `bench/fanout.py`'s one-process setup (49 →
44.5 KB with the cycle broken). Dropping the parser on upgrade breaks the cycle, so each pair
is freed as soon as its socket has taken over.
"""

from __future__ import annotations

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol


class UpgradeReleasingHttpTools(HttpToolsProtocol):
    """uvicorn's httptools protocol, with no cycle left behind by an upgrade."""

    def handle_websocket_upgrade(self) -> None:
        super().handle_websocket_upgrade()
        # The transport now feeds the WebSocket protocol: nothing reads this parser again.
        del self.parser


HTTP_PROTOCOL = "server.http_protocol:UpgradeReleasingHttpTools"
