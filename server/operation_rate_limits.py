"""The rate limits on GraphQL operations over HTTP (`RateLimits.operation_wait`: per
bearer token and per client address; over a WebSocket, `schema.extensions`' count the
same), counted before the body is read, so that a flood costs the server as little
as possible. Over a limit: HTTP 429, a `Retry-After` header, and a GraphQL-shaped body
with `extensions.code = RATE_LIMITED` and `extensions.retryAfter`."""

from __future__ import annotations

import math

from starlette.requests import Request
from starlette.responses import JSONResponse

from resolvers.errors import ErrorCode


def is_operation(request: Request) -> bool:
    """POSTs, and GETs that carry a query or name a persisted one (not GraphiQL's page)."""
    params = request.query_params
    return request.method == "POST" or "query" in params or "extensions" in params


def too_many_requests(wait: float, what: str = "requests") -> JSONResponse:
    """HTTP 429 with `Retry-After` and the wait in `extensions.retryAfter` too."""
    seconds = max(1, math.ceil(wait))
    error = {
        "message": f"Too many {what}. Try again in {seconds} s.",
        "extensions": {"code": str(ErrorCode.RATE_LIMITED), "retryAfter": seconds},
    }
    return JSONResponse({"errors": [error]}, status_code=429, headers={"Retry-After": str(seconds)})
