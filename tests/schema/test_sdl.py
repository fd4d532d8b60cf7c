"""`schema.graphql` is the printed schema, and the schema keeps the contract's names.

The contract is kept in the repository (`CONTRACT.graphql`), so that a clone stands
alone; where the shared original sits beside the repository (as in CI), the copy must
match it."""

from __future__ import annotations

from pathlib import Path

import pytest
from graphql import (
    EnumTypeDefinitionNode,
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLObjectType,
    InputObjectTypeDefinitionNode,
    InputObjectTypeExtensionNode,
    InterfaceTypeDefinitionNode,
    ObjectTypeDefinitionNode,
    ObjectTypeExtensionNode,
    parse,
    print_ast,
)

from schema import build_schema
from schema.export import sdl

ROOT = Path(__file__).resolve().parents[2]
CONTRACT = ROOT / "CONTRACT.graphql"
SHARED_CONTRACT = ROOT.parent / "shared" / "CONTRACT.graphql"
GROWING_ROOTS = {"Query", "Mutation", "Subscription"}

Definition = (
    ObjectTypeDefinitionNode
    | InterfaceTypeDefinitionNode
    | InputObjectTypeDefinitionNode
    | EnumTypeDefinitionNode
)


def test_schema_graphql_is_up_to_date():
    committed = (ROOT / "schema.graphql").read_text()

    assert committed == sdl(), "schema.graphql is stale: run `make schema` and commit it"


Signature = tuple[str, dict[str, str]]  # the member's type, its arguments' types


def _members(sdl_text: str, extensions: bool = False) -> dict[str, dict[str, Signature]]:
    """type name -> member name -> (type, {argument: type}); enum values have no type.
    With `extensions`, only the members of `extend type`/`extend input` blocks."""
    members: dict[str, dict[str, Signature]] = {}
    kinds = (
        (ObjectTypeExtensionNode, InputObjectTypeExtensionNode)
        if extensions
        else (ObjectTypeDefinitionNode, InterfaceTypeDefinitionNode, InputObjectTypeDefinitionNode)
    )
    for node in parse(sdl_text).definitions:
        if isinstance(node, EnumTypeDefinitionNode) and not extensions:
            members[node.name.value] = {v.name.value: ("", {}) for v in node.values or ()}
        elif isinstance(node, kinds):
            fields = members.setdefault(node.name.value, {})
            for field in getattr(node, "fields", None) or ():
                args = getattr(field, "arguments", None) or ()
                fields[field.name.value] = (
                    print_ast(field.type),
                    {a.name.value: print_ast(a.type) for a in args},
                )
    return members


def _compatible(contract: Signature, ours: Signature) -> bool:
    """Same type and the contract's arguments; any added argument is optional."""
    (contract_type, contract_args), (our_type, our_args) = contract, ours
    added = set(our_args) - set(contract_args)
    return (
        contract_type == our_type
        and all(our_args.get(name) == kind for name, kind in contract_args.items())
        and not any(our_args[name].endswith("!") for name in added)
    )


def test_published_types_keep_the_contract_names():
    """A type we publish has every member the contract gives it, with the same type;
    the root types grow issue by issue, but what they have matches the contract. The
    members of the contract's `extend` blocks come with later capabilities: absent is
    fine, present must match."""
    contract = _members(CONTRACT.read_text())
    coming = _members(CONTRACT.read_text(), extensions=True)
    ours = _members(sdl())
    mismatches = []
    for type_name, our_members in ours.items():
        for member, signature in contract.get(type_name, {}).items():
            if member not in our_members:
                if type_name not in GROWING_ROOTS:
                    mismatches.append(f"{type_name}.{member} is missing")
            elif not _compatible(signature, our_members[member]):
                mismatches.append(
                    f"{type_name}.{member}: contract {signature!r}, ours {our_members[member]!r}"
                )
        for member, signature in coming.get(type_name, {}).items():
            if member in our_members and not _compatible(signature, our_members[member]):
                mismatches.append(
                    f"{type_name}.{member}: contract {signature!r}, ours {our_members[member]!r}"
                )

    assert mismatches == []


def test_the_contract_in_the_repository_is_the_shared_one():
    if not SHARED_CONTRACT.exists():
        pytest.skip(f"no shared contract beside the repository ({SHARED_CONTRACT})")

    assert CONTRACT.read_text() == SHARED_CONTRACT.read_text(), (
        "CONTRACT.graphql differs from ../shared/CONTRACT.graphql: copy the shared one in"
    )


def test_every_enum_value_is_described():
    schema = build_schema()._schema
    undescribed = [
        f"{name}.{value}"
        for name, enum in schema.type_map.items()
        if isinstance(enum, GraphQLEnumType) and not name.startswith("__")
        for value, definition in enum.values.items()
        if not definition.description
    ]
    assert undescribed == []


def test_every_argument_is_described():
    schema = build_schema()._schema
    undescribed = [
        f"{name}.{field_name}({argument_name})"
        for name, graphql_type in schema.type_map.items()
        if isinstance(graphql_type, GraphQLObjectType) and not name.startswith("__")
        for field_name, field in graphql_type.fields.items()
        for argument_name, argument in field.args.items()
        if not argument.description
    ]
    assert undescribed == []


def test_every_type_field_and_input_field_is_described():
    schema = build_schema()._schema
    undescribed = []
    for name, graphql_type in schema.type_map.items():
        if name.startswith("__") or name in {"ID", "String", "Int", "Float", "Boolean"}:
            continue
        if not graphql_type.description:
            undescribed.append(name)
        if isinstance(
            graphql_type, GraphQLObjectType | GraphQLInterfaceType | GraphQLInputObjectType
        ):
            undescribed.extend(
                f"{name}.{field_name}"
                for field_name, field in graphql_type.fields.items()
                if not field.description
            )
    assert undescribed == []
