"""Validation rules bounding a document's depth and aliases, in time linear in its size.

Strawberry's QueryDepthLimiter and MaxAliasesLimiter expand every fragment spread anew,
so `fragment F{i} on User { ...F{i-1} ...F{i-1} }` costs 2^i: 30 levels in 1.3 KB kept a
CPU busy for minutes. Here each fragment's figures are computed once (memoised) and a
spread only adds them, so the cost is one walk of each definition. A fragment met again
while it is being measured (a cycle, which graphql-core's NoFragmentCycles refuses on
its own, in whatever order the rules run) counts as empty.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from graphql import (
    ASTValidationRule,
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValidationContext,
)

from resolvers.errors import ErrorCode


@dataclass(frozen=True)
class Shape:
    """What a selection set expands to: its deepest field nesting (a leaf is 1) and the
    aliased fields and fields it holds, counting each fragment spread as many times as
    it is spread."""

    depth: int = 0
    aliases: int = 0
    fields: int = 0


EMPTY = Shape()


class DocumentShapes:
    """The shape of each selection set of one document, fragments memoised."""

    def __init__(self, document: DocumentNode) -> None:
        self.fragments = {
            definition.name.value: definition
            for definition in document.definitions
            if isinstance(definition, FragmentDefinitionNode)
        }
        self.memo: dict[str, Shape] = {}
        self.measuring: set[str] = set()

    def fragment(self, name: str) -> Shape:
        known = self.memo.get(name)
        if known is not None:
            return known
        definition = self.fragments.get(name)
        if definition is None or name in self.measuring:
            return EMPTY
        self.measuring.add(name)
        shape = self.selection_set(definition.selection_set)
        self.measuring.discard(name)
        self.memo[name] = shape
        return shape

    def selection_set(self, selection_set: SelectionSetNode | None) -> Shape:
        if selection_set is None:
            return EMPTY
        depth = 0
        aliases = 0
        fields = 0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                inner = self.selection_set(selection.selection_set)
                # Introspection fields are not the service's data: they do not deepen.
                if not selection.name.value.startswith("__"):
                    depth = max(depth, 1 + inner.depth)
                aliases += inner.aliases + (1 if selection.alias else 0)
                fields += inner.fields + 1
            elif isinstance(selection, InlineFragmentNode):
                inner = self.selection_set(selection.selection_set)
                depth = max(depth, inner.depth)
                aliases += inner.aliases
                fields += inner.fields
            elif isinstance(selection, FragmentSpreadNode):
                inner = self.fragment(selection.name.value)
                depth = max(depth, inner.depth)
                aliases += inner.aliases
                fields += inner.fields
        return Shape(depth, aliases, fields)


def too_complex(message: str, node: Any = None) -> GraphQLError:
    return GraphQLError(message, nodes=node, extensions={"code": str(ErrorCode.QUERY_TOO_COMPLEX)})


def shape_limits(max_depth: int, max_aliases: int, max_fields: int) -> type[ASTValidationRule]:
    """One rule for the limits (one walk of the document). Depth is counted as
    Strawberry counted it: `{ me { id } }` is 1 deep. `max_fields` bounds the fields
    once fragments are expanded: without fragments a document within the token limit
    cannot exceed it, so it is the token limit itself; a fragment bomb does."""

    class ShapeLimits(ASTValidationRule):
        def __init__(self, context: ValidationContext) -> None:
            super().__init__(context)

        def enter_document(self, node: DocumentNode, *_args: Any) -> Any:
            shapes = DocumentShapes(node)
            aliases = 0
            fields = 0
            for definition in node.definitions:
                if not isinstance(definition, OperationDefinitionNode):
                    continue
                shape = shapes.selection_set(definition.selection_set)
                aliases += shape.aliases
                fields += shape.fields
                if shape.depth - 1 > max_depth:
                    name = definition.name.value if definition.name else "anonymous"
                    self.report_error(
                        too_complex(
                            f"'{name}' exceeds maximum operation depth of {max_depth}",
                            definition,
                        )
                    )
            if aliases > max_aliases:
                self.report_error(too_complex(f"{aliases} aliases found. Allowed: {max_aliases}"))
            if fields > max_fields:
                self.report_error(
                    too_complex(f"The query expands to {fields} fields. Allowed: {max_fields}")
                )
            return self.SKIP

    return ShapeLimits
