"""The Starlette application: `/graphql` (HTTP and WebSocket), `/healthz` and `/readyz`."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL, GRAPHQL_WS_PROTOCOL
from tortoise import Tortoise, connections

from resolvers import auth
from resolvers.errors import database_unavailable
from schema import build_schema
from schema.context import Context
from server.auth import bearer_token, connection_init_token
from server.database import tortoise_config
from server.files import serve_file
from server.frames import FrameEncoder
from server.gc_tuning import tune_for_serving
from server.limits import BodySizeLimit
from server.settings import Settings
from server.websocket_handlers import LegacyWSHandler, TransportWSHandler
from server.websocket_messages import decode_frame
from subscriptions.live import LiveUpdates

logger = logging.getLogger("dealflow")


class DealflowGraphQL(GraphQL[Context, None]):
    graphql_transport_ws_handler_class = TransportWSHandler
    graphql_ws_handler_class = LegacyWSHandler

    def __init__(self, settings: Settings) -> None:
        super().__init__(
            build_schema(settings.max_query_depth, settings.max_aliases, settings.max_tokens),
            graphql_ide="graphiql" if settings.debug else None,
            subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL, GRAPHQL_WS_PROTOCOL),
            max_subscriptions_per_connection=settings.max_subscriptions_per_connection,
            allowed_origins=settings.allowed_origins,
            multipart_uploads_enabled=True,
            connection_init_wait_timeout=timedelta(seconds=settings.ws_init_timeout_seconds),
        )
        self.settings = settings
        self.frames = FrameEncoder()

    def encode_json(self, data: object) -> str:
        return self.frames.encode(data)

    def decode_json(self, data: str | bytes) -> object:
        return decode_frame(data, self.settings.max_request_bytes)

    async def get_context(self, request: Request | WebSocket, response: Any) -> Context:
        token = (
            None
            if isinstance(request, WebSocket)
            else bearer_token(request.headers.get("authorization"))
        )
        return Context(
            request=request,
            token=token,
            client_address=request.client.host if request.client else "unknown",
            login_policy=self.settings.login_policy(),
            file_store=self.settings.file_store(),
            live=getattr(request.app.state, "live", None),
        )

    async def on_ws_connect(self, context: Context) -> None:
        """Authenticate a socket once, from its `connection_init` payload."""
        token = connection_init_token(context.connection_params)
        user = await auth.authenticate(token) if token else None
        if user is None or token is None:
            raise ConnectionRejectionError({"message": "Authentication required."})
        context.token, context.user, context.authenticated = token, user, True
        if context.live is not None and isinstance(context.request, WebSocket):
            context.live.sessions.opened(context.request, token, user)


async def healthz(request: Request) -> JSONResponse:
    return JSONResponse({"status": "ok"})


async def readyz(request: Request) -> JSONResponse:
    """Ready when the database answers. An outage is logged in one line per probe (a
    load balancer probes every few seconds for as long as it lasts); anything else with
    its trace."""
    try:
        await connections.get("default").execute_query("SELECT 1")
    except Exception as error:
        if database_unavailable(error):
            logger.warning("readiness check: the database is unavailable: %r", error)
        else:
            logger.exception("readiness check failed")
        return JSONResponse({"status": "unavailable", "database": "down"}, status_code=503)
    return JSONResponse({"status": "ok", "database": "up"})


def create_app(settings: Settings | None = None, *, manage_orm: bool = True) -> Starlette:
    """The app; `manage_orm=False` when the caller has opened the ORM itself (tests)."""
    settings = settings or Settings.from_env()
    live = LiveUpdates(settings.live_settings())

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if manage_orm:
            await Tortoise.init(config=tortoise_config(settings), _enable_global_fallback=True)
        try:
            async with live:
                tune_for_serving()
                yield
        finally:
            if manage_orm:
                await Tortoise.close_connections()

    graphql = DealflowGraphQL(settings)
    app = Starlette(
        debug=False,
        routes=[
            Route("/graphql", graphql, methods=["GET", "POST"]),
            WebSocketRoute("/graphql", graphql),
            Route("/files/{digest}", serve_file),
            Route("/healthz", healthz),
            Route("/readyz", readyz),
        ],
        middleware=[
            Middleware(
                BodySizeLimit,
                max_bytes=settings.max_request_bytes,
                max_multipart_bytes=settings.max_upload_bytes + settings.max_request_bytes,
            ),
            Middleware(
                CORSMiddleware,
                allow_origins=list(settings.allowed_origins),
                allow_methods=["GET", "POST"],
                allow_headers=["authorization", "content-type"],
            ),
        ],
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.live = live
    return app
