"""Security headers on every HTTP answer, whatever route or error produced it.

JSON and files get a policy that loads nothing (`default-src 'none'`): a file served
from `/files/` can never run as a page of ours. The HTML pages (the board, GraphiQL)
set their own policy (`server.web_app`); any other page may load from this origin
only. HSTS is sent only on answers that went out over TLS (the scheme a trusted proxy
forwarded counts)."""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import Message, Receive, Scope, Send

from server.http_only import HTTPOnly

ALWAYS = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
}
NOTHING_POLICY = "default-src 'none'; frame-ancestors 'none'"
PAGE_POLICY = "default-src 'self'; frame-ancestors 'none'"
HSTS = "max-age=31536000; includeSubDomains"


class SecurityHeaders(HTTPOnly):
    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in ALWAYS.items():
                    headers.setdefault(name, value)
                page = headers.get("content-type", "").startswith("text/html")
                headers.setdefault(
                    "content-security-policy", PAGE_POLICY if page else NOTHING_POLICY
                )
                if scope.get("scheme") == "https":
                    headers.setdefault("strict-transport-security", HSTS)
            await send(message)

        await self.app(scope, receive, send_with_headers)
