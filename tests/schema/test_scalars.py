"""DateTime is UTC on the way out, whatever offset came in."""

from __future__ import annotations

from tests.conftest import GraphQLClient
from tests.documents import CREATE_TASK_MUTATION


async def test_a_due_time_with_an_offset_is_answered_in_utc(user_client: GraphQLClient):
    with_offset = await user_client.mutate(
        CREATE_TASK_MUTATION, {"input": {"title": "Call", "dueAt": "2026-03-10T23:30:00+09:00"}}
    )
    without = await user_client.mutate(
        CREATE_TASK_MUTATION, {"input": {"title": "Mail", "dueAt": "2026-03-10T23:30:00"}}
    )

    assert with_offset["task"]["dueAt"] == "2026-03-10T14:30:00+00:00"
    assert without["task"]["dueAt"] == "2026-03-10T23:30:00+00:00"


async def test_a_malformed_date_time_is_a_graphql_error_not_a_crash(user_client: GraphQLClient):
    body = await user_client.post(
        CREATE_TASK_MUTATION, {"input": {"title": "Call", "dueAt": "tomorrow-ish"}}
    )

    assert body.get("data") is None
    assert "DateTime" in body["errors"][0]["message"]
