"""The card pages a board document asks for, read off the document as the board is
resolved, so that the cards' statement is under way while the columns' figures are.

A board needs two statements that do not depend on each other: the columns' figures
(the longer one: every visible open deal of the process is counted and summed) and the
cards of every column. GraphQL execution asks for the cards only once the board object
and its columns exist, which wait for the figures; the two statements then run one
after the other. `BoardQuery.board` instead starts the figures and, at the same moment,
asks the card loader for the pages this function foresees; the loader sends its one
statement on another connection, and the board goes on with whichever is in first (a
page's total is its column's count among the figures: `schema.board.types.BoardFigures`).
When execution reaches `deals`, the loader answers from its cache (the same
`CardRequest` keys).

Only what the document says plainly is foreseen: `columns { deals(first:, after:) }`
selected on the board itself or through its fragments, with no directive on the way
(an `@include` or `@skip` is left to execution to decide). A page foreseen wrongly
costs a few more rows in the same statement; a page not foreseen is loaded as before;
arguments that execution would refuse are not foreseen, so that execution refuses
them as before. As in graphql-core's field collection, each named fragment is walked
at most once per selection set, so the walk is linear in the document's size.

`may_select` answers the same walk for a field of the board itself, directives or not:
the board reads the log's position (`eventCursor`) before its figures and cards only
for a document that may ask for it. `card_fields` walks it down to the cards, for the
columns of their rows that the document may show.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLField,
    GraphQLObjectType,
    InlineFragmentNode,
    SelectionSetNode,
)
from graphql.execution.values import VariableValues, get_argument_values

from resolvers.board.kanban import CardRequest, card_request
from resolvers.errors import Refused


def foreseen_card_requests(raw_info: Any, stage_ids: list[int]) -> list[CardRequest]:
    """The card pages of `stage_ids` that the board field `raw_info` (graphql-core's
    resolve info of `board`) will ask for."""
    board_type = _object_type(raw_info.return_type)  # Board!
    columns_field = board_type.fields.get("columns")
    if columns_field is None:
        return []
    column_type = _object_type(columns_field.type)  # [BoardColumn!]!
    deals_field = column_type.fields.get("deals")
    if deals_field is None:
        return []
    fragments: Mapping[str, FragmentDefinitionNode] = raw_info.fragments
    # Strawberry hands resolvers the variables' coerced values alone; what arguments
    # need of graphql-core's container is those.
    variables = VariableValues(sources={}, coerced=raw_info.variable_values)
    requests: dict[CardRequest, None] = {}
    for board in raw_info.field_nodes:
        for columns in _selected(board.selection_set, "columns", board_type.name, fragments, set()):
            for deals in _selected(
                columns.selection_set, "deals", column_type.name, fragments, set()
            ):
                for request in _requests(deals_field, deals, variables, stage_ids):
                    requests[request] = None
    return list(requests)


def may_select(raw_info: Any, name: str) -> bool:
    """Whether the board field `raw_info` may select its field `name` (on the board or
    through its fragments, whatever their directives say: a field skipped costs only
    its work done ahead)."""
    fragments: Mapping[str, FragmentDefinitionNode] = raw_info.fragments
    board_type = _object_type(raw_info.return_type)  # Board!
    return any(
        next(
            _selected(board.selection_set, name, board_type.name, fragments, set(), True),
            None,
        )
        is not None
        for board in raw_info.field_nodes
    )


def card_fields(raw_info: Any) -> set[str] | None:
    """The names of the fields the board field `raw_info` may select on its cards
    (`columns { deals { edges { node { ... } } } }`, through fragments whatever their
    type conditions and directives: a superset of what execution will ask), to tell
    whether the cards may be read with fewer columns (`schema.deals.types.columns_read`,
    `kanban.card_columns`); None when that cannot be told (a fragment the document does
    not define)."""
    fragments: Mapping[str, FragmentDefinitionNode] = raw_info.fragments
    # Level by level, each field once and each named fragment once a level (what a
    # fragment holds is the same wherever it is spread): linear in the document's size.
    levels: list[FieldNode] = list(raw_info.field_nodes)
    try:
        for name in ("columns", "deals", "edges", "node"):
            visited: set[str] = set()
            found = {
                id(field): field
                for parent in levels
                for field in _every_field(parent.selection_set, fragments, visited)
                if field.name.value == name
            }
            levels = list(found.values())
        visited = set()
        return {
            field.name.value
            for node in levels
            for field in _every_field(node.selection_set, fragments, visited)
        }
    except KeyError:
        return None


def _every_field(
    selection_set: SelectionSetNode | None,
    fragments: Mapping[str, FragmentDefinitionNode],
    visited: set[str],
) -> Iterator[FieldNode]:
    """Every field `selection_set` may select, through its fragments (`visited`: the
    named ones already walked; one the document lacks is a KeyError)."""
    if selection_set is None:
        return
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            yield selection
        elif isinstance(selection, InlineFragmentNode):
            yield from _every_field(selection.selection_set, fragments, visited)
        elif isinstance(selection, FragmentSpreadNode) and selection.name.value not in visited:
            visited.add(selection.name.value)
            yield from _every_field(
                fragments[selection.name.value].selection_set, fragments, visited
            )


def _object_type(output: Any) -> GraphQLObjectType:
    """The object type inside a field's (non-null, list) type."""
    while not isinstance(output, GraphQLObjectType):
        output = output.of_type
    return output


def _requests(
    field: GraphQLField, node: FieldNode, variables: VariableValues, stage_ids: list[int]
) -> list[CardRequest]:
    try:
        arguments = get_argument_values(field, node, variables)
        first, after = arguments.get("first"), arguments.get("after")
        return [card_request(stage_id, first, after) for stage_id in stage_ids]
    except (GraphQLError, Refused):
        return []  # execution refuses them, as it always has


def _selected(
    selection_set: SelectionSetNode | None,
    name: str,
    type_name: str,
    fragments: Mapping[str, FragmentDefinitionNode],
    visited: set[str],
    directed: bool = False,
) -> Iterator[FieldNode]:
    """The fields called `name` that `selection_set` (on `type_name`) selects without
    a directive (or, if `directed`, with any), through fragments too (`visited`: the
    named ones already walked)."""
    if selection_set is None:
        return
    for selection in selection_set.selections:
        if selection.directives and not directed:
            continue
        if isinstance(selection, FieldNode):
            if selection.name.value == name:
                yield selection
            continue
        if isinstance(selection, InlineFragmentNode):
            fragment: InlineFragmentNode | FragmentDefinitionNode | None = selection
        elif isinstance(selection, FragmentSpreadNode):
            if selection.name.value in visited:
                continue
            visited.add(selection.name.value)
            fragment = fragments.get(selection.name.value)
        else:
            fragment = None
        if fragment is None:
            continue
        condition = fragment.type_condition
        if condition is None or condition.name.value == type_name:
            yield from _selected(
                fragment.selection_set, name, type_name, fragments, visited, directed
            )
