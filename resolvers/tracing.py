"""Spans, when traces are on (`TRACING=otlp`, the `otel` extra: `server.tracing` sets
the tracer up); nothing at all otherwise, not even an import of OpenTelemetry.

Whoever wants a span asks here (`span`), whatever layer it is in: the HTTP operation,
the live feed's event, the webhook's attempt. A span's attributes name things by id
and say how it went; never a value of the request (the same rule as the logs).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

_tracer: Any = None


def use(tracer: Any) -> None:
    """The tracer every span comes from (None: no spans)."""
    global _tracer
    _tracer = tracer


@contextmanager
def span(
    name: str, attributes: Mapping[str, str | int] | None = None, kind: str = "INTERNAL"
) -> Iterator[Any]:
    """A span around the block, current within it (its children nest under it); an
    exception leaving the block is recorded on it. Yields the span (None when traces
    are off), for `annotate`."""
    tracer = _tracer
    if tracer is None:
        yield None
        return
    from opentelemetry.trace import SpanKind  # the extra is there: a tracer was set

    with tracer.start_as_current_span(name, kind=SpanKind[kind], attributes=attributes) as found:
        yield found


def annotate(
    found: Any, attributes: Mapping[str, str | int | None], name: str | None = None
) -> None:
    """More of what a span learnt on the way (a new name, attributes; None ones left
    out); nothing when traces are off."""
    if found is None:
        return
    if name is not None:
        found.update_name(name)
    found.set_attributes({key: value for key, value in attributes.items() if value is not None})


def failed(found: Any, description: str) -> None:
    """The span's work failed (an error the code handled, so no exception says so)."""
    if found is None:
        return
    from opentelemetry.trace import Status, StatusCode

    found.set_status(Status(StatusCode.ERROR, description))


def inject(headers: dict[str, str]) -> Mapping[str, str]:
    """`headers` with the current span's `traceparent` (W3C Trace Context) when traces
    are on: a receiver that traces joins the same trace."""
    if _tracer is None:
        return headers
    from opentelemetry.propagate import inject as propagate

    propagate(headers)
    return headers
