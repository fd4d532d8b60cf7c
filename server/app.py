"""The Starlette application: `/graphql` (HTTP and WebSocket), `/healthz` and `/readyz`."""

from __future__ import annotations

import contextlib
import hashlib
import logging
import re
import time
from collections.abc import AsyncIterator, Awaitable
from contextlib import asynccontextmanager
from contextvars import ContextVar
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cross_web import AsyncHTTPRequestAdapter, HTTPException
from starlette.applications import Starlette
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import ASGIWebSocketAdapter, GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.file_uploads.utils import replace_placeholders_with_files
from strawberry.http import GraphQLRequestData, process_result
from strawberry.http.async_base_view import AsyncBaseHTTPView
from strawberry.http.types import QueryParams
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL, GRAPHQL_WS_PROTOCOL
from strawberry.types import ExecutionResult
from tortoise import Tortoise, connections
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from resolvers import opaque, tracing
from resolvers.accounts import auth, passwords
from resolvers.errors import ErrorCode, database_unavailable
from resolvers.rate_limits import RateLimits
from schema import build_schema
from schema.context import Context
from server.bearer_tokens import bearer_token, connection_init_token
from server.body_size_limit import BodySizeLimit
from server.database import open_orm, tortoise_config
from server.error_responses import error_response
from server.export_route import export_deals
from server.file_route import serve_file
from server.form_route import form_preflight, submit_form
from server.frames import RawSocketSend
from server.frames import encode as encode_frame
from server.gc_tuning import tune_for_serving
from server.http_only import Frameless, FramelessStarlette
from server.logs import RequestIds, request_id
from server.metrics import WEBSOCKETS, observe_operation, process_ended, serve_metrics
from server.operation_rate_limits import is_operation, too_many_requests
from server.persisted_queries import PersistedQueries, PersistedQueryError, scope_of
from server.request_body import (
    MalformedRequest,
    check_request_fields,
    json_object,
    multipart_operations,
    optional_json_object,
)
from server.security_headers import SecurityHeaders
from server.session_sockets import session_socket
from server.settings import Settings
from server.setup_turns import SetupTurns
from server.socket_count_limit import TOO_MANY_SOCKETS, TOO_MANY_SOCKETS_REASON, SocketSlots
from server.socket_reader import JsonMessages
from server.socket_route import SocketRoute
from server.tracing import HTTPSpans, Traces, provider_from_env
from server.tracing import problem as tracing_problem
from server.web_app import graphiql_page, web_routes
from server.webhook_worker import WebhookWorker
from server.websocket_handlers import LegacyWSHandler, TransportWSHandler
from server.websocket_messages import decode_frame
from subscriptions.live import LiveUpdates

if TYPE_CHECKING:
    from opentelemetry.sdk.trace import TracerProvider

logger = logging.getLogger("dealflow")


class RefusingWebSocketAdapter(ASGIWebSocketAdapter):
    """Strawberry closes a refused `connection_init` with a code of its own (4403, or
    1011 on the legacy protocol); a refusal that has a code of its own (too many
    sockets: 4429) set on the socket's state is closed with that one instead. Its
    messages are read one coroutine deep (`server.socket_reader`), from the server's
    `receive` the socket was made with."""

    def __init__(
        self,
        view: AsyncBaseHTTPView[Any, Any, Any, Any, Any, Any, Any],
        request: WebSocket,
        response: WebSocket,
        receive: Receive,
    ) -> None:
        super().__init__(view, request, response)
        self._receive = receive

    def iter_json(  # type: ignore[override]  # an async iterator, not a generator
        self, *, ignore_parsing_errors: bool = False
    ) -> JsonMessages:
        return JsonMessages(self.ws, self._receive, self.view.decode_json, ignore_parsing_errors)

    async def close(self, code: int, reason: str) -> None:
        refusal = getattr(self.ws.state, "refusal", None)
        if refusal is not None:
            code, reason = refusal
        await super().close(code, reason)


def _client(request: Request | WebSocket) -> str:
    """The client's address: the peer's, or what a trusted proxy forwarded
    (`FORWARDED_ALLOW_IPS`, applied by the outermost middleware)."""
    return request.client.host if request.client else "unknown"


