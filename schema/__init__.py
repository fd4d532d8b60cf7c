"""The GraphQL surface: Strawberry types, inputs, errors and thin root fields."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal as PythonDecimal

import strawberry
from graphql import GraphQLError, GraphQLScalarType
from strawberry.schema.config import StrawberryConfig
from strawberry.types import ExecutionContext

from schema.argument_docs import describe_arguments
from schema.cost import DEFAULT_MAX_COST
from schema.enum_values import describe_enum_values
from schema.errors import process_errors
from schema.extensions import schema_extensions
from schema.field_docs import describe_fields
from schema.limits import DEFAULT_MAX_DOCUMENT_CHARS
from schema.live.execution import SharedEventExecution
from schema.live.fields import Subscription
from schema.root import Mutation, Query
from schema.scalars import SPECIFIED_BY, DateTime, Decimal


class DealflowSchema(strawberry.Schema):
    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        """Strawberry calls this for every result with errors on every path (HTTP and
        WebSocket, refused before execution or failed during it); live events' shared
        results, which do not go through Strawberry, are processed by the same function
        (`schema.live.execution`). A masking extension as well would only repeat it, and
        cost a hook on every streamed result of every socket."""
        process_errors(errors, execution_context)


def build_schema(
    max_depth: int = 12,
    max_aliases: int = 30,
    max_tokens: int = 2000,
    *,
    max_cost: int = DEFAULT_MAX_COST,
    max_document_chars: int = DEFAULT_MAX_DOCUMENT_CHARS,
    introspection: bool = True,
) -> strawberry.Schema:
    built = DealflowSchema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        execution_context_class=SharedEventExecution,
        extensions=schema_extensions(
            max_depth, max_aliases, max_tokens, max_cost, max_document_chars, introspection
        ),
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
