"""Validation's errors are remembered per schema, document and rules
(`schema.extensions._validated`, on `schema.kept.KeptByIdentity`): the parser's cache
hands the same document object for the same text, so it is looked up by identity,
without hashing the document."""

from __future__ import annotations

from typing import Any

import pytest
from graphql import GraphQLSchema, parse
from graphql.validation import NoUnusedVariablesRule

import schema.extensions as extensions
from schema import build_schema
from schema.kept import KeptByIdentity

DOCUMENT = "query Board($unused: Int) { me { id } }"


@pytest.fixture
def validated(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """The documents validated from now on, with nothing remembered before (room for
    two)."""
    seen: list[Any] = []
    validate = extensions.validate_document

    def counted(schema: GraphQLSchema, document: Any, rules: Any) -> Any:
        seen.append(document)
        return validate(schema, document, rules)

    monkeypatch.setattr(extensions, "validate_document", counted)
    monkeypatch.setattr(extensions, "_validations", KeptByIdentity(2))
    return seen


@pytest.fixture
def graphql_schema() -> GraphQLSchema:
    return build_schema()._schema


def test_the_same_document_is_validated_once(validated, graphql_schema):
    document = parse(DOCUMENT)
    rules = (NoUnusedVariablesRule,)

    first = extensions._validated(graphql_schema, document, rules)
    again = extensions._validated(graphql_schema, document, rules)

    assert validated == [document]
    assert [e.message for e in first] == ["Variable '$unused' is never used in operation 'Board'."]
    assert again == first


def test_other_rules_or_another_document_object_are_validated_anew(validated, graphql_schema):
    document, same_text = parse(DOCUMENT), parse(DOCUMENT)

    assert extensions._validated(graphql_schema, document, (NoUnusedVariablesRule,))
    assert extensions._validated(graphql_schema, document, ()) == []
    assert extensions._validated(graphql_schema, same_text, (NoUnusedVariablesRule,))

    assert validated == [document, document, same_text]


def test_the_least_recently_used_is_forgotten_first(validated, graphql_schema):
    first, second, third = (parse(DOCUMENT) for _ in range(3))
    for document in (first, second, first, third):  # `second` is the least recent
        extensions._validated(graphql_schema, document, ())
    validated.clear()

    extensions._validated(graphql_schema, first, ())
    extensions._validated(graphql_schema, third, ())
    extensions._validated(graphql_schema, second, ())

    assert validated == [second]
    assert len(extensions._validations.kept) == 2
