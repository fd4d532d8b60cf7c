"""Strawberry's two WebSocket protocol handlers, with one change: a `connection_init`
whose token cannot be checked because the database is out of reach closes the socket
with 1013 (try again later), not with an error from the depths of the server or with
4403, which would tell the client to log in again."""

from __future__ import annotations

import logging
from collections.abc import Awaitable

from strawberry.http.async_base_view import AsyncWebSocketAdapter
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
)
from strawberry.subscriptions.protocols.graphql_transport_ws.types import ConnectionInitMessage
from strawberry.subscriptions.protocols.graphql_ws.handlers import BaseGraphQLWSHandler
from strawberry.subscriptions.protocols.graphql_ws.types import (
    ConnectionInitMessage as LegacyConnectionInitMessage,
)

from resolvers.errors import database_unavailable
from schema.context import Context

logger = logging.getLogger("dealflow")

TRY_AGAIN_LATER = 1013
TRY_AGAIN_REASON = "The service is unavailable for a moment: reconnect shortly."


class TransportWSHandler(BaseGraphQLTransportWSHandler[Context, None]):
    async def handle_connection_init(self, message: ConnectionInitMessage) -> None:
        await _or_try_later(super().handle_connection_init(message), self.websocket)


class LegacyWSHandler(BaseGraphQLWSHandler[Context, None]):
    async def handle_connection_init(self, message: LegacyConnectionInitMessage) -> None:
        await _or_try_later(super().handle_connection_init(message), self.websocket)


async def _or_try_later(connection_init: Awaitable[None], websocket: AsyncWebSocketAdapter) -> None:
    try:
        await connection_init
    except Exception as error:
        if not database_unavailable(error):
            raise
        logger.warning("refused a WebSocket: the database is unavailable: %r", error)
        await websocket.close(code=TRY_AGAIN_LATER, reason=TRY_AGAIN_REASON)
