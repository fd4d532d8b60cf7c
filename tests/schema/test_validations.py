"""Validation's errors are remembered per schema, document and rules
(`schema.extensions._Validations`): the parser's cache hands the same document object
for the same text, so it is looked up by identity, without hashing the document."""

from __future__ import annotations

from typing import Any

import pytest
from graphql import GraphQLSchema, parse
from graphql.validation import NoUnusedVariablesRule

import schema.extensions as extensions
from schema import build_schema

DOCUMENT = "query Board($unused: Int) { me { id } }"


@pytest.fixture
def validated(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """The documents validated from now on."""
    seen: list[Any] = []
    validate = extensions.validate_document

    def counted(schema: GraphQLSchema, document: Any, rules: Any) -> Any:
        seen.append(document)
        return validate(schema, document, rules)

    monkeypatch.setattr(extensions, "validate_document", counted)
    return seen


@pytest.fixture
def graphql_schema() -> GraphQLSchema:
    return build_schema()._schema


def test_the_same_document_is_validated_once(validated, graphql_schema):
    validations = extensions._Validations(4)
    document = parse(DOCUMENT)
    rules = (NoUnusedVariablesRule,)

    first = validations.errors(graphql_schema, document, rules)
    again = validations.errors(graphql_schema, document, rules)

    assert validated == [document]
    assert [e.message for e in first] == ["Variable '$unused' is never used in operation 'Board'."]
    assert again == first


def test_other_rules_or_another_document_object_are_validated_anew(validated, graphql_schema):
    validations = extensions._Validations(4)
    document, same_text = parse(DOCUMENT), parse(DOCUMENT)

    assert validations.errors(graphql_schema, document, (NoUnusedVariablesRule,))
    assert validations.errors(graphql_schema, document, ()) == []
    assert validations.errors(graphql_schema, same_text, (NoUnusedVariablesRule,))

    assert validated == [document, document, same_text]


def test_the_least_recently_used_is_forgotten_first(validated, graphql_schema):
    validations = extensions._Validations(2)
    first, second, third = (parse(DOCUMENT) for _ in range(3))
    for document in (first, second, first, third):  # `second` is the least recent
        validations.errors(graphql_schema, document, ())
    validated.clear()

    validations.errors(graphql_schema, first, ())
    validations.errors(graphql_schema, third, ())
    validations.errors(graphql_schema, second, ())

    assert validated == [second]
    assert len(validations.kept) == 2
