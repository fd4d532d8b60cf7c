"""The GraphQL surface: Strawberry types, inputs, errors and thin root fields."""

from __future__ import annotations

import logging
from datetime import datetime
from decimal import Decimal as PythonDecimal

import strawberry
from graphql import GraphQLError
from strawberry.schema.config import StrawberryConfig
from strawberry.types import ExecutionContext

from schema.extensions import is_outage, mask_internal_errors, schema_extensions
from schema.root import Mutation, Query
from schema.scalars import DateTime, Decimal
from schema.subscription import SharedEventExecution, Subscription

logger = logging.getLogger("dealflow")


class DealflowSchema(strawberry.Schema):
    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        """Log every error as it is (an outage in one line: while the database is away,
        every request fails the same way), then mask the internal ones in place:
        Strawberry calls this for every result with errors, streamed ones included,
        before the result leaves (see `MaskInternalErrors`)."""
        outages: list[GraphQLError] = []
        others: list[GraphQLError] = []
        for error in errors:
            (outages if is_outage(error) else others).append(error)
        super().process_errors(others, execution_context)
        if outages:
            logger.warning("the database is unavailable: %r", outages[0].original_error)
        mask_internal_errors(errors)


def build_schema(
    max_depth: int = 12, max_aliases: int = 30, max_tokens: int = 2000
) -> strawberry.Schema:
    return DealflowSchema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        execution_context_class=SharedEventExecution,
        extensions=schema_extensions(max_depth, max_aliases, max_tokens),
        config=StrawberryConfig(scalar_map={datetime: DateTime, PythonDecimal: Decimal}),
    )