class DealflowGraphQL(GraphQL[Context, None]):
    graphql_transport_ws_handler_class = TransportWSHandler
    graphql_ws_handler_class = LegacyWSHandler

    def __init__(self, settings: Settings) -> None:
        super().__init__(
            build_schema(
                settings.max_query_depth,
                settings.max_aliases,
                settings.max_tokens,
                max_cost=settings.max_query_cost,
                max_document_chars=settings.max_document_chars,
                introspection=settings.introspection,
            ),
            graphql_ide="graphiql" if settings.debug and settings.introspection else None,
            subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL, GRAPHQL_WS_PROTOCOL),
            max_subscriptions_per_connection=settings.max_subscriptions_per_connection,
            allowed_origins=settings.allowed_origins,
            multipart_uploads_enabled=True,
            connection_init_wait_timeout=timedelta(seconds=settings.ws_init_timeout_seconds),
        )
        self.settings = settings
        self.rate_limits = RateLimits(settings.rate_limit_settings())
        self.socket_slots = SocketSlots(
            settings.max_sockets_per_user if settings.rate_limits else 0,
            settings.redis_url(),
            settings.deployment_key(),
        )
        self.persisted = PersistedQueries(settings.redis_url(), settings.deployment_key())
        self.setup_turns = SetupTurns(settings.ws_setups_at_once)
        # Made once and shared by every context (frozen): a socket's context lives as
        # long as the socket.
        self.login_policy = settings.login_policy()
        self.webhook_policy = settings.webhook_policy()
        self.file_store = settings.file_store()

    def encode_json(self, data: object) -> str:
        return encode_frame(data)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Around Strawberry's own handling: a socket's slot is given back when it
        closes; an HTTP operation is counted against the rate limits before its body is
        read (429 over them); and Strawberry's refusals (bad JSON, a wrong method),
        plain text on its own, are GraphQL-shaped like every other error."""
        if scope["type"] == "websocket":
            websocket = WebSocket(scope, receive, send)
            WEBSOCKETS.inc()
            try:
                handler = await self._socket_handler(websocket, receive)
                if handler is not None:
                    await handler.handle()
            finally:
                WEBSOCKETS.dec()
                if slot := getattr(websocket.state, "socket_slot", None):
                    await self.socket_slots.release(slot)
            return
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        request = Request(scope, receive)
        if not is_operation(request):
            await self._answer(request, scope, receive, send)
            return
        with tracing.span("graphql", {"dealflow.request_id": request_id.get()}) as span:
            await self._answer(request, scope, receive, send, span)

    async def _socket_handler(
        self, websocket: WebSocket, receive: Receive
    ) -> TransportWSHandler | LegacyWSHandler | None:
        """What Strawberry's `run` does for a socket, up to its sub-protocol's handler,
        which `__call__` then awaits itself: awaited inside `run`, as Strawberry does,
        the handler kept `run`'s frame suspended (0.4 KB) for as long as the socket is
        open. In Strawberry's order: a disallowed origin is refused before any hook of
        the app runs (403), the socket is accepted with the sub-protocol picked, the
        context made (the app has no root value), and a socket that offered neither
        sub-protocol closed with 4406. None when there is nothing left to handle."""
        if not self._check_websocket_origin(websocket):
            await self.reject_websocket(websocket)
            return None
        subprotocol = await self.pick_websocket_subprotocol(websocket)
        response = await self.create_websocket_response(websocket, subprotocol)
        adapter = RefusingWebSocketAdapter(self, websocket, response, receive)
        context = await self.get_context(websocket, response=response)
        both: dict[str, Any] = {
            "view": self,
            "websocket": adapter,
            "context": context,
            "root_value": None,
            "schema": self.schema,
            "max_subscriptions_per_connection": self.max_subscriptions_per_connection,
        }
        if subprotocol == GRAPHQL_TRANSPORT_WS_PROTOCOL:
            return self.graphql_transport_ws_handler_class(
                **both, connection_init_wait_timeout=self.connection_init_wait_timeout
            )
        if subprotocol == GRAPHQL_WS_PROTOCOL:
            return self.graphql_ws_handler_class(
                **both, keep_alive=self.keep_alive, keep_alive_interval=self.keep_alive_interval
            )
        await adapter.close(4406, "Subprotocol not acceptable")
        return None

    async def _answer(
        self, request: Request, scope: Scope, receive: Receive, send: Send, span: Any = None
    ) -> None:
        started = time.perf_counter()
        operation_name.set(None)
        persist_after_run.set(None)
        response: Response
        wait = (
            await self.rate_limits.operation_wait(
                bearer_token(request.headers.get("authorization")),
                _client(request),
            )
            if is_operation(request)
            else None
        )
        if wait is not None:
            response = too_many_requests(wait)
        else:
            try:
                response = await self.run(request)
            except HTTPException as refusal:
                response = refused_request(refusal)
            except PersistedQueryError as refusal:
                response = persisted_query_refusal(refusal)
        if wants_graphql_response(request) and response.headers.get("content-type", "").startswith(
            "application/json"
        ):
            response.headers["content-type"] = GRAPHQL_RESPONSE_TYPE
            if getattr(request.state, "request_error", False):
                response.status_code = 400
        if request.method == "GET" and response.status_code == 200:
            response = revalidated(request, response)
        if is_operation(request):
            record_operation(request, response.status_code, time.perf_counter() - started, span)
        await response(scope, receive, send)

    async def process_result(self, request: Request, result: ExecutionResult) -> Any:
        """A result whose document never ran (it did not parse or validate, or its
        variables did not coerce: no data and no error with a path) is a request error:
        with `application/graphql-response+json` it has no `data` entry and, in
        `__call__`, the status 400, as GraphQL over HTTP says."""
        processed = process_result(result)
        request.state.error_codes = sorted(
            {str((e.extensions or {}).get("code", "-")) for e in result.errors or ()}
        )
        if result.data is None and result.errors and all(e.path is None for e in result.errors):
            request.state.request_error = True
            if wants_graphql_response(request):
                processed.pop("data", None)
        else:
            request.state.ran = True
            document = persist_after_run.get()
            context = getattr(request.state, "context", None)
            if isinstance(context, Context) and document is not None and context.user is not None:
                await self.persisted.remember(document, scope_of(context.token))
        return processed

    async def render_graphql_ide(self, request: Request) -> Response:
        """Our own build of GraphiQL (`web/graphiql.html`), not Strawberry's page, which
        loads React and GraphiQL from a CDN."""
        return graphiql_page(Path(self.settings.web_dist_dir))

    def should_render_graphql_ide(self, request: Any) -> bool:
        """Not for a GET that names a persisted query (it has no `query` either)."""
        return "extensions" not in request.query_params and super().should_render_graphql_ide(
            request
        )

    # Parsing, checked shape by shape (`server.request_body`): no body, parameter or
    # multipart form a client sends reaches Strawberry in a shape it does not expect.
    def parse_json(self, data: str | bytes) -> Any:
        return json_object(data)

    def parse_query_params(self, params: QueryParams) -> dict[str, Any]:
        parsed: dict[str, Any] = dict(params)
        for name in ("variables", "extensions"):
            raw = parsed.get(name)
            if isinstance(raw, list):
                raise MalformedRequest(f"`{name}` is given more than once.")
            if raw:
                parsed[name] = optional_json_object(raw, f"`{name}`")
        return parsed

    async def parse_multipart(self, request: AsyncHTTPRequestAdapter) -> dict[str, Any]:
        try:
            form = await request.get_form_data()
        except (ValueError, StarletteHTTPException) as error:
            raise MalformedRequest("Unable to parse the multipart body.") from error
        operations, files_map = multipart_operations(form.form)
        return replace_placeholders_with_files(operations, files_map, form.files)

    async def parse_http_body(
        self, request: AsyncHTTPRequestAdapter
    ) -> GraphQLRequestData | list[GraphQLRequestData]:
        """The request's operation; a persisted query's document put in its place
        (`server.persisted_queries`)."""
        data = await super().parse_http_body(request)
        if isinstance(data, GraphQLRequestData):
            check_request_fields({"operationName": data.operation_name})
            document, to_store = await self.persisted.document(
                data.query,
                data.extensions,
                scope_of(bearer_token(request.headers.get("authorization"))),
            )
            persist_after_run.set(document if to_store else None)
            operation_name.set(data.operation_name or named_operation(document))
            data = GraphQLRequestData(
                document, data.variables, data.operation_name, data.extensions, data.protocol
            )
        return data

    def decode_json(self, data: str | bytes) -> object:
        return decode_frame(data, self.settings.max_request_bytes)

    async def get_context(self, request: Request | WebSocket, response: Any) -> Context:
        token = (
            None
            if isinstance(request, WebSocket)
            else bearer_token(request.headers.get("authorization"))
        )
        context = Context(
            request=request,
            token=token,
            client_address=_client(request),
            login_policy=self.login_policy,
            webhook_policy=self.webhook_policy,
            import_max_rows=self.settings.import_max_rows,
            file_store=self.file_store,
            live=getattr(request.app.state, "live", None),
            rate_limits=self.rate_limits,
            response=response if isinstance(response, Response) else None,
        )
        request.state.context = context
        return context

    async def on_ws_connect(self, context: Context) -> None:
        """Authenticate a socket once, from its `connection_init` payload (with the
        sockets initialised at the same moment: `auth.authenticate_together`). The
        payload is read here only: the context, which lives as long as the socket, keeps
        the token it found, not the payload."""
        token = connection_init_token(context.connection_params)
        context.connection_params = None
        user = await auth.authenticate_together(token) if token else None
        if user is None or token is None:
            raise ConnectionRejectionError({"message": "Authentication required."})
        context.token, context.user, context.authenticated = token, user, True
        await self._hold_socket_slot(context.request, user.id)
        if isinstance(context.request, WebSocket):
            context.socket = session_socket(context.request)
            if context.live is not None:
                context.live.sessions.opened(context.socket, token, user)

    async def _hold_socket_slot(self, websocket: object, user_id: int) -> None:
        """One of the user's `MAX_SOCKETS_PER_USER` slots for this socket (given back
        in `__call__` when it closes), or a refusal closed with 4429
        (`RefusingWebSocketAdapter`). A second `connection_init` (the legacy protocol
        lets one through) keeps the slot it has."""
        if not isinstance(websocket, WebSocket) or hasattr(websocket.state, "socket_slot"):
            return
        slot = await self.socket_slots.acquire(user_id)
        if slot is None:
            logger.info("refused a WebSocket of user %s: too many open", user_id)
            websocket.state.refusal = (TOO_MANY_SOCKETS, TOO_MANY_SOCKETS_REASON)
            raise ConnectionRejectionError({"message": TOO_MANY_SOCKETS_REASON})
        websocket.state.socket_slot = slot


def refused_request(refusal: HTTPException) -> JSONResponse:
    """A request that is not a GraphQL request at all: one line in the log (a client's
    mistake, not ours), and an answer shaped like a GraphQL error."""
    logger.info("refused a malformed request (%d): %s", refusal.status_code, refusal.reason)
    code = ErrorCode.NOT_FOUND if refusal.status_code == 404 else ErrorCode.BAD_REQUEST
    return error_response(refusal.status_code, code, refusal.reason)


GRAPHQL_RESPONSE_TYPE = "application/graphql-response+json; charset=utf-8"


def wants_graphql_response(request: Request) -> bool:
    """Whether the client prefers `application/graphql-response+json` (GraphQL over
    HTTP's media type) to `application/json`, by its `Accept` header's q-values."""
    accept = request.headers.get("accept", "")
    if "application/graphql-response+json" not in accept:
        return False
    weights: dict[str, float] = {}
    for item in accept.split(","):
        media, *params = (part.strip() for part in item.split(";"))
        weight = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip() == "q":
                try:
                    weight = float(value)
                except ValueError:
                    weight = 0.0
        weights[media.lower()] = max(weights.get(media.lower(), 0.0), weight)
    mine = weights.get("application/graphql-response+json", 0.0)
    return mine > 0 and mine >= weights.get("application/json", 0.0)


access_log = logging.getLogger("dealflow.access")
# The HTTP request's operation name, once its body is read (for its log line).
operation_name: ContextVar[str | None] = ContextVar("dealflow_operation_name", default=None)
# A persisted query's document sent with its hash: stored once it has run.
persist_after_run: ContextVar[str | None] = ContextVar("dealflow_persist", default=None)


_OPERATION = re.compile(r"\b(?:query|mutation|subscription)\s+([_A-Za-z][_0-9A-Za-z]*)")


def named_operation(document: str | None) -> str | None:
    """The first operation's name in a document (for logs, when the request names
    none)."""
    found = _OPERATION.search(document[:2000]) if document else None
    return found.group(1) if found else None


# Outcomes that are the server's failure (a masked internal error has no code: "-").
_SERVER_FAULTS = frozenset({"-", str(ErrorCode.SERVICE_UNAVAILABLE)})


def record_operation(request: Request, status: int, seconds: float, span: Any = None) -> None:
    """Per GraphQL operation over HTTP: its metrics, one log line and its span's
    attributes (who, what, how it went; nothing of its values)."""
    context = getattr(request.state, "context", None)
    user = getattr(context, "user", None)
    codes = getattr(request.state, "error_codes", [])
    # Named in metrics only when it ran for someone: junk names cannot take the labels.
    ran = getattr(request.state, "ran", False) and user is not None
    observe_operation(operation_name.get() if ran else "not_run", seconds, codes)
    operation = operation_name.get() or "-"
    outcome = ",".join(codes) if codes else ("ok" if status < 400 else f"http-{status}")
    tracing.annotate(
        span,
        {
            "graphql.operation.name": operation,
            "dealflow.outcome": outcome,
            "enduser.id": user.id if user else None,
            "dealflow.workspace.id": user.workspace_id if user else None,
        },
        name=f"graphql {operation}",
    )
    if status >= 500 or _SERVER_FAULTS.intersection(codes):
        tracing.failed(span, outcome)  # a refusal is the client's; these are ours
    access_log.info(
        "%s %s %s %.1fms user=%s workspace=%s",
        operation,
        status,
        outcome,
        seconds * 1000,
        user.id if user else "-",
        user.workspace_id if user else "-",
        extra={
            "operation": operation,
            "status": status,
            "outcome": outcome,
            "duration_ms": round(seconds * 1000, 1),
            "user_id": user.id if user else None,
            "workspace_id": user.workspace_id if user else None,
        },
    )


def persisted_query_refusal(refusal: PersistedQueryError) -> JSONResponse:
    return error_response(refusal.status, refusal.code, refusal.message)


def revalidated(request: Request, response: Response) -> Response:
    """A GET's answer with an `ETag` (its body's digest), for the client's cache to
    revalidate: `If-None-Match` with it is answered 304 without the body. Every answer
    depends on the caller's token: cached privately, revalidated each time."""
    body = getattr(response, "body", None)
    if not isinstance(body, bytes):
        return response
    tag = f'"{hashlib.sha256(body).hexdigest()[:32]}"'
    headers = {"etag": tag, "cache-control": "private, no-cache", "vary": "Authorization"}
    wanted = {t.strip() for t in request.headers.get("if-none-match", "").split(",")}
    if tag in wanted or "*" in wanted:
        return Response(status_code=304, headers=headers)
    response.headers.update(headers)
    return response


