"""What an operation would cost to answer, estimated before it runs.

Depth and size limits bound the document, not the answer: 30 aliased boards with every
card's history is a small document that took 4.3 s and returned 397 KB. The cost of an
operation is the number of fields it would resolve, with page sizes multiplied through
nested lists: `deals(first: 50) { edges { node { history(first: 20) { ... } } } }`
multiplies the history's fields by 1,000. The page size is the `first` argument (its
value, a variable's, or the default); a list without paging counts as its expected
length (`LIST_SIZES`); a mutation's root field counts as `MUTATION_FIELD_COST`.
Introspection is the schema's, not the data's, and costs nothing.

One walk of the operation, each fragment's cost computed once: linear in the document.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLField,
    GraphQLInt,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableNode,
    get_named_type,
    get_nullable_type,
    is_list_type,
)

from resolvers.pagination import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE
from schema.kept import KEPT_DOCUMENTS, KeptByIdentity

# The most an operation may cost (the `MAX_QUERY_COST` setting).
DEFAULT_MAX_COST = 100_000
# A mutation writes, records history and events, and wakes subscribers.
MUTATION_FIELD_COST = 10
# A list without paging whose length nothing in particular bounds.
UNPAGED_LIST_SIZE = 10
# The expected length of the lists without paging: generous typical figures, not the
# most there can be (a process may have 20 stages, most have 5 to 10; a stage 50 steps,
# most a handful). These lists hold what the workspace itself configured or a deal's
# own few rows, not what a client can make grow; the pages are what it can ask for.
LIST_SIZES = {
    "Board.columns": 10,
    "BoardEvent.columns": 10,
    "Process.stages": 10,
    "ProcessStats.stages": 10,
    "Stage.steps": 10,
    "Step.performers": 5,
    "Step.notifyUsers": 5,
    "Deal.participants": 10,
    "Deal.costs": 10,
    "Deal.completedSteps": 50,
    "Deal.tasks": 10,
    "Query.users": 50,
    "Query.myTasks": 50,
    "Query.processes": 10,
    "PipelineStats.processes": 10,
    "PipelineStats.byOwner": 50,
    "ProcessStats.byOwner": 50,
    "Deal.lineItems": 20,
    "Query.products": 50,
    "Finance.rows": 40,
    "LeadConnection.statusCounts": 4,
}


class OperationCost:
    """The cost of one operation of a validated document, for its variables."""

    def __init__(
        self,
        schema: GraphQLSchema,
        document: DocumentNode,
        operation: OperationDefinitionNode,
        variables: Mapping[str, Any] | None,
    ) -> None:
        self.schema = schema
        self.operation = operation
        self.variables = dict(variables) if isinstance(variables, Mapping) else {}
        for definition in operation.variable_definitions or ():
            name = definition.variable.name.value
            if name not in self.variables and isinstance(definition.default_value, IntValueNode):
                self.variables[name] = _int(definition.default_value.value)
        self.fragments = {
            definition.name.value: definition
            for definition in document.definitions
            if isinstance(definition, FragmentDefinitionNode)
        }
        self.memo: dict[str, int] = {}
        self.measuring: set[str] = set()
        # The variables its page sizes read, whatever their values (`_costed`).
        self.read: set[str] = set()
        self.mutation_type = schema.mutation_type

    def total(self) -> int:
        root = self.schema.get_root_type(self.operation.operation)
        return self.selection_set(root, self.operation.selection_set)

    def selection_set(
        self, parent: GraphQLNamedType | None, selection_set: SelectionSetNode | None
    ) -> int:
        if selection_set is None:
            return 0
        total = 0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                total += self.field(parent, selection)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                inner = self.schema.get_type(condition.name.value) if condition else parent
                total += self.selection_set(inner, selection.selection_set)
            elif isinstance(selection, FragmentSpreadNode):
                total += self.fragment(selection.name.value)
        return total

    def field(self, parent: GraphQLNamedType | None, node: FieldNode) -> int:
        name = node.name.value
        if name.startswith("__"):
            return 0
        own = MUTATION_FIELD_COST if parent is not None and parent is self.mutation_type else 1
        definition = (
            parent.fields.get(name)
            if isinstance(parent, GraphQLObjectType | GraphQLInterfaceType)
            else None
        )
        if node.selection_set is None:
            return own
        if definition is None:
            return own + self.selection_set(None, node.selection_set)
        size = self.size(parent, name, definition, node)
        return own + size * self.selection_set(get_named_type(definition.type), node.selection_set)

    def size(
        self, parent: GraphQLNamedType | None, name: str, field: GraphQLField, node: FieldNode
    ) -> int:
        """How many objects the field answers with, at most or as expected."""
        if "first" in field.args:
            return self.page_size(field, node)
        if not is_list_type(get_nullable_type(field.type)):
            return 1
        parent_name = parent.name if parent is not None else ""
        expected = LIST_SIZES.get(f"{parent_name}.{name}")
        if expected is not None:
            return expected
        if parent_name.endswith("Connection"):
            return 1  # a connection's edges: its field's page size counted them
        return UNPAGED_LIST_SIZE

    def page_size(self, field: GraphQLField, node: FieldNode) -> int:
        """`first` as the resolver will read it, within the bounds it accepts (a value
        out of them is the resolver's `VALIDATION` error, not a cost)."""
        default = field.args["first"].default_value
        size: int | None = default if isinstance(default, int) else None
        for argument in node.arguments or ():
            if argument.name.value != "first":
                continue
            if isinstance(argument.value, IntValueNode):
                size = _int(argument.value.value)
            elif isinstance(argument.value, VariableNode):
                self.read.add(argument.value.name.value)
                value = self.variables.get(argument.value.name.value)
                size = _given_int(value)
        if size is None:
            size = DEFAULT_PAGE_SIZE
        return min(max(size, 0), MAX_PAGE_SIZE)

    def fragment(self, name: str) -> int:
        known = self.memo.get(name)
        if known is not None:
            return known
        definition = self.fragments.get(name)
        if definition is None or name in self.measuring:
            return 0
        self.measuring.add(name)
        cost = self.selection_set(
            self.schema.get_type(definition.type_condition.name.value), definition.selection_set
        )
        self.measuring.discard(name)
        self.memo[name] = cost
        return cost


def _int(text: str) -> int:
    # Validation has checked the literal is a 32-bit Int; guard the conversion anyway.
    return int(text) if len(text) <= 11 else MAX_PAGE_SIZE


def operation_cost(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation_name: str | None,
    variables: Mapping[str, Any] | None,
) -> int | None:
    """The cost of the operation a request runs, or None if the document does not name
    one (execution then refuses it); remembered (`_costed`)."""
    return _costed(schema, document, operation_name, variables)


class _Measured:
    """One operation's costs, by the values of the variables its page sizes read."""

    __slots__ = ("costs", "operation", "reads")

    def __init__(self, operation: OperationDefinitionNode | None, reads: tuple[str, ...]) -> None:
        self.operation = operation
        self.reads = reads
        self.costs: dict[tuple[int | str, ...], int] = {}

    def values(self, variables: Mapping[str, Any]) -> tuple[int | str, ...]:
        return tuple(_page_value(variables.get(name, _MISSING)) for name in self.reads)


def _costed(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation_name: str | None,
    variables: Mapping[str, Any] | None,
) -> int | None:
    """The cost, remembered per schema, document and operation name (`schema.kept`),
    and for each, per value of the variables its page sizes read (which variables
    those are depends on the document only; a value that is not an Int counts as no
    value, as `OperationCost.page_size` reads it). The same few documents come all day
    with the same page sizes: a board's cost was 2% of its time."""
    given = variables if isinstance(variables, Mapping) else {}

    def measured() -> _Measured:
        operation = _operation(document, operation_name)
        if operation is None:
            return _Measured(None, ())
        measuring = OperationCost(schema, document, operation, given)
        cost = measuring.total()
        made = _Measured(operation, tuple(sorted(measuring.read)))
        made.costs[made.values(given)] = cost
        return made

    kept = _kept_costs.get((schema, document), operation_name, measured)
    if kept.operation is None:
        return None
    values = kept.values(given)
    cost = kept.costs.get(values)
    if cost is None:
        cost = OperationCost(schema, document, kept.operation, given).total()
        if len(kept.costs) >= KEPT_COSTS_PER_DOCUMENT:
            del kept.costs[next(iter(kept.costs))]
        kept.costs[values] = cost
    return cost


_MISSING = object()
KEPT_COSTS_PER_DOCUMENT = 16
_kept_costs: KeptByIdentity[_Measured] = KeptByIdentity(KEPT_DOCUMENTS)


def _page_value(value: object) -> int | str:
    """A page size variable's value as the cost reads it: an Int, or whether it was
    left out (then its default counts) or given as something else (then the field's
    default page size counts). Named by text, never by a boolean: Python holds
    `1 == True`, and a cost kept for `first: 1` would answer for `first` left out."""
    given = _given_int(value)
    if given is not None:
        return given
    return "left out" if value is _MISSING else "not an Int"


def _given_int(value: object) -> int | None:
    """A variable's value as a page size, read as execution will read it (graphql-core's
    Int: `100.0` is 100, a boolean or `"100"` is no Int), or nothing if it is none."""
    try:
        return cast(int, GraphQLInt.parse_value(value))
    except GraphQLError:
        return None


def _operation(
    document: DocumentNode, operation_name: str | None
) -> OperationDefinitionNode | None:
    operations = [
        definition
        for definition in document.definitions
        if isinstance(definition, OperationDefinitionNode)
    ]
    if operation_name is not None:
        operations = [
            operation
            for operation in operations
            if operation.name is not None and operation.name.value == operation_name
        ]
    return operations[0] if len(operations) == 1 else None
