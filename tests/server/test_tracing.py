"""OpenTelemetry traces (`TRACING=otlp`): a served app's spans, caught in memory, and a
real `dealflow serve` exporting over OTLP/HTTP to a collector of the test's own."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass

import httpx
import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode
from starlette.applications import Starlette

from models.webhook import DeliveryStatus, WebhookDelivery
from server.app import create_app
from server.settings import Settings
from server.tracing import make_provider
from testkit.database import is_postgres
from testkit.live import BOARD_EVENTS, live_client, subscribed, uvicorn_serving
from testkit.receiver import receiver
from testkit.servers import dealflow_server, env_of
from testkit.teams import Team

TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
CALLER_SPAN = "00f067aa0ba902b7"
SECRET = "a-value-that-must-not-leave-9f3"
ME = "query Me { me { id } }"
CREATE = """
mutation Create($company: String) {
  createDeal(input: {name: "Traced", company: $company}) { deal { id } errors { code } }
}
"""
WEBHOOK = """
mutation($url: String!) {
  createWebhook(input: {url: $url, events: ["deal.created"]}) { errors { code message } }
}
"""


@dataclass
class Traced:
    app: Starlette
    base_url: str
    ws_url: str
    spans: InMemorySpanExporter

    def named(self, name: str) -> list[ReadableSpan]:
        return [span for span in self.spans.get_finished_spans() if span.name == name]


@asynccontextmanager
async def traced_app(settings: Settings) -> AsyncIterator[Traced]:
    exporter = InMemorySpanExporter()
    provider = make_provider(SimpleSpanProcessor(exporter))
    app = create_app(
        settings.replace(tracing="otlp", webhook_worker=True, webhook_poll_seconds=0.1),
        manage_orm=False,
        tracer_provider=provider,
    )
    async with app.router.lifespan_context(app), uvicorn_serving(app) as ws_url:
        yield Traced(app, ws_url.replace("ws://", "http://"), ws_url, exporter)


async def _until_async(check: Callable[[], Awaitable[bool]], within: float = 5) -> None:
    deadline = asyncio.get_running_loop().time() + within
    while not await check():
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.02)


async def _until(check: Callable[[], object], within: float = 5) -> None:
    deadline = asyncio.get_running_loop().time() + within
    while not check():
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.02)


async def post(url: str, token: str, query: str, **variables: object) -> dict:
    async with httpx.AsyncClient() as http:
        answer = await http.post(
            url,
            json={"query": query, "variables": variables},
            headers={
                "authorization": f"Bearer {token}",
                "traceparent": f"00-{TRACE}-{CALLER_SPAN}-01",
            },
        )
    assert answer.status_code == 200, answer.text
    body: dict = answer.json()
    return body


def attributes_of(spans: list[ReadableSpan]) -> str:
    return " ".join(f"{span.name} {dict(span.attributes or {})}" for span in spans)


async def test_an_operation_continues_the_callers_trace_and_tells_nothing_of_its_values(
    settings: Settings, team: Team
):
    async with traced_app(settings) as served:
        me = await post(served.base_url, team.tokens["manager"], ME)
        created = await post(served.base_url, team.tokens["manager"], CREATE, company=SECRET)
        spans = served.spans.get_finished_spans()
        (operation,) = served.named("graphql Me")

    assert me["data"]["me"]["id"] and created["data"]["createDeal"]["errors"] == []
    (server,) = [s for s in spans if s.context.span_id == operation.parent.span_id]
    assert server.kind == SpanKind.SERVER
    status = server.attributes.get(
        "http.response.status_code", server.attributes.get("http.status_code")
    )
    assert status == 200
    assert format(server.parent.span_id, "016x") == CALLER_SPAN
    assert format(operation.context.trace_id, "032x") == TRACE
    assert operation.attributes["graphql.operation.name"] == "Me"
    assert operation.attributes["enduser.id"] == team.manager.id
    assert operation.attributes["dealflow.workspace.id"] == team.workspace.id
    assert operation.attributes["dealflow.outcome"] == "ok"
    assert operation.status.status_code != StatusCode.ERROR
    assert served.named("graphql Create")
    if is_postgres(settings.database_url):
        statements = [s for s in spans if s.attributes.get("db.system") == "postgresql"]
        assert any(s.parent.span_id == operation.context.span_id for s in statements)
    # No statement has a trace of its own (the background polling's would drown the rest).
    assert all(s.parent is not None for s in spans if "db.system" in s.attributes)
    assert SECRET not in attributes_of(spans)


async def test_live_events_and_webhook_attempts_have_spans_and_receivers_join_the_trace(
    settings: Settings, team: Team, manager_client, process_id: str
):
    async with receiver() as hook, traced_app(settings) as served:
        made = await manager_client.mutate(WEBHOOK, {"url": hook.url})
        assert made["errors"] == []
        async with live_client(served.ws_url, team.tokens["manager"]) as manager:
            await manager.subscribe("board", BOARD_EVENTS, processId=process_id)
            await subscribed(served.app, team.workspace.id, 1)
            await post(served.base_url, team.tokens["manager"], CREATE, company=SECRET)
            await manager.event("board")
        (delivered,) = await hook.wait_for(1)
        await _until(lambda: served.named("webhook attempt"))
        # The worker writes the attempt down after its span: the app stops only once it
        # has (stopping it amid that transaction is the shutdown's business, not this
        # test's, and on SQLite it held the one connection for the next test).
        await _until_async(lambda: WebhookDelivery.filter(status=DeliveryStatus.DELIVERED).exists())
        live = served.named("live event")
        (attempt,) = served.named("webhook attempt")

    assert any(span.attributes["dealflow.subscribers"] >= 1 for span in live)
    assert {span.attributes["dealflow.workspace.id"] for span in live} == {team.workspace.id}
    assert attempt.kind == SpanKind.CLIENT
    assert attempt.attributes["http.response.status_code"] == 200
    assert attempt.attributes["dealflow.webhook.attempt"] == 1
    _, trace, parent, _ = delivered.headers["traceparent"].split("-")
    assert (trace, parent) == (
        format(attempt.context.trace_id, "032x"),
        format(attempt.context.span_id, "016x"),
    )
    assert SECRET not in attributes_of(served.spans.get_finished_spans())


async def test_a_served_process_exports_over_otlp(settings: Settings, team: Team):
    async with receiver() as collector:
        env = env_of(
            settings,
            TRACING="otlp",
            OTEL_EXPORTER_OTLP_TRACES_ENDPOINT=collector.url,
            OTEL_BSP_SCHEDULE_DELAY="100",
        )
        async with dealflow_server(**env) as server:
            await post(f"{server.base_url}/graphql", team.tokens["manager"], ME)
            await collector.wait_for(1, within=10)

    exported = ExportTraceServiceRequest()
    names, services = set(), set()
    for received in collector.received:
        assert received.headers["content-type"] == "application/x-protobuf"
        exported.ParseFromString(received.body)
        for resource_spans in exported.resource_spans:
            services |= {
                a.value.string_value
                for a in resource_spans.resource.attributes
                if a.key == "service.name"
            }
            names |= {s.name for scope in resource_spans.scope_spans for s in scope.spans}
    assert services == {"dealflow"}
    assert "graphql Me" in names


def test_tracing_is_refused_when_it_cannot_work(settings: Settings, monkeypatch):
    with pytest.raises(ValueError, match="TRACING must be off or otlp"):
        create_app(settings.replace(tracing="jaeger"), manage_orm=False)
    monkeypatch.setitem(sys.modules, "opentelemetry.sdk.trace", None)  # the extra not there
    with pytest.raises(ValueError, match=r"pip install 'dealflow\[otel\]'"):
        create_app(settings.replace(tracing="otlp"), manage_orm=False)
    assert os.environ.get("TRACING", "") in ("", "off")  # the suite runs untraced
