"""The cost limit: page sizes multiplied through nested lists, refused with
QUERY_TOO_COMPLEX before anything runs (issue 11, limits)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import httpx
import pytest
from graphql import parse

import testkit.documents
from bench.fanout import BOARD_EVENTS as BENCH_BOARD_EVENTS
from schema import build_schema
from schema.cost import DEFAULT_MAX_COST, LIST_SIZES, operation_cost
from testkit.clients import GraphQLClient
from testkit.documents import BOARD_QUERY, CREATE_DEAL_MUTATION, DEALS_QUERY
from testkit.live import BOARD_EVENTS, PROTOCOLS, live_client
from testkit.teams import Team

CARD = "id name value owner { id }"
HISTORY = "history(first: $history) { edges { node { id kind at changes { field } } } }"


def boards_with_history(count: int) -> str:
    """`count` aliased boards, every card with its history: a small document, a big answer."""
    board = f"columns {{ deals(first: $first) {{ edges {{ node {{ {CARD} {HISTORY} }} }} }} }}"
    boards = " ".join(f"b{i}: board(processId: $processId) {{ {board} }}" for i in range(count))
    return f"query Boards($processId: ID!, $first: Int, $history: Int) {{ {boards} }}"


def _cost(document: str, variables: dict[str, object] | None = None) -> int:
    cost = operation_cost(build_schema()._schema, parse(document), None, variables)
    assert cost is not None
    return cost


def test_a_remembered_document_is_costed_for_each_requests_page_sizes():
    """The same document object (as the parser's cache hands it) with other variables
    costs what a fresh walk says: a variable given, left out for its default, given as
    something that is not an Int, and given again."""
    graphql_schema = build_schema()._schema
    text = boards_with_history(2).replace("$first: Int", "$first: Int = 7")
    document = parse(text)
    requests: list[dict[str, object]] = [
        {"first": 10, "history": 10},
        {"first": 50, "history": 10},
        {"history": 10},
        {"first": None, "history": 10},
        {"first": "10", "history": 10},
        {"first": True, "history": 10},
        {"first": 10, "history": 10},
        {"first": 10, "history": 99},
    ]

    costs = [operation_cost(graphql_schema, document, None, v) for v in requests]

    assert costs == [_cost(text, v) for v in requests]
    assert len(set(costs)) == 5  # 10, 50, default 7, the field's default (3 ways), history 99


def test_a_page_size_of_one_or_zero_is_not_taken_for_one_left_out_or_not_an_int():
    """Python holds 1 == True and 0 == False: a remembered cost must not answer for a
    variable left out (its default, here 100) with the cost of `first: 1`, nor for one
    that is not an Int (the field's default page size) with the cost of `first: 0`. An
    attacker could otherwise have a cheap cost remembered, then run the dear one."""
    graphql_schema = build_schema()._schema
    text = boards_with_history(3).replace("$first: Int", "$first: Int = 100")
    document = parse(text)
    requests: list[dict[str, object]] = [
        {"first": 1, "history": 1},
        {"history": 1},
        {"first": 0, "history": 0},
        {"first": "many", "history": "many"},
    ]

    costs = [operation_cost(graphql_schema, document, None, v) for v in requests]

    assert costs == [_cost(text, v) for v in requests]
    assert costs[1] > costs[0] and costs[3] > costs[2]


def test_a_page_size_given_as_a_whole_float_costs_as_the_int_execution_reads():
    """JSON has one kind of number: graphql-core reads `100.0` for an Int as 100, so
    the cost must too (it once took it for no Int and counted the default page size)."""
    text = boards_with_history(3)
    as_ints = {"first": 100, "history": 100}
    as_floats = {"first": 100.0, "history": 100.0}

    assert _cost(text, as_floats) == _cost(text, as_ints) > DEFAULT_MAX_COST
    assert _cost(text, {"first": 100.5, "history": 100.0}) < _cost(text, as_ints)


def test_documented_operations_cost_well_inside_the_default():
    documents = {
        name: value
        for name, value in vars(testkit.documents).items()
        if name.endswith(("_QUERY", "_MUTATION")) and isinstance(value, str)
    }
    documents["BOARD_EVENTS"] = BOARD_EVENTS
    documents["bench BOARD_EVENTS"] = BENCH_BOARD_EVENTS
    assert len(documents) > 40

    costs = {name: _cost(document) for name, document in documents.items()}

    assert max(costs.values()) <= DEFAULT_MAX_COST // 4, costs
    assert costs["BOARD_QUERY"] > costs["DEALS_QUERY"] > costs["ME_QUERY"] > 0


def test_page_sizes_multiply_through_nested_lists():
    one = _cost(boards_with_history(1), {"first": 10, "history": 10})
    ten_cards = _cost(boards_with_history(1), {"first": 100, "history": 10})
    deeper = _cost(boards_with_history(1), {"first": 100, "history": 100})

    assert 9 * one < ten_cards < 11 * one
    assert deeper > 9 * ten_cards
    assert _cost(boards_with_history(30), {"first": 10, "history": 10}) == 30 * one


def test_page_sizes_come_from_literals_variables_or_the_default():
    literal = "query { deals(first: 50) { edges { node { id } } } }"
    variable = "query D($n: Int) { deals(first: $n) { edges { node { id } } } }"
    defaulted = "query D($n: Int = 50) { deals(first: $n) { edges { node { id } } } }"
    omitted = "query { deals { edges { node { id } } } }"

    assert _cost(literal) == _cost(variable, {"n": 50}) == _cost(defaulted) > 0
    assert _cost(omitted) == _cost(variable, {"n": None}) == _cost(variable, {}) < _cost(literal)
    # Out of bounds is the resolver's VALIDATION error, counted at the bound meanwhile.
    assert _cost(variable, {"n": 10**9}) == _cost(variable, {"n": 100})


def test_fragments_cost_what_they_expand_to_and_introspection_nothing():
    inline = "query { deals(first: 5) { edges { node { id name owner { id name } } } } }"
    fragments = """
      query { deals(first: 5) { edges { node { ...Card } } } }
      fragment Card on Deal { id ...Name owner { ...Person } }
      fragment Name on Deal { name }
      fragment Person on User { id name }
    """
    introspected = "query { __typename __schema { types { name fields { name } } } me { id } }"

    assert _cost(fragments) == _cost(inline)
    assert _cost(introspected) == _cost("query { me { id } }")


async def test_thirty_boards_with_every_cards_history_are_refused(
    user_client: GraphQLClient, process_id: str
):
    body = await user_client.post(
        boards_with_history(30), {"processId": process_id, "first": 20, "history": 20}
    )

    assert body.get("data") is None
    (error,) = body["errors"]
    assert error["extensions"]["code"] == "QUERY_TOO_COMPLEX"
    assert f"Allowed: {DEFAULT_MAX_COST}" in error["message"]


async def test_page_sizes_sent_as_whole_floats_are_refused_as_their_ints_are(
    user_client: GraphQLClient, process_id: str
):
    bodies = [
        await user_client.post(
            boards_with_history(1), {"processId": process_id, "first": size, "history": size}
        )
        for size in (100, 100.0)  # at the default page sizes it would run
    ]

    for body in bodies:
        assert body.get("data") is None
        assert [e["extensions"]["code"] for e in body["errors"]] == ["QUERY_TOO_COMPLEX"]


async def test_the_same_document_with_small_pages_runs(user_client: GraphQLClient, process_id: str):
    data = await user_client.data(
        boards_with_history(2), {"processId": process_id, "first": 5, "history": 5}
    )
    board = await user_client.data(BOARD_QUERY, {"processId": process_id})

    assert [len(b["columns"]) for b in data.values()] == [len(board["board"]["columns"])] * 2


async def test_a_mutation_over_the_limit_changes_nothing(
    app_with: Callable[..., Awaitable[httpx.AsyncClient]],
    team: Team,
    user_client: GraphQLClient,
):
    before = (await user_client.data(DEALS_QUERY))["deals"]["totalCount"]

    async with await app_with(max_query_cost=50) as strict:
        body = await team.client(strict, "user").post(
            CREATE_DEAL_MUTATION, {"input": {"name": "Solar roof"}}
        )
        small = await team.client(strict, "user").post("query { me { id } }")

    assert body.get("data") is None
    assert body["errors"][0]["extensions"]["code"] == "QUERY_TOO_COMPLEX"
    assert "Allowed: 50" in body["errors"][0]["message"]
    assert small["data"]["me"]["id"]
    assert (await user_client.data(DEALS_QUERY))["deals"]["totalCount"] == before


@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_a_subscription_over_the_limit_is_refused_at_the_start(
    live_url: str, team: Team, process_id: str, protocol: str
):
    costly = """
      subscription Board($processId: ID!) {
        boardEvents(processId: $processId) {
          columns { deals(first: 100) { edges { node { id
            history(first: 100) { edges { node { id changes { field } } } } } } } }
        }
      }
    """
    async with live_client(live_url, team.tokens["user"], protocol) as client:
        await client.subscribe("costly", costly, processId=process_id)
        refused = await client.message("costly")
        await client.subscribe("board", BOARD_EVENTS, processId=process_id)
        await client.nothing("board", within=0.3)

    payload = refused["payload"]
    # graphql-transport-ws sends a list of errors; the legacy protocol one error.
    errors = payload.get("errors", [payload]) if isinstance(payload, dict) else payload
    assert [e["extensions"]["code"] for e in errors] == ["QUERY_TOO_COMPLEX"]


def test_a_connections_own_list_counts_its_expected_length():
    """`LeadConnection.statusCounts` is a list of four beside the page's edges: each of
    its fields counts four times per page item (a connection's `edges` count once)."""
    one_field = _cost("{ leads(first: 20) { statusCounts { status } } }")
    two_fields = _cost("{ leads(first: 20) { statusCounts { status count } } }")

    assert two_fields - one_field == 20 * LIST_SIZES["LeadConnection.statusCounts"]
