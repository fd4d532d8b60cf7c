"""The limits on a document's shape, checked before it is validated, in time linear in
its size.

Strawberry's QueryDepthLimiter and MaxAliasesLimiter expand every fragment spread anew,
so `fragment F{i} on User { ...F{i-1} ...F{i-1} }` costs 2^i: 30 levels in 1.3 KB kept a
CPU busy for minutes. Here each fragment's figures are computed once (memoised) and a
spread only adds them, so the cost is one walk of each definition. A fragment met again
while it is being measured (a cycle, which validation then refuses) counts as empty.

Validation itself is not linear: graphql-core's OverlappingFieldsCanBeMerged compares
every pair of fields that share a response name, and the pairs of their sub-fields in
turn (`{ processes { stages { id } } }` 280 times, 7.8 KB, took 1.5 s). The number of
such pairs is bounded here first (`MAX_FIELD_PAIRS`), so validation only ever sees
documents whose comparisons take milliseconds.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
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


# Pairs of same-named fields (and of fragments spread side by side) that validation may
# compare. A client's document has a few (`id` in each of a card's fragments); 1,000
# pairs validate in about 20 ms, whatever their shape.
MAX_FIELD_PAIRS = 1000
# The longest document (the `MAX_DOCUMENT_CHARS` setting), comments and spaces included:
# `MAX_TOKENS` counts neither, and documents are kept by their text. A client's largest
# documents are a few kilobytes; 2,000 tokens written out plainly stay well under it.
DEFAULT_MAX_DOCUMENT_CHARS = 65_536


class FieldPairs:
    """How many pairs of fields validation compares for merging: the fields that end up
    under one response key, level by level, as graphql-core's rule meets them. Fragments
    are expanded where they are spread (each name once per level, as graphql-core caches
    them), so the walk is bounded by the expanded field count, checked before; it stops
    as soon as the count is over `limit`."""

    def __init__(self, shapes: DocumentShapes, limit: int) -> None:
        self.fragments = shapes.fragments
        self.limit = limit
        self.pairs = 0
        self.expanding: set[str] = set()

    def over(self, selection_sets: list[SelectionSetNode]) -> bool:
        """Whether the fields merged from these selection sets (one response level) make
        more than `limit` pairs, counting the levels beneath them."""
        keys: dict[str, list[SelectionSetNode | None]] = {}
        spreads: set[str] = set()
        for selection_set in selection_sets:
            self._collect(selection_set, keys, spreads)
        self.pairs += len(spreads) * (len(spreads) - 1) // 2
        for fields in keys.values():
            self.pairs += len(fields) * (len(fields) - 1) // 2
        if self.pairs > self.limit:
            return True
        for fields in keys.values():
            children = [child for child in fields if child is not None]
            if children and self.over(children):
                return True
        return False

    def _collect(
        self,
        selection_set: SelectionSetNode,
        keys: dict[str, list[SelectionSetNode | None]],
        spreads: set[str],
    ) -> None:
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                key = (selection.alias or selection.name).value
                keys.setdefault(key, []).append(selection.selection_set)
            elif isinstance(selection, InlineFragmentNode):
                self._collect(selection.selection_set, keys, spreads)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                definition = self.fragments.get(name)
                if definition is None or name in spreads or name in self.expanding:
                    continue
                spreads.add(name)
                self.expanding.add(name)
                self._collect(definition.selection_set, keys, spreads)
                self.expanding.discard(name)


def too_complex(message: str, node: Any = None) -> GraphQLError:
    return GraphQLError(message, nodes=node, extensions={"code": str(ErrorCode.QUERY_TOO_COMPLEX)})


@dataclass(frozen=True)
class ShapeLimits:
    """The limits a document's shape must keep. Depth is counted as Strawberry counted
    it: `{ me { id } }` is 1 deep. `max_fields` bounds the fields once fragments are
    expanded: without fragments a document within the token limit cannot exceed it, so
    it is the token limit itself; a fragment bomb does."""

    max_depth: int
    max_aliases: int
    max_fields: int
    max_field_pairs: int = MAX_FIELD_PAIRS

    def errors(self, document: DocumentNode) -> list[GraphQLError]:
        """What is over a limit in `document` (parsed, not yet validated), if anything."""
        shapes = DocumentShapes(document)
        errors: list[GraphQLError] = []
        aliases = 0
        fields = 0
        operations = []
        for definition in document.definitions:
            if not isinstance(definition, OperationDefinitionNode):
                continue
            operations.append(definition.selection_set)
            shape = shapes.selection_set(definition.selection_set)
            aliases += shape.aliases
            fields += shape.fields
            if shape.depth - 1 > self.max_depth:
                name = definition.name.value if definition.name else "anonymous"
                errors.append(
                    too_complex(
                        f"'{name}' exceeds maximum operation depth of {self.max_depth}",
                        definition,
                    )
                )
        if aliases > self.max_aliases:
            errors.append(too_complex(f"{aliases} aliases found. Allowed: {self.max_aliases}"))
        if fields > self.max_fields:
            errors.append(
                too_complex(f"The query expands to {fields} fields. Allowed: {self.max_fields}")
            )
        if not errors and any(
            FieldPairs(shapes, self.max_field_pairs).over([selection_set])
            for selection_set in operations
        ):
            errors.append(
                too_complex(
                    "The query repeats fields under the same name too often "
                    f"(over {self.max_field_pairs} pairs to compare)."
                )
            )
        return errors
