"""`schema.graphql` is the printed schema, and the schema keeps the contract's names."""

from __future__ import annotations

from pathlib import Path

from graphql import (
    EnumTypeDefinitionNode,
    InputObjectTypeDefinitionNode,
    InterfaceTypeDefinitionNode,
    ObjectTypeDefinitionNode,
    parse,
    print_ast,
)

from schema.export import sdl

ROOT = Path(__file__).resolve().parents[2]
CONTRACT = ROOT.parent / "shared" / "CONTRACT.graphql"
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


def _members(sdl_text: str) -> dict[str, dict[str, Signature]]:
    """type name -> member name -> (type, {argument: type}); enum values have no type."""
    members: dict[str, dict[str, Signature]] = {}
    for node in parse(sdl_text).definitions:
        if isinstance(node, EnumTypeDefinitionNode):
            members[node.name.value] = {v.name.value: ("", {}) for v in node.values or ()}
        elif isinstance(
            node,
            ObjectTypeDefinitionNode | InterfaceTypeDefinitionNode | InputObjectTypeDefinitionNode,
        ):
            fields: dict[str, Signature] = {}
            for field in node.fields or ():
                args = getattr(field, "arguments", None) or ()
                fields[field.name.value] = (
                    print_ast(field.type),
                    {a.name.value: print_ast(a.type) for a in args},
                )
            members[node.name.value] = fields
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
    the root types grow issue by issue, but what they have matches the contract."""
    assert CONTRACT.exists(), f"the contract must sit beside the repo, at {CONTRACT}"
    contract = _members(CONTRACT.read_text())
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

    assert mismatches == []
