"""The rate limits on GraphQL operations (`RateLimits.operation_wait`: per bearer token
and per client address), counted before anything of the operation is read, so that a
flood costs the server as little as possible: over HTTP before the body is read, over a
WebSocket as each operation's message comes (`server.websocket_handlers`). Over a
limit: HTTP 429 with a `Retry-After` header, or on a socket that operation's `error`
message; either way a GraphQL error with `extensions.code = RATE_LIMITED` and
`extensions.retryAfter`."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse

from resolvers.errors import rate_limited


def is_operation(request: Request) -> bool:
    """POSTs, and GETs that carry a query or name a persisted one (not GraphiQL's page)."""
    params = request.query_params
    return request.method == "POST" or "query" in params or "extensions" in params


def rate_limit_error(wait: float, what: str = "requests") -> dict[str, Any]:
    """The GraphQL error of an operation over a rate limit, with its wait in seconds:
    `errors.rate_limited`'s refusal, as a transport writes it."""
    (problem,) = rate_limited(wait, f"Too many {what}.").problems
    return {
        "message": problem.message,
        "extensions": {"code": str(problem.code), "retryAfter": problem.retry_after},
    }


def too_many_requests(wait: float, what: str = "requests") -> JSONResponse:
    """HTTP 429 with `Retry-After` and the wait in `extensions.retryAfter` too."""
    error = rate_limit_error(wait, what)
    seconds = str(error["extensions"]["retryAfter"])
    return JSONResponse({"errors": [error]}, status_code=429, headers={"Retry-After": seconds})
