"""The GraphQL surface: Strawberry types, inputs, errors and thin root fields."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry.schema.config import StrawberryConfig

from schema.extensions import schema_extensions
from schema.root import Mutation, Query
from schema.scalars import DateTime
from schema.subscription import SharedEventExecution, Subscription


def build_schema(
    max_depth: int = 12, max_aliases: int = 30, max_tokens: int = 2000
) -> strawberry.Schema:
    return strawberry.Schema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        execution_context_class=SharedEventExecution,
        extensions=schema_extensions(max_depth, max_aliases, max_tokens),
        config=StrawberryConfig(scalar_map={datetime: DateTime}),
    )
