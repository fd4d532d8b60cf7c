"""OpenTelemetry traces: optional (the `otel` extra) and off by default (`TRACING=otlp`
turns them on).

When on, the app exports over OTLP/HTTP to where OpenTelemetry's own variables say
(`OTEL_EXPORTER_OTLP_ENDPOINT`, `OTEL_EXPORTER_OTLP_HEADERS`, `OTEL_SERVICE_NAME`,
`OTEL_TRACES_SAMPLER`…; the service is named `dealflow` unless told otherwise):

- a server span per HTTP request (OpenTelemetry's ASGI middleware), continuing the
  caller's `traceparent`; WebSockets get none (a socket lives for hours, and a span per
  frame would cost on every live event): the live feed has its own, below;
- under it, a span per GraphQL operation (`query Me`), with the operation's name and
  type, the user and workspace ids and its error codes (`server.app.record_operation`);
- a span per statement on PostgreSQL (asyncpg's instrumentation: the statement's text,
  whose values are parameters, never in it), under the span it ran for (a statement
  outside any span is not traced: `NoLoneStatements`);
- a span per event a live feed hands out, and one per webhook attempt, whose request
  carries `traceparent` for a receiver that traces.

Where spans are made is `resolvers.tracing`; this module makes the tracer.
"""

from __future__ import annotations

import os
from collections.abc import Awaitable
from typing import TYPE_CHECKING, Any, cast

from starlette.types import ASGIApp, Receive, Scope, Send

from resolvers import tracing
from server.http_only import HTTPOnly

if TYPE_CHECKING:
    from collections.abc import Sequence

    from opentelemetry.context import Context
    from opentelemetry.sdk.trace import SpanProcessor, TracerProvider
    from opentelemetry.sdk.trace.sampling import Sampler, SamplingResult
    from opentelemetry.trace import Link, SpanKind
    from opentelemetry.trace.span import TraceState
    from opentelemetry.util.types import Attributes

CHOICES = ("", "off", "otlp")
SERVICE_NAME = "dealflow"


def problem(choice: str) -> str | None:
    """What stops `TRACING=choice` from working (None: nothing)."""
    if choice not in CHOICES:
        return f"TRACING must be off or otlp, not {choice!r}."
    if choice == "otlp":
        try:
            import opentelemetry.exporter.otlp.proto.http.trace_exporter
            import opentelemetry.instrumentation.asgi
            import opentelemetry.sdk.trace  # noqa: F401
        except ImportError:
            return "TRACING=otlp needs the otel extra: pip install 'dealflow[otel]'."
    return None


def provider_from_env() -> TracerProvider:
    """A tracer provider exporting in batches over OTLP/HTTP, as OpenTelemetry's
    variables configure it."""
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    return make_provider(BatchSpanProcessor(OTLPSpanExporter()))


def make_provider(processor: SpanProcessor) -> TracerProvider:
    """A tracer provider handing its spans to `processor`: the service named, and no
    statement traced on its own (see `NoLoneStatements`)."""
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.sampling import _get_from_env_or_default

    named = {} if os.environ.get("OTEL_SERVICE_NAME") else {"service.name": SERVICE_NAME}
    provider = TracerProvider(
        resource=Resource.create(named),
        sampler=cast("Sampler", NoLoneStatements(_get_from_env_or_default())),
    )
    provider.add_span_processor(processor)
    return provider


class NoLoneStatements:
    """A sampler: a statement outside any span (the feeds' and the webhook worker's
    polling, every second or two in every process) is not traced: a trace of its own
    for each would drown the ones that matter. Everything else is sampled as
    OpenTelemetry's variables say (`OTEL_TRACES_SAMPLER`; every trace by default).
    Written as OpenTelemetry's `Sampler` interface, not a subclass of it: its SDK is
    imported only when traces are on."""

    def __init__(self, inner: Sampler) -> None:
        self.inner = inner

    def should_sample(
        self,
        parent_context: Context | None,
        trace_id: int,
        name: str,
        kind: SpanKind | None = None,
        attributes: Attributes = None,
        links: Sequence[Link] | None = None,
        trace_state: TraceState | None = None,
    ) -> SamplingResult:
        from opentelemetry.sdk.trace.sampling import Decision, SamplingResult
        from opentelemetry.trace import get_current_span

        lone = not get_current_span(parent_context).get_span_context().is_valid
        if lone and attributes and ("db.system" in attributes or "db.system.name" in attributes):
            return SamplingResult(Decision.DROP)
        return self.inner.should_sample(
            parent_context, trace_id, name, kind, attributes, links, trace_state
        )

    def get_description(self) -> str:
        return f"NoLoneStatements({self.inner.get_description()})"


class HTTPSpans(HTTPOnly):
    """ASGI middleware: OpenTelemetry's server span for each HTTP request; WebSockets
    and the lifespan pass through untouched."""

    def __init__(self, app: ASGIApp, provider: TracerProvider) -> None:
        from opentelemetry.instrumentation.asgi import OpenTelemetryMiddleware

        super().__init__(app)
        # Spans for the body's chunks and the answer's messages add nothing one can act on.
        self.traced = OpenTelemetryMiddleware(
            app, tracer_provider=provider, exclude_spans=["receive", "send"]
        )

    def http(self, scope: Scope, receive: Receive, send: Send) -> Awaitable[None]:
        return self.traced(scope, receive, send)


class Traces:
    """The app's traces for its lifetime: spans made from the start of its lifespan,
    and every span exported before it ends."""

    def __init__(self, provider: TracerProvider, owned: bool, postgres: bool) -> None:
        self.provider = provider
        self.owned = owned
        self.postgres = postgres
        self._instrumentor: Any = None

    def start(self) -> None:
        tracing.use(self.provider.get_tracer("dealflow"))
        if self.postgres:
            from opentelemetry.instrumentation.asyncpg import AsyncPGInstrumentor

            self._instrumentor = AsyncPGInstrumentor()  # type: ignore[no-untyped-call]
            self._instrumentor.instrument(tracer_provider=self.provider)

    def stop(self) -> None:
        tracing.use(None)
        if self._instrumentor is not None:
            self._instrumentor.uninstrument()
        if self.owned:
            self.provider.shutdown()  # exports what is left
        else:
            self.provider.force_flush()
