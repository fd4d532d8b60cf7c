"""Text the database cannot store, or should not: refused for every input at once.

Every string a client sends (variables at any depth, their keys, uploads' file names,
and string literals in the document) is checked in one place before any resolver runs,
so that a new field cannot forget it: `CheckedExecution.build` for variables (queries,
mutations and subscriptions all build their executor there) and `LiteralTextRule` for
the document (a validation rule, so its verdict is cached with the document).

Refused: control characters other than tab, line feed and carriage return (C0, DEL and
the C1 range: NUL is an error on PostgreSQL and invisible everywhere else), lone
surrogates (not Unicode: no encoding can store them) and Unicode noncharacters (not
for interchange). Carriage return stays allowed: text pasted from Windows has it.
"""

from __future__ import annotations

from typing import Any

from graphql import ASTValidationRule, GraphQLError, StringValueNode
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from resolvers.errors import ErrorCode
from resolvers.validation import UNSTORABLE_MESSAGE, storable


def unstorable_path(value: Any, path: list[str]) -> list[str] | None:
    """The path to the first string in `value` (JSON, possibly with uploads) that may not
    be stored, or None. Iterative: a deeply nested value cannot exhaust the stack."""
    pending: list[tuple[Any, list[str]]] = [(value, path)]
    while pending:
        item, where = pending.pop()
        if isinstance(item, str):
            if not storable(item):
                return where
        elif isinstance(item, dict):
            for key, inner in item.items():
                if isinstance(key, str) and not storable(key):
                    return where
                pending.append((inner, [*where, str(key)]))
        elif isinstance(item, list | tuple):
            pending.extend((inner, [*where, str(index)]) for index, inner in enumerate(item))
        else:
            name = getattr(item, "filename", None)  # an upload: its file name
            if isinstance(name, str) and not storable(name):
                return where
    return None


def unstorable_error(field: list[str] | None) -> GraphQLError:
    return GraphQLError(
        UNSTORABLE_MESSAGE,
        extensions={"code": str(ErrorCode.VALIDATION), "field": field or []},
    )


class LiteralTextRule(ASTValidationRule):
    """String literals in the document (arguments, defaults) that may not be stored.
    Lone surrogates never get here: the GraphQL lexer refuses them."""

    def enter_string_value(self, node: StringValueNode, *_args: object) -> None:
        if not storable(node.value):
            error = unstorable_error(None)
            self.report_error(GraphQLError(error.message, node, extensions=error.extensions))


class CheckedExecution(StrawberryGraphQLCoreExecutionContext):
    """Refuses unstorable text in the variables before they are coerced; and gives the
    errors of coercing variables (a malformed DateTime or Decimal) the `VALIDATION`
    code, since they are the client's input at fault."""

    @classmethod
    def build(cls, *args: Any, **kwargs: Any) -> list[GraphQLError] | Any:
        # graphql-core passes its arguments positionally; the fifth is the variables.
        raw = args[4] if len(args) > 4 else kwargs.get("raw_variable_values")
        if raw:
            where = unstorable_path(raw, [])
            if where is not None:
                return [unstorable_error(where)]
        built = super().build(*args, **kwargs)
        if isinstance(built, list):
            for error in built:
                mark_as_validation(error)
        return built


def mark_as_validation(error: GraphQLError) -> None:
    """Give an error about the client's values (a variable that does not coerce, a
    literal a scalar refuses) the `VALIDATION` code, unless it has a code already."""
    if not (error.extensions or {}).get("code"):
        error.extensions = {**(error.extensions or {}), "code": str(ErrorCode.VALIDATION)}


def mark_literal_refusals(errors: list[GraphQLError]) -> list[GraphQLError]:
    """Validation's errors, those of a literal a scalar refused (`value: "1_000"` for a
    Decimal: the scalar's exception is the error's original) marked `VALIDATION`, as a
    variable's would be. The rest (an unknown field, a missing argument) are mistakes in
    the document, not in a value, and keep GraphQL's plain form."""
    for error in errors:
        if error.original_error is not None:
            mark_as_validation(error)
    return errors
