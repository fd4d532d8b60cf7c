"""Strawberry's two WebSocket protocol handlers, with what Dealflow adds to both:

- every frame is checked against its sub-protocol first (`server.websocket_messages`):
  a malformed one closes the socket with 4400, never an exception in the server;
- a socket that has not sent `connection_init` within `WS_INIT_TIMEOUT_SECONDS` is
  closed with 4408 (Strawberry does it for `graphql-transport-ws`; here for the legacy
  `graphql-ws` too, which would otherwise stay open forever);
- a refused `connection_init` closes with 4403 on both (Strawberry's legacy handler
  uses 1011, "server error");
- a `connection_init` whose token cannot be checked because the database is out of reach
  closes with 1013 (try again later), not with an error from the depths of the server
  or with 4403, which would tell the client to log in again;
- a handled message is emptied, so that an idle socket does not keep its last one;
- each operation's task gets a frame sink (`server.frames`), so that its live events
  are written as frames, not streamed as results (`schema.live.execution`);
- a subscription the feed takes over (`subscriptions.feeds.HandedOver`) has its
  execution unwound and waits for its end with no task (the operation's task is the
  subscription's end, a future that `complete`, `stop` and the socket's close cancel);
  it ends as Strawberry's stream would have: an error as the last result, then
  `complete` (`handed_over`);
- operations and `connection_init`s are set up in turns (`server.setup_turns`);
- every operation a socket starts (`subscribe`, `start`) counts against the operations'
  rate limits, for the socket's token and address, as an HTTP request does, before its
  document is read: one over a limit is answered with its `error` message
  (`RATE_LIMITED`, `retryAfter`) and never runs.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Coroutine, Mapping
from typing import Any, Protocol, cast

from graphql import ExecutionResult, GraphQLError, GraphQLFormattedError
from starlette.websockets import WebSocket
from strawberry.asgi import ASGIWebSocketAdapter
from strawberry.exceptions import ConnectionRejectionError
from strawberry.http.async_base_view import AsyncWebSocketAdapter
from strawberry.http.exceptions import (
    NonJsonMessageReceived,
    NonTextMessageReceived,
    WebSocketDisconnected,
)
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
    Operation,
)
from strawberry.subscriptions.protocols.graphql_transport_ws.types import (
    ConnectionInitMessage,
    ErrorMessage,
    Message,
)
from strawberry.subscriptions.protocols.graphql_ws.handlers import BaseGraphQLWSHandler
from strawberry.subscriptions.protocols.graphql_ws.types import (
    ConnectionInitMessage as LegacyConnectionInitMessage,
)
from strawberry.subscriptions.protocols.graphql_ws.types import (
    ErrorMessage as LegacyErrorMessage,
)
from strawberry.subscriptions.protocols.graphql_ws.types import OperationMessage
from strawberry.types.unset import UnsetType

from resolvers.errors import Refused, database_unavailable
from schema.context import Context
from schema.errors import process_errors
from schema.extensions import public_error
from schema.live.execution import (
    FrameSink,
    payload_text,
    stream_opened,
    stream_opening,
    use_frame_sink,
)
from server.frames import legacy_sink, transport_sink
from server.operation_rate_limits import rate_limit_error
from server.setup_turns import SetupTurns, Turn
from server.websocket_messages import INVALID_MESSAGE, legacy_problem, transport_problem
from subscriptions.feeds import HandedOver

logger = logging.getLogger("dealflow")

TRY_AGAIN_LATER = 1013
TRY_AGAIN_REASON = "The service is unavailable for a moment: reconnect shortly."
REFUSED = 4403
INIT_TIMEOUT = 4408
INIT_TIMEOUT_REASON = "Connection initialisation timeout"
NOT_TEXT = "WebSocket message type must be text"
NOT_JSON = "WebSocket message must be valid JSON"


def _socket(adapter: AsyncWebSocketAdapter) -> WebSocket:
    assert isinstance(adapter, ASGIWebSocketAdapter), "the app serves WebSockets through ASGI"
    return adapter.ws


class TransportWSHandler(BaseGraphQLTransportWSHandler[Context, None]):
    async def run_operation(self, operation: Operation[Context, None]) -> None:
        sink = transport_sink(_socket(self.websocket), operation.id, operation)
        use_frame_sink(sink)
        async with _turn(self.view) as turn:
            stream_opening.set(turn.done)
            try:
                await super().run_operation(operation)
                return
            except HandedOver as handed:
                ended, ending = handed.ended, handed.ending
        # Still in `self.operations`, with no task: what `complete` and the socket's end
        # cancel is the subscription's end (`ended`), and only when it comes does a task
        # send what it says. Its document and variables have served.
        operation.query, operation.variables = "", None
        operation.task = cast("asyncio.Task[None]", ended)

        def end(ended: asyncio.Future[object]) -> None:
            # Not if the client completed it meanwhile (its id may be in use again).
            here = self.operations.get(operation.id) is operation
            if not ended.cancelled() and here and operation.task is ended:
                operation.task = _running(self._end(operation, ending, sink))

        ended.add_done_callback(end)

    async def _end(
        self, operation: Operation[Context, None], ending: Ending, sink: FrameSink
    ) -> None:
        await handed_over(ending, sink)
        await operation.send_operation_message({"id": operation.id, "type": "complete"})

    async def send_message(self, message: Message) -> None:
        stream_opened()  # an operation's setup is over once it answers: its turn goes
        await super().send_message(message)

    async def handle_message(self, message: Message) -> None:
        problem = transport_problem(message)
        if problem is not None:
            await self.handle_invalid_message(problem)
            return
        if (
            message["type"] == "subscribe"
            and self.connection_acknowledged
            and message["id"] not in self.operations  # Strawberry closes it with 4409
        ):
            refused = await _over_limit(self.context)
            if refused is not None:
                error = ErrorMessage(id=message["id"], type="error", payload=[refused])
                await self.send_message(error)
                _let_go(message)
                return
        await super().handle_message(message)
        _let_go(message)

    async def handle_invalid_message(self, error_message: str) -> None:
        logger.info("closed a WebSocket with %d: %s", INVALID_MESSAGE, error_message)
        with contextlib.suppress(Exception):  # already closing: nothing more to say
            await self.websocket.close(code=INVALID_MESSAGE, reason=error_message)

    async def handle_connection_init(self, message: ConnectionInitMessage) -> None:
        if self.connection_init_timeout_task is not None and not self.connection_timed_out:
            # It came in time: waiting for a turn must not close it with 4408.
            self.connection_init_timeout_task.cancel()
        await _or_try_later(super().handle_connection_init(message), self.websocket, self.view)
        # Strawberry has cancelled the timeout; kept, the cancelled task (its error, its
        # traceback and frames) would stay for as long as the socket is open.
        self.connection_init_timeout_task = None


class LegacyWSHandler(BaseGraphQLWSHandler[Context, None]):
    """Strawberry's `handle` and `handle_connection_init`, with an init timeout, bad
    frames refused (Strawberry's ignores what is not JSON) and 4403 for a refusal."""

    init_received = False

    async def handle(self) -> None:
        timeout = asyncio.create_task(self._close_unless_initialised())
        try:
            try:
                async for message in self.websocket.iter_json():
                    await self.handle_message(cast("OperationMessage", message))
            except NonTextMessageReceived:
                await self._invalid(NOT_TEXT)
            except NonJsonMessageReceived:
                await self._invalid(NOT_JSON)
        except WebSocketDisconnected:
            pass
        finally:
            timeout.cancel()
            if self.keep_alive_task:
                self.keep_alive_task.cancel()
                with contextlib.suppress(BaseException):
                    await self.keep_alive_task
            await self.cleanup()

    async def _close_unless_initialised(self) -> None:
        await asyncio.sleep(self.view.connection_init_wait_timeout.total_seconds())
        if not self.init_received:
            with contextlib.suppress(Exception):
                await self.websocket.close(code=INIT_TIMEOUT, reason=INIT_TIMEOUT_REASON)

    async def _invalid(self, problem: str) -> None:
        logger.info("closed a WebSocket with %d: %s", INVALID_MESSAGE, problem)
        with contextlib.suppress(Exception):
            await self.websocket.close(code=INVALID_MESSAGE, reason=problem)

    async def handle_async_results(
        self,
        operation_id: str,
        query: str,
        operation_name: str | None,
        variables: dict[str, object] | None,
    ) -> None:
        sink = legacy_sink(_socket(self.websocket), operation_id)
        use_frame_sink(sink)
        async with _turn(self.view) as turn:
            stream_opening.set(turn.done)
            try:
                await super().handle_async_results(operation_id, query, operation_name, variables)
                return
            except HandedOver as handed:
                ended, ending = handed.ended, handed.ending
        # Strawberry let the operation go when the stream unwound: it is the
        # subscription's end again (`stop` and the socket's end cancel it), with no task
        # until it comes; it ends as Strawberry's would, `complete` even when stopped.
        self.tasks[operation_id] = cast("asyncio.Task[None]", ended)

        def end(ended: asyncio.Future[object]) -> None:
            if not ended.cancelled() and self.tasks.get(operation_id) is ended:
                self.tasks[operation_id] = _running(self._end(operation_id, ending, sink))

        ended.add_done_callback(end)

    async def cleanup_operation(self, operation_id: str) -> None:
        """Strawberry's, and `complete` for a stopped subscription the feed wrote for,
        as Strawberry's own operation sends it when cancelled."""
        waiting = self.tasks.get(operation_id)
        await super().cleanup_operation(operation_id)
        if waiting is not None and not isinstance(waiting, asyncio.Task):
            with contextlib.suppress(Exception):  # a socket that is going
                await self.send_message({"type": "complete", "id": operation_id})

    async def _end(self, operation_id: str, ending: Ending, sink: FrameSink) -> None:
        try:
            await handed_over(ending, sink)
            await self.send_message({"type": "complete", "id": operation_id})
        except asyncio.CancelledError:
            await self.send_message({"type": "complete", "id": operation_id})
        finally:
            if self.tasks.get(operation_id) is asyncio.current_task():
                del self.tasks[operation_id]

    async def send_message(self, message: OperationMessage) -> None:
        stream_opened()  # an operation's setup is over once it answers: its turn goes
        await super().send_message(message)

    async def handle_message(self, message: OperationMessage) -> None:
        problem = legacy_problem(message)
        if problem is not None:
            await self._invalid(problem)
            return
        if message["type"] == "start" and self.connection_acknowledged:
            refused = await _over_limit(self.context)
            if refused is not None:
                error = LegacyErrorMessage(type="error", id=message["id"], payload=refused)
                await self.send_message(error)
                _let_go(message)
                return
        await super().handle_message(message)
        _let_go(message)

    async def handle_connection_init(self, message: LegacyConnectionInitMessage) -> None:
        self.init_received = True
        await _or_try_later(self._connection_init(message), self.websocket, self.view)

    async def _connection_init(self, message: LegacyConnectionInitMessage) -> None:
        self.context.connection_params = message.get("payload")
        try:
            ack: Any = await self.view.on_ws_connect(self.context)
        except ConnectionRejectionError as rejection:
            await self.send_message({"type": "connection_error", "payload": rejection.payload})
            await self.websocket.close(code=REFUSED, reason="Forbidden")
            return
        if isinstance(ack, UnsetType) or ack is None:
            await self.send_message({"type": "connection_ack"})
        else:
            await self.send_message({"type": "connection_ack", "payload": ack})
        self.connection_acknowledged = True
        if self.keep_alive and self.keep_alive_task is None:
            self.keep_alive_task = asyncio.create_task(self.handle_keep_alive())


Ending = Callable[[], Awaitable[None]]


async def _over_limit(context: Context) -> GraphQLFormattedError | None:
    """One more operation of the socket's token and address: its error if over a limit."""
    limits = context.rate_limits
    if limits is None:
        return None
    wait = await limits.operation_wait(context.token, context.client_address)
    return None if wait is None else cast(GraphQLFormattedError, rate_limit_error(wait))


def _running(work: Coroutine[object, object, None]) -> asyncio.Task[None]:
    """A handed-over subscription's end, sent in a task of its own: a socket gone
    meanwhile is no error to log."""
    task = asyncio.create_task(work)
    task.add_done_callback(_heard)
    return task


def _heard(task: asyncio.Task[None]) -> None:
    if not task.cancelled():
        task.exception()


async def handed_over(ending: Ending, sink: FrameSink) -> None:
    """An operation whose live events the feed writes (`subscriptions.feeds.HandedOver`):
    its GraphQL execution is over and nothing of it is kept, but the socket's operation
    waits for its end. If it ends with an error, the error goes out as the stream's last
    result would have (processed and masked, `schema.errors.process_errors`); the caller
    then completes the operation in its sub-protocol's way."""
    try:
        await ending()
    except Exception as error:
        wrapped = (
            error
            if isinstance(error, GraphQLError)
            else GraphQLError(str(error), original_error=error)
        )
        errors = [wrapped]
        process_errors(errors)
        if errors[0] is wrapped and not isinstance(error, GraphQLError | Refused):
            # With no path, `process_errors` takes a ValueError or TypeError for a
            # client's value refused; here it is the server's own: never its words.
            errors = [public_error(wrapped)]
        await sink.next(payload_text(ExecutionResult(data=None, errors=errors)))


def _let_go(message: Mapping[str, object]) -> None:
    """Empty a message once handled. The read loop keeps the last message it read until
    the next arrives: for a subscribed socket, its `subscribe` (the operation has taken
    the document and variables it needs), for as long as the socket stays quiet, which
    for a board on a wall is all day."""
    cast("dict[str, object]", message).clear()


class _Served(Protocol):
    """The view the handlers serve (`server.app.DealflowGraphQL`)."""

    setup_turns: SetupTurns


def _turn(view: object) -> Turn:
    """A turn to set something up on this socket (`server.setup_turns`)."""
    return cast("_Served", view).setup_turns.turn()


async def _or_try_later(
    connection_init: Awaitable[None], websocket: AsyncWebSocketAdapter, view: object
) -> None:
    try:
        async with _turn(view):
            await connection_init
    except Exception as error:
        if not database_unavailable(error):
            raise
        logger.warning("refused a WebSocket: the database is unavailable: %r", error)
        await websocket.close(code=TRY_AGAIN_LATER, reason=TRY_AGAIN_REASON)
