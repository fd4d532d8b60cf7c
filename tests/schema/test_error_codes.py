"""Every error a client can get carries `extensions.code`: a document that does not
parse, one the schema's rules refuse, values that do not coerce and the limits, as
expected refusals already do."""

from __future__ import annotations

import pytest

from testkit.clients import GraphQLClient


@pytest.mark.parametrize(
    ("query", "variables", "code"),
    [
        ("{ me { id ", {}, "GRAPHQL_PARSE_FAILED"),
        ("{ nope }", {}, "GRAPHQL_VALIDATION_FAILED"),
        ("query($n: Int!) { me { id } }", {"n": 1}, "GRAPHQL_VALIDATION_FAILED"),
        ("query Q($id: ID!) { deal(id: $id) { id } }", {"id": {"an": "object"}}, "VALIDATION"),
        ("query Q($id: ID!) { deal(id: $id) { id } }", {}, "VALIDATION"),
        ("{ " + "me { id } " * 1000 + "}", {}, "QUERY_TOO_COMPLEX"),
        ("{ " + " ".join(f"a{i}: me {{ id }}" for i in range(40)) + " }", {}, "QUERY_TOO_COMPLEX"),
    ],
)
async def test_refused_documents_carry_a_code(
    user_client: GraphQLClient, query: str, variables: dict[str, object], code: str
):
    body = await user_client.post(query, variables)

    assert body.get("data") is None
    assert [error["extensions"]["code"] for error in body["errors"]] == [code]


async def test_an_unauthenticated_operation_carries_its_code(anonymous_client: GraphQLClient):
    body = await anonymous_client.post("{ me { id } }")
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
