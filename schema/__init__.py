"""The GraphQL surface: Strawberry types, inputs, errors and thin root fields."""

from __future__ import annotations

import logging
from datetime import datetime
from decimal import Decimal as PythonDecimal

import strawberry
from graphql import GraphQLError, GraphQLScalarType
from strawberry.schema.config import StrawberryConfig
from strawberry.types import ExecutionContext

from schema.argument_docs import describe_arguments
from schema.cost import DEFAULT_MAX_COST
from schema.enum_values import describe_enum_values
from schema.errors import code_request_errors, loggable, present_refusals
from schema.extensions import (
    is_internal_error,
    is_outage,
    mask_internal_errors,
    schema_extensions,
)
from schema.field_docs import describe_fields
from schema.live.execution import SharedEventExecution
from schema.live.fields import Subscription
from schema.root import Mutation, Query
from schema.scalars import SPECIFIED_BY, DateTime, Decimal

logger = logging.getLogger("dealflow")


class DealflowSchema(strawberry.Schema):
    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        """Log each error once, then mask the internal ones in place. The one place
        errors are masked: Strawberry calls this for every result with errors, on every
        path (HTTP and WebSocket, refused before execution or failed during it, each
        streamed result), before the result leaves. A masking extension as well would
        only repeat it, and cost a hook on every streamed result of every socket.

        An expected refusal (a bad token, a syntax or validation error, a `Refused`) is
        one line at INFO: clients make them all day and a traceback says nothing more.
        An outage is one WARNING line (while the database is away, every request fails
        the same way). Only an unexpected error, a bug, is logged with its traceback."""
        present_refusals(errors)
        code_request_errors(errors)
        outages: list[GraphQLError] = []
        bugs: list[GraphQLError] = []
        for error in errors:
            if is_outage(error):
                outages.append(error)
            elif is_internal_error(error):
                bugs.append(error)
            else:
                code = (error.extensions or {}).get("code", "-")
                logger.info("refused (%s): %s", code, loggable(error.message))
        if bugs:
            super().process_errors(bugs, execution_context)
        if outages:
            logger.warning("the database is unavailable: %r", outages[0].original_error)
        mask_internal_errors(errors)


def build_schema(
    max_depth: int = 12,
    max_aliases: int = 30,
    max_tokens: int = 2000,
    *,
    max_cost: int = DEFAULT_MAX_COST,
    introspection: bool = True,
) -> strawberry.Schema:
    built = DealflowSchema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        execution_context_class=SharedEventExecution,
        extensions=schema_extensions(max_depth, max_aliases, max_tokens, max_cost, introspection),
        config=StrawberryConfig(scalar_map={datetime: DateTime, PythonDecimal: Decimal}),
    )
    describe_enum_values(built._schema)
    describe_arguments(built._schema)
    for name, url in SPECIFIED_BY.items():
        scalar = built._schema.type_map.get(name)
        if isinstance(scalar, GraphQLScalarType):
            scalar.specified_by_url = url
    describe_fields(built._schema)
    return built
