"""Logs an operator can search: one format for every logger (uvicorn's too), JSON lines
(`LOG_FORMAT=json`, the default in production) or text, each record with the request
id of the request it belongs to.

The request id is the client's `X-Request-Id` when it is a sensible one, else the trace
id of its `traceparent` (W3C Trace Context), else a new one; the answer carries it back
in `X-Request-Id`. GraphQL operations over HTTP log one line each (`dealflow.access`):
operation name, user and workspace ids, status, duration and outcome (the error codes),
never a token, a password, a note or a file: nothing of the request's values.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Awaitable
from contextvars import ContextVar
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from server.http_only import Frameless

request_id: ContextVar[str] = ContextVar("dealflow_request_id", default="-")
# Every HTTP request but GraphQL operations: method, path (never the query string),
# status, duration.
requests_log = logging.getLogger("dealflow.requests")

_GIVEN_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
_TRACEPARENT = re.compile(r"[0-9a-f]{2}-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"
JSON_FIELDS = "%(asctime)s %(levelname)s %(name)s %(request_id)s %(message)s"


class RequestIdFilter(logging.Filter):
    """Gives every record the id of the request it was logged in (`-` outside one)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id.get()
        return True


def log_config(log_format: str, level: str = "INFO") -> dict[str, Any]:
    """A `logging.config.dictConfig` for the app and uvicorn alike."""
    formatter: dict[str, Any] = (
        {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": JSON_FIELDS,
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        }
        if log_format == "json"
        else {"format": TEXT_FORMAT}
    )
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": RequestIdFilter}},
        "formatters": {"dealflow": formatter},
        "handlers": {
            "default": {
                "class": "logging.StreamHandler",
                "formatter": "dealflow",
                "filters": ["request_id"],
                "stream": "ext://sys.stderr",
            }
        },
        "root": {"handlers": ["default"], "level": level},
        "loggers": {
            "uvicorn": {"level": level},
            "uvicorn.error": {"level": level},
            "uvicorn.access": {"level": level},
        },
    }


def chosen_id(headers: dict[bytes, bytes]) -> str:
    """The request's id: the client's `X-Request-Id`, the trace id of its
    `traceparent`, or a new one."""
    given = headers.get(b"x-request-id", b"").decode("latin-1").strip()
    if _GIVEN_ID.fullmatch(given):
        return given
    trace = _TRACEPARENT.fullmatch(headers.get(b"traceparent", b"").decode("latin-1").strip())
    if trace and trace.group(1) != "0" * 32:
        return trace.group(1)
    return uuid.uuid4().hex


class RequestIds(Frameless):
    """ASGI middleware: the request id for everything logged while a request (or a
    WebSocket) is handled, and `X-Request-Id` on every HTTP answer."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    def __call__(self, scope: Scope, receive: Receive, send: Send) -> Awaitable[None]:
        if scope["type"] == "websocket":
            # Its frames go out as they are (a wrapper would cost a call on each of
            # them), and it keeps no frame here while open (`server.http_only`): the id
            # is set in the socket's own task, which ends with it.
            request_id.set(chosen_id(dict(scope["headers"])))
            return self.app(scope, receive, send)
        if scope["type"] != "http":
            return self.app(scope, receive, send)
        return self._http(scope, receive, send)

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        token = request_id.set(chosen := chosen_id(dict(scope["headers"])))
        started = time.perf_counter()
        status = 0

        async def with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"x-request-id", chosen.encode())]
            await send(message)

        try:
            await self.app(scope, receive, with_id)
        finally:
            # GraphQL operations have a line of their own (`dealflow.access`).
            if scope["path"] != "/graphql":
                requests_log.info(
                    "%s %s %s %.1fms",
                    scope["method"],
                    scope["path"],
                    status,
                    (time.perf_counter() - started) * 1000,
                )
            request_id.reset(token)
