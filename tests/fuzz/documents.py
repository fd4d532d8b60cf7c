"""GraphQL documents for the fuzz run, from the schema the app serves: one root field
per document (so that a refused mutation can be told apart), valid documents and
documents with one schema violation (hypothesis-graphql's two modes), argument values
inline or hoisted into variables (two different code paths for every scalar), and
subscriptions, which hypothesis-graphql does not generate by itself."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

import graphql
from hypothesis import strategies as st
from hypothesis_graphql import Mode, mutations, queries

from schema import build_schema


@cache
def served_schema() -> graphql.GraphQLSchema:
    """The schema exactly as the app serves it (its SDL, so default values are AST)."""
    return graphql.build_schema(build_schema().as_str())


@cache
def subscription_schema() -> graphql.GraphQLSchema:
    """A schema whose query type is the Subscription type: hypothesis-graphql generates
    queries over it, and `as_subscription` turns them into subscriptions."""
    schema = served_schema()
    assert schema.subscription_type is not None
    return graphql.GraphQLSchema(
        query=schema.subscription_type, types=list(schema.type_map.values())
    )


def root_fields(kind: str) -> list[str]:
    schema = served_schema()
    root = {
        "query": schema.query_type,
        "mutation": schema.mutation_type,
        "subscription": schema.subscription_type,
    }[kind]
    assert root is not None
    return sorted(root.fields)


@dataclass(frozen=True)
class Operation:
    """One request: its document, variables, and the root field it calls."""

    kind: str
    field: str
    query: str
    variables: dict[str, Any]

    def body(self) -> dict[str, Any]:
        return {"query": self.query, "variables": self.variables}


def _type_node(type_: graphql.GraphQLInputType) -> graphql.TypeNode:
    if isinstance(type_, graphql.GraphQLNonNull):
        inner = _type_node(type_.of_type)
        assert isinstance(inner, graphql.NamedTypeNode | graphql.ListTypeNode)
        return graphql.NonNullTypeNode(type=inner)
    if isinstance(type_, graphql.GraphQLList):
        return graphql.ListTypeNode(type=_type_node(type_.of_type))
    return graphql.NamedTypeNode(name=graphql.NameNode(value=type_.name))


def _root_type(kind: str) -> graphql.GraphQLObjectType:
    schema = served_schema()
    root = {"query": schema.query_type, "mutation": schema.mutation_type}.get(kind)
    if kind == "subscription":
        root = schema.subscription_type
    assert root is not None
    return root


def _errors_selection() -> graphql.FieldNode:
    return graphql.FieldNode(
        name=graphql.NameNode(value="errors"),
        selection_set=graphql.SelectionSetNode(
            selections=(
                graphql.FieldNode(name=graphql.NameNode(value="code")),
                graphql.FieldNode(name=graphql.NameNode(value="message")),
            )
        ),
    )


def finish(kind: str, document: graphql.DocumentNode, hoist: bool) -> Operation:
    """The generated document as sent: the operation kind set, a payload's `errors`
    always selected (to know whether a mutation was refused), and, with `hoist`, the
    root field's arguments moved into variables of the argument's own type."""
    (operation,) = [
        d for d in document.definitions if isinstance(d, graphql.OperationDefinitionNode)
    ]
    root = _root_type(kind)
    (field_node,) = [
        s for s in operation.selection_set.selections if isinstance(s, graphql.FieldNode)
    ]
    field = root.fields[field_node.name.value]
    variables: dict[str, Any] = {}
    definitions: list[graphql.VariableDefinitionNode] = []
    arguments = list(field_node.arguments or ())
    if hoist:
        for index, argument in enumerate(arguments):
            if argument.name.value not in field.args:
                continue  # an unknown argument (one violation): left as it is
            name = f"v{index}"
            variables[name] = graphql.value_from_ast_untyped(argument.value)
            definitions.append(
                graphql.VariableDefinitionNode(
                    variable=graphql.VariableNode(name=graphql.NameNode(value=name)),
                    type=_type_node(field.args[argument.name.value].type),
                )
            )
            arguments[index] = graphql.ArgumentNode(
                name=argument.name,
                value=graphql.VariableNode(name=graphql.NameNode(value=name)),
            )
    selections = list(field_node.selection_set.selections) if field_node.selection_set else []
    payload = graphql.get_named_type(field.type)
    if (
        kind == "mutation"
        and isinstance(payload, graphql.GraphQLObjectType)
        and "errors" in payload.fields
    ):
        selections.append(_errors_selection())
    field_node = graphql.FieldNode(
        alias=field_node.alias,
        name=field_node.name,
        arguments=tuple(arguments),
        directives=field_node.directives,
        selection_set=graphql.SelectionSetNode(selections=tuple(selections))
        if selections
        else None,
    )
    operation = graphql.OperationDefinitionNode(
        operation=graphql.OperationType(kind),
        name=operation.name,
        variable_definitions=tuple(definitions),
        directives=operation.directives,
        selection_set=graphql.SelectionSetNode(selections=(field_node,)),
    )
    query = graphql.print_ast(graphql.DocumentNode(definitions=(operation,)))
    return Operation(kind, field_node.name.value, query, variables)


def _as_is(document: graphql.DocumentNode) -> graphql.DocumentNode:
    """The AST itself: printed and parsed again, a lone surrogate in a literal would be
    a syntax error in our own hands before the server ever saw it."""
    return document


def operations(
    kind: str, field: str, scalars: dict[str, st.SearchStrategy[graphql.ValueNode]]
) -> st.SearchStrategy[Operation]:
    """Documents calling `field` of the `kind` root: valid ones mostly, and some with
    one schema violation (a wrong type, a missing argument, an unknown enum value)."""
    schema = subscription_schema() if kind == "subscription" else served_schema()
    make = mutations if kind == "mutation" else queries
    modes = [Mode.POSITIVE]
    if _root_type(kind).fields[field].args:
        # A violation needs an argument to violate (hypothesis-graphql refuses otherwise).
        modes.append(Mode.NEGATIVE)
    sources = st.one_of(
        [
            make(schema, fields=[field], custom_scalars=scalars, mode=mode, print_ast=_as_is)
            for mode in modes
        ]
    )
    return st.builds(finish, st.just(kind), sources, st.booleans())