async def healthz(request: Request) -> JSONResponse:
    return JSONResponse({"status": "ok"})


async def readyz(request: Request) -> JSONResponse:
    """Ready when the database answers and the bus is connected; the answer says which
    is not. An outage is logged in one line per probe (a load balancer probes every few
    seconds for as long as it lasts); anything else with its trace.

    The bus counts because, while it is down, this process's live updates come late
    (its feeds poll the log) and other processes do not hear its changes at once."""
    answer = {"database": "up", "bus": "up"}
    try:
        await connections.get("default").execute_query("SELECT 1")
    except Exception as error:
        if database_unavailable(error):
            logger.warning("readiness check: the database is unavailable: %r", error)
        else:
            logger.exception("readiness check failed")
        answer["database"] = "down"
    live = getattr(request.app.state, "live", None)
    if live is not None and not live.bus.connected:
        logger.warning("readiness check: the bus (%s) is not connected", live.bus.scheme)
        answer["bus"] = "down"
    if "down" in answer.values():
        return JSONResponse({"status": "unavailable", **answer}, status_code=503)
    return JSONResponse({"status": "ok", **answer})


class APICORSMiddleware(Frameless, CORSMiddleware):
    """The API's CORS (`ALLOWED_ORIGINS`); a lead form answers for its own sites
    (`server.form_route`), which are not the API's."""

    def __call__(  # type: ignore[override]  # a plain function returning the awaitable
        self, scope: Scope, receive: Receive, send: Send
    ) -> Awaitable[None]:
        """Anything but HTTP goes on without a frame of this layer's (`server.http_only`)."""
        if scope["type"] != "http" or scope["path"].startswith("/forms/"):
            return self.app(scope, receive, send)
        return super().__call__(scope, receive, send)


