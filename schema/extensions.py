"""Schema extensions: protection limits and per-operation loaders. (Internal errors are
masked where the schema processes errors, `schema.DealflowSchema.process_errors`, which
Strawberry calls on every path: HTTP, WebSocket, before and during execution.)

Extensions are passed as classes or factories, never instances, so that no execution
state is shared between concurrent requests.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator

from graphql import (
    ASTValidationRule,
    DocumentNode,
    GraphQLError,
    GraphQLSchema,
    NoSchemaIntrospectionCustomRule,
    OperationDefinitionNode,
    OperationType,
)
from starlette.requests import Request
from strawberry.extensions import (
    MaskErrors,
    ParserCache,
    SchemaExtension,
)
from strawberry.schema.exceptions import InvalidOperationTypeError
from strawberry.schema.schema import validate_document

from resolvers.accounts.display_tokens import is_display_token
from resolvers.errors import ErrorCode, Refused, database_unavailable
from resolvers.events.log import collecting_writes
from schema.context import Context
from schema.cost import operation_cost
from schema.display_scope import DisplayScopeRule
from schema.input_text import LiteralTextRule, mark_literal_refusals
from schema.kept import KEPT_DOCUMENTS, KeptByIdentity
from schema.limits import ShapeLimits, too_complex


class DocumentCache(ParserCache):
    """Strawberry's parser cache, except that a document that does not parse (a syntax
    error, too many tokens) is left to Strawberry's own parse, which turns the error
    into a GraphQL error. The cache's hook raised it outside that: HTTP caught it further
    up, a subscription over WebSocket did not (an exception in the server log). A
    document longer than `max_chars` is parsed but not kept (`DocumentChecks` refuses
    it before any other cache sees it)."""

    def __init__(self, maxsize: int, max_chars: int) -> None:
        super().__init__(maxsize=maxsize)
        self.max_chars = max_chars

    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        if context.query is not None and len(context.query) > self.max_chars:
            yield
            return
        with contextlib.suppress(GraphQLError):
            context.graphql_document = self.cached_parse_document(
                context.query, **context.parse_options
            )
        yield


class NoSubscriptionOverHTTP(ASTValidationRule):
    """Subscriptions are served over WebSockets only: one sent over HTTP is refused like
    any document the schema's rules refuse (`GRAPHQL_VALIDATION_FAILED`), not run."""

    def enter_operation_definition(self, node: OperationDefinitionNode, *_args: object) -> None:
        if node.operation == OperationType.SUBSCRIPTION:
            self.report_error(
                GraphQLError(
                    "Subscriptions are served over WebSockets (graphql-transport-ws or "
                    "graphql-ws at /graphql), not over HTTP.",
                    node,
                )
            )


# Validation's errors per schema, document and rules (`schema.kept`: Strawberry's
# `ValidationCache` hashes the whole document on every lookup, 3% of a board).
_validations: KeptByIdentity[list[GraphQLError]] = KeptByIdentity(KEPT_DOCUMENTS)


def _validated(
    schema: GraphQLSchema, document: DocumentNode, rules: tuple[type[ASTValidationRule], ...]
) -> list[GraphQLError]:
    return _validations.get(
        (schema, document), rules, lambda: validate_document(schema, document, rules)
    )


class DocumentChecks(SchemaExtension):
    """Everything a document must pass before it runs, cheapest first, in one extension
    (every extension costs something on each result of each live subscription):

    1. the token limit, a parser option; the document's length (`max_chars`: comments
       and spaces are no tokens, and a document is kept in caches by its text: 256
       documents padded to the body's limit once held half a gigabyte);
    2. the shape limits (`schema.limits`): linear in the document, and they bound what
       validation's quadratic rule may compare; remembered per document text;
    3. validation, with our rules added, cached per document (with a display token,
       `schema.display_scope`'s rule too: its board and nothing else);
    4. the operation's cost (`schema.cost`), for this request's variables.

    The first refusal answers, as a GraphQL error with no data."""

    def __init__(
        self,
        rules: tuple[type[ASTValidationRule], ...],
        limits: ShapeLimits,
        max_tokens: int,
        max_cost: int,
        max_chars: int,
    ) -> None:
        super().__init__()
        self.rules = rules
        self.limits = limits
        self.max_tokens = max_tokens
        self.max_cost = max_cost
        self.max_chars = max_chars

    def on_operation(self) -> Iterator[None]:
        context = self.execution_context
        context.parse_options["max_tokens"] = self.max_tokens
        context.validation_rules = context.validation_rules + self.rules
        asking = context.context
        if isinstance(asking, Context) and is_display_token(asking.token):
            context.validation_rules = (*context.validation_rules, DisplayScopeRule)
        if isinstance(asking, Context) and isinstance(asking.request, Request):
            context.validation_rules = (*context.validation_rules, NoSubscriptionOverHTTP)
        yield

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        document = context.graphql_document
        assert document is not None
        length = len(context.query) if context.query is not None else 0
        if length > self.max_chars:
            errors = [
                too_complex(
                    f"The document is {length} characters long (comments and spaces "
                    f"included). Allowed: {self.max_chars}."
                )
            ]
        elif context.query is not None:
            errors = shape_errors(self.limits, context.query, document)
        else:
            errors = self.limits.errors(document)
        if not errors:
            errors = mark_literal_refusals(
                _validated(context.schema._schema, document, context.validation_rules)
            )
        if not errors:
            errors = self.cost_errors()
        context.pre_execution_errors = errors
        yield

    def cost_errors(self) -> list[GraphQLError]:
        context = self.execution_context
        assert context.graphql_document is not None
        cost = operation_cost(
            context.schema._schema,
            context.graphql_document,
            context.operation_name,
            context.variables,
        )
        if cost is None or cost <= self.max_cost:
            return []
        return [
            too_complex(
                f"The query would cost {cost} (fields, with page sizes multiplied through "
                f"nested lists). Allowed: {self.max_cost}. Ask for smaller pages or fewer "
                "nested lists."
            )
        ]


