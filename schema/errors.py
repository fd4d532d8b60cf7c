"""A resolver's `Refused`, as the client sees it: `UserError`s in a mutation's payload
(`payload_of`), or a GraphQL error with its code elsewhere (`present_refusals`)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

import strawberry
from graphql import GraphQLError

from resolvers.errors import Refused
from schema.ids import global_id


@strawberry.type(description="An expected refusal: nothing was changed.")
class UserError:
    code: str = strawberry.field(
        description="Stable machine-readable code, e.g. NOT_FOUND, FORBIDDEN, VALIDATION."
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
