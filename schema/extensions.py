"""Schema extensions: protection limits, error masking and per-operation loaders.

Extensions are passed as classes or factories, never instances, so that no execution
state is shared between concurrent requests.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from graphql import GraphQLError
from strawberry.extensions import (
    AddValidationRules,
    MaskErrors,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    SchemaExtension,
    ValidationCache,
)

from resolvers.event_log import collecting_writes
from schema.context import Context

# Clients send the same few documents again and again (a board refreshes all day):
# parsing and validating them once saves milliseconds on every request. The caches are
# bounded, so unique documents cannot grow memory.
DOCUMENT_CACHE_SIZE = 256


class AnnounceWrites(SchemaExtension):
    """After a mutation has committed, announce the event logs it wrote to (the outbox:
    feeds wake now, other processes hear it on the bus)."""

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context.context
        live = context.live if isinstance(context, Context) else None
        if live is None:
            yield
            return
        with collecting_writes() as written:
            yield
        live.outbox.announce(written)


class FreshLoaders(SchemaExtension):
    """Start every operation with empty dataloaders (a WebSocket reuses its context)."""

    def on_operation(self) -> Iterator[None]:
        context = self.execution_context.context
        if isinstance(context, Context):
            context.reset_for_operation()
        yield


def is_internal_error(error: GraphQLError) -> bool:
    """Mask what the code did not mean to say: any exception that is not a GraphQLError.

    Syntax and validation errors carry no original error; errors raised on purpose
    (UNAUTHENTICATED) are GraphQLErrors; everything else is a bug, logged on the server
    and shown to the client only as "Unexpected error."
    """
    original = error.original_error
    return original is not None and not isinstance(original, GraphQLError)


def schema_extensions(
    max_depth: int, max_aliases: int, max_tokens: int
) -> list[type[SchemaExtension] | Callable[[], SchemaExtension]]:
    """The limits' validation rules are made once, so that every request validates with
    the same rules and a validated document can be served from the cache."""
    limits = [
        *QueryDepthLimiter(max_depth=max_depth).validation_rules,
        *MaxAliasesLimiter(max_alias_count=max_aliases).validation_rules,
    ]
    return [
        lambda: AddValidationRules(limits),
        lambda: MaxTokensLimiter(max_token_count=max_tokens),
        lambda: ParserCache(maxsize=DOCUMENT_CACHE_SIZE),
        lambda: ValidationCache(maxsize=DOCUMENT_CACHE_SIZE),
        lambda: MaskErrors(should_mask_error=is_internal_error),
        FreshLoaders,
        AnnounceWrites,
    ]
