"""What a WebSocket frame must look like before Strawberry's handlers read it.

Strawberry's handlers index into each frame as the protocol says it is shaped: a JSON
array or number, a `start` whose `query` is not a string, variables that are not an
object, an id that is not a string each raised deep in the server (or, on the legacy
protocol, were ignored). Every frame is checked here first, by the rules of its
sub-protocol; one that breaks them closes the socket with 4400 and one line in the log.
"""

from __future__ import annotations

import json
from typing import Any

from server.request_body import operation_name_problem

INVALID_MESSAGE = 4400
MAX_ID_LENGTH = 128


class MalformedFrame(json.JSONDecodeError):
    """A frame that cannot be read as a message: Strawberry treats it as bad JSON."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason, "", 0)


def decode_frame(data: str | bytes, max_bytes: int) -> object:
    """JSON, within `max_bytes` and nested no deeper than Python can read."""
    if len(data) > max_bytes:
        raise MalformedFrame(f"Messages are limited to {max_bytes} bytes.")
    try:
        return json.loads(data)
    except RecursionError:
        raise MalformedFrame("The message is nested too deeply.") from None


def transport_problem(message: object) -> str | None:
    """What is wrong with a `graphql-transport-ws` message, or None."""
    if not isinstance(message, dict):
        return "A message must be a JSON object."
    kind = message.get("type")
    if kind in ("connection_init", "ping", "pong"):
        return _optional_object(message, "payload")
    if kind == "subscribe":
        return _id_problem(message) or _operation_problem(message.get("payload"))
    if kind == "complete":
        return _id_problem(message)
    return _unknown(kind)


def legacy_problem(message: object) -> str | None:
    """What is wrong with a `graphql-ws` (subscriptions-transport-ws) message, or None."""
    if not isinstance(message, dict):
        return "A message must be a JSON object."
    kind = message.get("type")
    if kind == "connection_init":
        return _optional_object(message, "payload")
    if kind == "connection_terminate":
        return None
    if kind == "start":
        return _id_problem(message) or _operation_problem(message.get("payload"))
    if kind == "stop":
        return _id_problem(message)
    return _unknown(kind)


def _unknown(kind: object) -> str:
    if not isinstance(kind, str):
        return "A message needs a `type` that is a string."
    return f"Unknown message type: {kind[:40]!r}."


def _optional_object(message: dict[str, Any], key: str) -> str | None:
    value = message.get(key)
    if value is not None and not isinstance(value, dict):
        return f"`{key}` must be an object."
    return None


def _id_problem(message: dict[str, Any]) -> str | None:
    op_id = message.get("id")
    if not isinstance(op_id, str) or not 0 < len(op_id) <= MAX_ID_LENGTH:
        return f"`id` must be a string of 1 to {MAX_ID_LENGTH} characters."
    return None


def _operation_problem(payload: object) -> str | None:
    if not isinstance(payload, dict):
        return "`payload` must be an object."
    if not isinstance(payload.get("query"), str):
        return "`payload.query` must be a string."
    name_problem = operation_name_problem(payload.get("operationName"), "payload.operationName")
    if name_problem is not None:
        return name_problem
    for key in ("variables", "extensions"):
        if payload.get(key) is not None and not isinstance(payload[key], dict):
            return f"`payload.{key}` must be an object."
    return None
