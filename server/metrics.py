"""Prometheus metrics at `GET /metrics` (prometheus-client): GraphQL operations over
HTTP by name (latency) and errors by code, open WebSockets, and, from
`subscriptions.metrics`, live subscriptions by kind, events fanned out, the feed's time
per event and bus reconnects; read when scraped: the outbox lag (the age of the oldest
committed event not yet announced on the bus) and the database pool's connections.

Under `dealflow serve --workers N` the processes write their values to
`PROMETHEUS_MULTIPROC_DIR` (the command makes one) and any of them answers for all.

`/metrics` answers the bearer of `METRICS_TOKEN`; without one set, only loopback
clients that no proxy forwarded, and nobody in production.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
import os
import re

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client import REGISTRY as DEFAULT_REGISTRY
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from tortoise import connections

from models.event import Event
from resolvers.clock import now_utc
from server.bearer_tokens import bearer_token

logger = logging.getLogger("dealflow.metrics")

REQUEST_SECONDS = Histogram(
    "dealflow_graphql_request_seconds",
    "GraphQL operations over HTTP, by operation name, from request to answer.",
    ["operation"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
ERRORS = Counter(
    "dealflow_graphql_errors_total",
    "GraphQL errors answered over HTTP, by code (payload errors are answers, not counted).",
    ["code"],
)
WEBSOCKETS = Gauge(
    "dealflow_websockets_open", "WebSockets open on /graphql.", multiprocess_mode="livesum"
)
OUTBOX_LAG = Gauge(
    "dealflow_outbox_lag_seconds",
    "Age of the oldest committed event not yet marked announced on the bus (0: none; "
    "an event rung for is marked some 50 ms later).",
    multiprocess_mode="mostrecent",
)
DB_POOL = Gauge(
    "dealflow_db_pool_connections",
    "The database pool's connections (PostgreSQL), by state.",
    ["state"],
    multiprocess_mode="livesum",
)

# Operation names are the client's: a bounded set is labelled, anything else is
# "other", so that no client can make the series grow without end.
MAX_OPERATION_LABELS = 200
_NAME = re.compile(r"[_A-Za-z][_0-9A-Za-z]{0,63}")
_labelled: set[str] = set()


def operation_label(name: str | None) -> str:
    if not name:
        return "anonymous"
    if name in _labelled:
        return name
    if _NAME.fullmatch(name) and len(_labelled) < MAX_OPERATION_LABELS:
        _labelled.add(name)
        return name
    return "other"


def observe_operation(name: str | None, seconds: float, codes: list[str]) -> None:
    REQUEST_SECONDS.labels(operation_label(name)).observe(seconds)
    for code in codes:
        ERRORS.labels(code).inc()


FORWARDED = ("x-forwarded-for", "forwarded", "x-real-ip")


def _allowed(request: Request, token: str | None, production: bool) -> bool:
    """The bearer of the token; without one (never in production), a loopback client
    that no proxy forwarded (a proxy on the same host makes every client look local)."""
    if token:
        given = bearer_token(request.headers.get("authorization")) or ""
        return hmac.compare_digest(given.encode(), token.encode())
    if production or any(name in request.headers for name in FORWARDED):
        return False
    client = request.client.host if request.client else ""
    try:
        return ipaddress.ip_address(client).is_loopback
    except ValueError:
        return False


async def _read_at_scrape() -> None:
    """The values read from the database when scraped; while it is out of reach they
    keep their last value (the scrape still answers: an outage is when it matters)."""
    try:
        oldest = await Event.filter(published_at=None).order_by("id").only("at").first()
    except Exception as error:
        logger.warning("metrics: the outbox lag could not be read: %r", error)
        return
    OUTBOX_LAG.set(max(0.0, (now_utc() - oldest.at).total_seconds()) if oldest else 0.0)
    pool = getattr(connections.get("default"), "_pool", None)
    if pool is not None and hasattr(pool, "get_size"):
        size, idle = pool.get_size(), pool.get_idle_size()
        DB_POOL.labels("in_use").set(size - idle)
        DB_POOL.labels("idle").set(idle)


async def serve_metrics(request: Request) -> Response:
    settings = request.app.state.settings
    if not _allowed(request, settings.metrics_token, settings.production):
        return JSONResponse({"error": "Not allowed."}, status_code=403)
    await _read_at_scrape()
    if "PROMETHEUS_MULTIPROC_DIR" in os.environ:
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    else:
        registry = DEFAULT_REGISTRY
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)


def process_ended() -> None:
    """A `--workers` process stops: its live gauges stop counting."""
    if "PROMETHEUS_MULTIPROC_DIR" in os.environ:
        multiprocess.mark_process_dead(os.getpid())  # type: ignore[no-untyped-call]