def _trusted_proxies(settings: Settings) -> list[Middleware]:
    """The client address (and scheme) a trusted proxy forwards replaces the peer's, for
    everything after: login throttling, rate limits, logs. Nobody is trusted unless
    `FORWARDED_ALLOW_IPS` names them (`dealflow serve` leaves uvicorn's own handling
    off, so that this is the one place)."""
    if not settings.forwarded_allow_ips:
        return []
    return [Middleware(ProxyHeadersMiddleware, trusted_hosts=list(settings.forwarded_allow_ips))]


class InsecureSettings(Exception):
    """DEALFLOW_ENV=production with settings unsafe to serve the internet with."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("Refusing to start in production: " + " ".join(problems))
        self.problems = problems


def create_app(
    settings: Settings | None = None,
    *,
    manage_orm: bool = True,
    tracer_provider: TracerProvider | None = None,
) -> Starlette:
    """The app; `manage_orm=False` when the caller has opened the ORM itself (tests);
    with `TRACING=otlp`, `tracer_provider` instead of one exporting as OpenTelemetry's
    variables say (tests)."""
    settings = settings or Settings.from_env()
    if problems := settings.insecure_for_production():
        raise InsecureSettings(problems)
    if problem := tracing_problem(settings.tracing):
        raise ValueError(problem)
    traces = (
        Traces(
            tracer_provider or provider_from_env(),
            owned=tracer_provider is None,
            postgres=settings.database_url.startswith(("postgres", "asyncpg")),
        )
        if settings.tracing == "otlp"
        else None
    )
    opaque.use_secret(settings.id_secret())
    passwords.use_hasher(settings.password_hasher())
    live = LiveUpdates(settings.live_settings())
    webhooks = WebhookWorker(settings.webhook_policy(), settings.webhook_poll_seconds)
    if settings.webhook_worker:
        live.log_listeners.append(webhooks.wake)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if manage_orm:
            await open_orm(tortoise_config(settings))
        if traces is not None:
            traces.start()
        try:
            async with (
                live,
                graphql.socket_slots,
                webhooks if settings.webhook_worker else contextlib.nullcontext(),
            ):
                tune_for_serving()
                yield
        finally:
            await graphql.persisted.close()
            if traces is not None:
                traces.stop()
            process_ended()
            if manage_orm:
                await Tortoise.close_connections()

    graphql = DealflowGraphQL(settings)
    app = FramelessStarlette(
        debug=False,
        routes=[
            Route("/graphql", graphql, methods=["GET", "POST"]),
            Route("/files/{digest}", serve_file),
            Route("/export/deals.csv", export_deals),
            Route("/forms/{token}", submit_form, methods=["POST"]),
            Route("/forms/{token}", form_preflight, methods=["OPTIONS"]),
            Route("/healthz", healthz),
            Route("/metrics", serve_metrics),
            Route("/readyz", readyz),
            *web_routes(Path(settings.web_dist_dir)),
        ],
        middleware=[
            Middleware(RawSocketSend),
            *([Middleware(HTTPSpans, provider=traces.provider)] if traces is not None else []),
            Middleware(RequestIds),
            *_trusted_proxies(settings),
            Middleware(SecurityHeaders),
            Middleware(
                BodySizeLimit,
                max_bytes=settings.max_request_bytes,
                max_multipart_bytes=settings.max_upload_bytes + settings.max_request_bytes,
            ),
            Middleware(
                APICORSMiddleware,
                allow_origins=list(settings.allowed_origins),
                allow_methods=["GET", "POST"],
                allow_headers=list(settings.cors_allow_headers),
                # What a web client may read of an answer besides the basics.
                expose_headers=["x-request-id", "retry-after", "etag"],
            ),
            # The API's WebSockets (live updates), past Starlette's routing.
            Middleware(SocketRoute, path="/graphql", endpoint=graphql),
        ],
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.rate_limits = graphql.rate_limits
    app.state.live = live
    app.state.webhooks = webhooks
    return app
