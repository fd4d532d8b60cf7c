"""A cap on request bodies, so that no client can make the server parse megabytes of
JSON (variables are not counted by the query token limit)."""

from __future__ import annotations

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from resolvers.errors import ErrorCode
from server.http_only import HTTPOnly


class BodyTooLarge(Exception):
    pass


class BodySizeLimit(HTTPOnly):
    """Answer 413 to an HTTP request whose body is larger than `max_bytes` (for multipart
    uploads, `max_multipart_bytes`).

        The declared Content-Length is checked first; a chunked body is counted as it
        arrives, so a lying or missing length does not get past the cap either.
    """

    def __init__(self, app: ASGIApp, max_bytes: int, max_multipart_bytes: int) -> None:
        super().__init__(app)
        self.max_bytes = max_bytes
        self.max_multipart_bytes = max_multipart_bytes

    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = dict(scope["headers"])
        multipart = headers.get(b"content-type", b"").startswith(b"multipart/")
        limit = self.max_multipart_bytes if multipart else self.max_bytes
        declared = headers.get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await self._refuse(scope, receive, send, limit)
            return
        seen = 0

        async def counting_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise BodyTooLarge
            return message

        try:
            await self.app(scope, counting_receive, send)
        except BodyTooLarge:
            await self._refuse(scope, receive, send, limit)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        response = JSONResponse(
            {
                "errors": [
                    {
                        "message": f"Request body larger than {limit} bytes.",
                        "extensions": {"code": str(ErrorCode.PAYLOAD_TOO_LARGE)},
                    }
                ]
            },
            status_code=413,
        )
        await response(scope, receive, send)