_shape_errors: KeptByIdentity[list[GraphQLError]] = KeptByIdentity(KEPT_DOCUMENTS)


def shape_errors(limits: ShapeLimits, query: str, document: DocumentNode) -> list[GraphQLError]:
    """The shape limits' errors for a document, remembered by its text (the same few
    documents come all day); the least recently used is forgotten first."""
    return list(_shape_errors.get((), (limits, query), lambda: limits.errors(document)))


class OperationScope(SchemaExtension):
    """Around every operation: fresh loaders and a fresh token check (a WebSocket reuses
    its context for hours), and, once a mutation has committed, the announcement of the
    event logs it wrote to (the outbox: feeds wake now, other processes hear it on the
    bus)."""

    def on_operation(self) -> Iterator[None]:
        context = self.execution_context.context
        if isinstance(context, Context):
            context.reset_for_operation()
        yield

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context.context
        live = context.live if isinstance(context, Context) else None
        if live is None:
            yield
            return
        with collecting_writes() as written:
            yield
        live.outbox.announce(written)


_MASK = MaskErrors()
UNAVAILABLE_MESSAGE = "The service is unavailable for a moment: try again shortly."


def mask_internal_errors(errors: list[GraphQLError]) -> None:
    """Replace, in place, each internal error (`is_internal_error`) by its public form."""
    for index, error in enumerate(errors):
        if is_internal_error(error):
            errors[index] = public_error(error)


def is_internal_error(error: GraphQLError) -> bool:
    """Mask what the code did not mean to say: any exception that is not a GraphQLError.

    Syntax and validation errors carry no original error; errors raised on purpose
    are GraphQLErrors (UNAUTHENTICATED) or refusals (`Refused`); everything else is the
    database out of reach (`is_outage`) or a bug, logged on the server and shown to the
    client only as "Unexpected error.".
    """
    original = error.original_error
    if isinstance(original, InvalidOperationTypeError):
        return False  # a query sent where only subscriptions go, or the reverse
    if error.path is None and isinstance(original, ValueError | TypeError):
        # Before execution (no path), an exception is a scalar refusing a client's value
        # (a literal or a variable): its message is written for the client.
        return False
    return original is not None and not isinstance(original, GraphQLError | Refused)


def is_outage(error: GraphQLError) -> bool:
    """An internal error that is the database being out of reach, not a bug."""
    original = error.original_error
    return is_internal_error(error) and original is not None and database_unavailable(original)


def public_error(error: GraphQLError) -> GraphQLError:
    """What a client sees of an internal error: `SERVICE_UNAVAILABLE` (retry shortly)
    while the database is out of reach, else only "Unexpected error."; never the
    exception's own words."""
    if not is_outage(error):
        return _MASK.anonymise_error(error)
    return GraphQLError(
        UNAVAILABLE_MESSAGE,
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        extensions={"code": str(ErrorCode.SERVICE_UNAVAILABLE)},
    )


def schema_extensions(
    max_depth: int,
    max_aliases: int,
    max_tokens: int,
    max_cost: int,
    max_chars: int,
    introspection: bool = True,
) -> list[type[SchemaExtension] | Callable[[], SchemaExtension]]:
    """The validation rules and limits are made once, so that every request validates
    with the same rules and a validated document can be served from the cache. Without
    `introspection` (production), `__schema` and `__type` are validation errors."""
    rules: tuple[type[ASTValidationRule], ...] = (
        LiteralTextRule,  # string literals that may not be stored (see schema.input_text)
    )
    if not introspection:
        rules += (NoSchemaIntrospectionCustomRule,)
    limits = ShapeLimits(max_depth, max_aliases, max_fields=max_tokens)
    return [
        lambda: DocumentChecks(rules, limits, max_tokens, max_cost, max_chars),
        lambda: DocumentCache(KEPT_DOCUMENTS, max_chars),
        OperationScope,
    ]
