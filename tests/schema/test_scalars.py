"""DateTime is UTC on the way out, whatever offset came in; Decimal and DateTime take
only plain, in-range values."""

from __future__ import annotations

import pytest

from testkit.clients import GraphQLClient
from testkit.documents import CREATE_DEAL_MUTATION, CREATE_TASK_MUTATION, DEALS_QUERY


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


@pytest.mark.parametrize("value", ["1_000", "١٢", "1e3", "NaN", "Infinity", " 12", "12.", 1000.5])
async def test_a_decimal_that_is_not_a_plain_number_is_refused(
    user_client: GraphQLClient, value: object
):
    body = await user_client.post(CREATE_DEAL_MUTATION, {"input": {"name": "X", "value": value}})

    assert body.get("data") is None
    assert body["errors"][0]["extensions"]["code"] == "VALIDATION"
    assert (await user_client.data(DEALS_QUERY))["deals"]["totalCount"] == 0


@pytest.mark.parametrize("literal", ['"1_000"', '"NaN"', "1000.5", '"tomorrow"'])
async def test_a_literal_a_scalar_refuses_is_a_validation_error_too(
    user_client: GraphQLClient, literal: str
):
    call = (
        f'createTask(input: {{title: "X", dueAt: {literal}}})'
        if "tomorrow" in literal
        else f'createDeal(input: {{name: "X", value: {literal}}})'
    )
    body = await user_client.post(f"mutation {{ {call} {{ errors {{ code }} }} }}")

    assert body.get("data") is None
    (error,) = body["errors"]
    assert error["extensions"]["code"] == "VALIDATION"
    assert (await user_client.data(DEALS_QUERY))["deals"]["totalCount"] == 0


async def test_negative_zero_is_zero_and_a_json_integer_is_a_decimal(user_client: GraphQLClient):
    zero = await user_client.mutate(
        CREATE_DEAL_MUTATION, {"input": {"name": "X", "value": "-0.00"}}
    )
    integer = await user_client.mutate(
        CREATE_DEAL_MUTATION, {"input": {"name": "Y", "value": 1000}}
    )

    assert zero["deal"]["value"] == "0.00"
    assert integer["deal"]["value"] == "1000.00"


@pytest.mark.parametrize(
    "due",
    [
        "9999-12-31T23:00:00-05:00",
        "0001-01-01T00:30:00+01:00",
        "\uff12\uff10\uff12\uff16-03-10T10:00:00",
    ],
)
async def test_a_date_time_out_of_range_or_not_ascii_is_refused(
    user_client: GraphQLClient, due: str
):
    body = await user_client.post(CREATE_TASK_MUTATION, {"input": {"title": "Call", "dueAt": due}})

    assert body.get("data") is None
    assert body["errors"][0]["extensions"]["code"] == "VALIDATION"


@pytest.mark.parametrize(
    "period",
    [{"to": "0001-01-01"}, {"from": "0001-01-01"}, {"to": "9999-12-31"}, {"to": "2026-1-1"}],
)
async def test_statistics_at_the_ends_of_the_calendar_are_answered_not_crashed(
    user_client: GraphQLClient, period: dict[str, str]
):
    body = await user_client.post(
        "query Stats($from: Date, $to: Date) { pipelineStats(from: $from, to: $to) { from to } }",
        period,
    )

    for error in body.get("errors", []):
        assert error["extensions"]["code"] == "VALIDATION", error
