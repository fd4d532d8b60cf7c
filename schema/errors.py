"""A resolver's `Refused`, as the client sees it: `UserError`s in a mutation's payload
(`payload_of`), or a GraphQL error with its code elsewhere (`present_refusals`); and
every result's errors logged and masked in one place (`process_errors`)."""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable
from typing import TypeVar

import strawberry
from graphql import GraphQLError, GraphQLSyntaxError
from strawberry.schema.exceptions import InvalidOperationTypeError
from strawberry.types import ExecutionContext
from strawberry.utils.logging import StrawberryLogger

from resolvers.errors import ErrorCode, Refused
from schema.extensions import is_internal_error, is_outage, mask_internal_errors
from schema.ids import global_id

logger = logging.getLogger("dealflow")


@strawberry.type(description="An expected refusal: nothing was changed.")
class UserError:
    code: str = strawberry.field(
        description="Stable machine-readable code, one of: " + ", ".join(ErrorCode) + "."
    )
    message: str = strawberry.field(description="A sentence to show to a person.")
    field: list[str] | None = strawberry.field(
        default=None, description="Path of the input field at fault, e.g. [input, name]."
    )
    ids: list[strawberry.ID] | None = strawberry.field(
        default=None,
        description="The objects the error is about, e.g. the missing mandatory steps.",
    )
    retry_after: int | None = strawberry.field(
        default=None,
        description="For RATE_LIMITED: seconds to wait before the same request may succeed.",
    )


def user_errors(refused: Refused) -> list[UserError]:
    return [
        UserError(
            code=str(p.code),
            message=p.message,
            field=list(p.field) if p.field else None,
            ids=[strawberry.ID(global_id(kind, pk)) for kind, pk in p.subjects] or None,
            retry_after=p.retry_after,
        )
        for p in refused.problems
    ]


def present_refusals(errors: list[GraphQLError]) -> None:
    """Every `Refused` that reached GraphQL (a query or subscription field has no
    payload to carry it: a bad cursor, a page too large, an unknown process) becomes
    its error's message and code, in place: the one place this conversion happens
    (`DealflowSchema.process_errors`, on every path). Only the first problem is told:
    a GraphQL error has one message."""
    for error in errors:
        refusal = error.original_error
        if isinstance(refusal, Refused):
            problem = refusal.problems[0]
            extensions: dict[str, object] = {
                "code": str(problem.code),
                "field": list(problem.field or ()),
            }
            if problem.retry_after is not None:
                extensions["retryAfter"] = problem.retry_after
            error.message = problem.message
            error.extensions = extensions


def code_request_errors(errors: list[GraphQLError]) -> None:
    """Every error of a document that did not run gets a code, in place: a syntax error
    `GRAPHQL_PARSE_FAILED` (the token limit's `QUERY_TOO_COMPLEX`), the schema's
    validation rules' errors `GRAPHQL_VALIDATION_FAILED`, an operation of a type the
    transport does not take (a query over a socket's `subscribe`) `BAD_REQUEST`. The
    others have theirs already (values that do not coerce `VALIDATION`, the limits
    `QUERY_TOO_COMPLEX`); an error with a path or another original exception is
    execution's, not the document's."""
    for error in errors:
        if (error.extensions or {}).get("code"):
            continue
        if isinstance(error.original_error, InvalidOperationTypeError):
            code = ErrorCode.BAD_REQUEST
        elif isinstance(error, GraphQLSyntaxError):
            too_long = "tokens. Parsing aborted" in error.message
            code = ErrorCode.QUERY_TOO_COMPLEX if too_long else ErrorCode.GRAPHQL_PARSE_FAILED
        elif error.path is None and error.original_error is None:
            code = ErrorCode.GRAPHQL_VALIDATION_FAILED
        else:
            continue
        error.extensions = {**(error.extensions or {}), "code": str(code)}


# Quoted text, closed or running to the end (each scan stops at its quote: linear).
_QUOTED = re.compile(r'"[^"]*"?|\'[^\']*\'?')


def loggable(message: str, limit: int = 300) -> str:
    """An error message as it may be logged: graphql-core's quote the client's values
    (`got invalid value {...}`, `non-integer value: 'hunter2'`, `found String "..."`),
    which may be a password or a note. Everything from the first `{` or `[` to the last
    `}` or `]` goes, then every quoted text (single or double quotes, closed or not), each
    replaced by `…`; the length is cut last."""
    for opening, closing in (("{", "}"), ("[", "]")):
        start, end = message.find(opening), message.rfind(closing)
        if start != -1:
            message = message[:start] + "…" + (message[end + 1 :] if end > start else "")
    return _QUOTED.sub("…", message)[:limit]


Payload = TypeVar("Payload")


async def payload_of(
    action: Callable[[], Awaitable[Payload]],
    refused: Callable[[list[UserError]], Payload],
) -> Payload:
    """Run a mutation's action; an expected refusal becomes the payload's `errors`."""
    try:
        return await action()
    except Refused as refusal:
        return refused(user_errors(refusal))


def process_errors(
    errors: list[GraphQLError], execution_context: ExecutionContext | None = None
) -> None:
    """Log each error once, then mask the internal ones in place: the one place errors
    are masked, before any result leaves (the schema's `process_errors` and the live
    events' shared results call it).

    An expected refusal (a bad token, a syntax or validation error, a `Refused`) is one
    line at INFO: clients make them all day and a traceback says nothing more. An outage
    is one WARNING line (while the database is away, every request fails the same way).
    Only an unexpected error, a bug, is logged with its traceback."""
    present_refusals(errors)
    code_request_errors(errors)
    outages: list[GraphQLError] = []
    for error in errors:
        if is_outage(error):
            outages.append(error)
        elif is_internal_error(error):
            StrawberryLogger.error(error, execution_context)
        else:
            code = (error.extensions or {}).get("code", "-")
            logger.info("refused (%s): %s", code, loggable(error.message))
    if outages:
        logger.warning("the database is unavailable: %r", outages[0].original_error)
    mask_internal_errors(errors)
