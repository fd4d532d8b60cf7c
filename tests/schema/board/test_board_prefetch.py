"""A board's cards are asked for while its figures are read (`schema.board.prefetch`):
the pages foreseen from the document are those execution asks for, the answers are the
same as without foreseeing, the cards' statement is under way before the figures are
in, and a failure leaves nothing behind."""

from __future__ import annotations

import asyncio
import gc
from typing import Any

import pytest

from resolvers.board import kanban
from resolvers.board.kanban import CardRequest
from resolvers.pagination import CursorCodec
from schema import context
from schema.board import prefetch, queries
from schema.deals import types as deal_types
from schema.ids import global_id
from testkit.clients import GraphQLClient
from testkit.deals import create_deal
from testkit.documents import BOARD_QUERY
from testkit.teams import Team
from tests.schema.board.test_board import default_process_id

CARD = "edges { cursor node { id name value owner { id } } } totalCount"

# Documents and whether their pages can be foreseen (no directive on the way).
DOCUMENTS = [
    (BOARD_QUERY, True),
    (
        "query B($processId: ID!, $first: Int) { board(processId: $processId) { "
        f"columns {{ a: deals(first: $first) {{ {CARD} }} b: deals(first: 1) {{ {CARD} }} }} }} }}",
        True,
    ),
    (
        "query B($processId: ID!, $first: Int) { board(processId: $processId) { ...Columns } } "
        "fragment Columns on Board { columns { ... on BoardColumn { ...Cards } } } "
        f"fragment Cards on BoardColumn {{ deals(first: $first) {{ {CARD} }} }}",
        True,
    ),
    (
        "query B($processId: ID!, $first: Int) { board(processId: $processId) { "
        f"columns {{ deals(first: $first) @include(if: true) {{ {CARD} }} }} }} }}",
        False,
    ),
    (
        "query B($processId: ID!, $first: Int) { board(processId: $processId) { "
        f"columns @skip(if: false) {{ deals(first: $first) {{ {CARD} }} }} }} }}",
        False,
    ),
    (
        "query B($processId: ID!) { board(processId: $processId) { "
        "dealCount columns { dealCount } } }",
        True,  # nothing to foresee, nothing asked for
    ),
]


@pytest.fixture
def card_batches(monkeypatch: pytest.MonkeyPatch) -> list[list[CardRequest]]:
    """The requests of each batch of cards the board's loader reads."""
    batches: list[list[CardRequest]] = []
    real = kanban.column_cards

    async def recorded(scope: Any, requests: Any, read: Any = None, columns: Any = None) -> Any:
        batches.append(list(requests))
        return await real(scope, requests, read, columns)

    monkeypatch.setattr(kanban, "column_cards", recorded)
    return batches


@pytest.fixture
def foreseen(monkeypatch: pytest.MonkeyPatch) -> list[list[CardRequest]]:
    """What each board foresaw."""
    found: list[list[CardRequest]] = []
    real = prefetch.foreseen_card_requests

    def recorded(raw_info: Any, stage_ids: list[int]) -> list[CardRequest]:
        found.append(real(raw_info, stage_ids))
        return found[-1]

    monkeypatch.setattr(queries, "foreseen_card_requests", recorded)
    return found


async def seed(client: GraphQLClient) -> str:
    for index in range(5):
        await create_deal(client, name=f"Deal {index}", value=f"{index}00.00")
    return await default_process_id(client)


@pytest.mark.parametrize(("document", "plain"), DOCUMENTS)
async def test_foreseen_pages_are_the_ones_execution_asks_for(
    team: Team,
    manager_client: GraphQLClient,
    monkeypatch: pytest.MonkeyPatch,
    card_batches: list[list[CardRequest]],
    foreseen: list[list[CardRequest]],
    document: str,
    plain: bool,
):
    variables = {"processId": await seed(manager_client), "first": 2}

    answer = await manager_client.post(document, variables)
    batches = list(card_batches)
    card_batches.clear()
    monkeypatch.setattr(queries, "foreseen_card_requests", lambda *_: [])
    unforeseen = await manager_client.post(document, variables)

    assert "errors" not in answer, answer["errors"]
    assert answer == unforeseen
    assert len(batches) == len(card_batches) <= 1, "one statement for the cards either way"
    asked = {request for batch in card_batches for request in batch}
    assert set(foreseen[0]) == (asked if plain else set())
    if batches:
        assert set(batches[0]) == asked


async def test_refused_arguments_are_not_foreseen_and_still_refused(
    team: Team, manager_client: GraphQLClient, foreseen: list[list[CardRequest]]
):
    process_id = await seed(manager_client)

    too_many = await manager_client.post(BOARD_QUERY, {"processId": process_id, "first": 101})
    bad_cursor = await manager_client.post(
        BOARD_QUERY, {"processId": process_id, "first": 2, "after": "nonsense"}
    )

    assert foreseen == [[], []]
    for body in (too_many, bad_cursor):
        assert body["errors"][0]["extensions"]["code"] == "VALIDATION"


def figures_waiting_for(started: asyncio.Event, monkeypatch: pytest.MonkeyPatch) -> None:
    """A board's figures read only once `started` is set: loading one after the other
    would wait here for ever (what sets it would wait for the figures)."""
    real = kanban.column_figures

    async def figures(scope: Any, stage_ids: Any = None) -> Any:
        await asyncio.wait_for(started.wait(), timeout=10)
        return await real(scope, stage_ids)

    monkeypatch.setattr(kanban, "column_figures", figures)


def cards_read(monkeypatch: pytest.MonkeyPatch) -> asyncio.Event:
    """Set once a board's cards (their one statement) are read."""
    read = asyncio.Event()
    real_cards = kanban.column_cards

    async def cards(scope: Any, requests: Any, read_too: Any = None, columns: Any = None) -> Any:
        pages = await real_cards(scope, requests, read_too, columns)
        read.set()
        return pages

    monkeypatch.setattr(kanban, "column_cards", cards)
    return read


async def test_the_cards_statement_is_under_way_before_the_figures_are_in(
    team: Team, manager_client: GraphQLClient, monkeypatch: pytest.MonkeyPatch
):
    process_id = await seed(manager_client)
    figures_waiting_for(cards_read(monkeypatch), monkeypatch)
    data = await manager_client.data(BOARD_QUERY, {"processId": process_id})

    assert data["board"]["dealCount"] == 5
    assert sum(c["deals"]["totalCount"] for c in data["board"]["columns"]) == 5


async def test_the_cards_are_executed_while_the_figures_are_on_their_way(
    team: Team, manager_client: GraphQLClient, monkeypatch: pytest.MonkeyPatch
):
    """The figures here wait until a card's fields have been executed (sequential
    execution would wait for ever); every figure and total is then as it should be."""
    process_id = await seed(manager_client)
    executed = asyncio.Event()
    real_owner = context.already_loaded

    def already_loaded(loader: Any, key: Any) -> Any:
        executed.set()  # a card's owner or task dot is being executed
        return real_owner(loader, key)

    monkeypatch.setattr(deal_types, "already_loaded", already_loaded)
    figures_waiting_for(executed, monkeypatch)
    document = BOARD_QUERY.replace(
        "position } dealCount totalValue", "position } dealCount totalValue rottenCount"
    )
    data = await manager_client.data(document, {"processId": process_id})

    board = data["board"]
    assert (board["dealCount"], board["totalValue"], board["forecastValue"]) == (
        5,
        "1000.00",
        "0.00",
    )
    first, *others = board["columns"]
    assert (first["dealCount"], first["totalValue"], first["rottenCount"]) == (5, "1000.00", 0)
    assert first["deals"]["totalCount"] == 5 and len(first["deals"]["edges"]) == 5
    assert all(c["dealCount"] == c["deals"]["totalCount"] == 0 for c in others)


@pytest.mark.parametrize(
    "variables",
    [{}, {"filter": {"search": "Deal"}}, {"first": 2}],
    ids=["first pages", "filtered", "small pages"],
)
async def test_the_owners_come_in_the_cards_statement(
    team: Team,
    manager_client: GraphQLClient,
    user_client: GraphQLClient,
    monkeypatch: pytest.MonkeyPatch,
    variables: dict[str, Any],
):
    """A card's owner is read with it: no statement of the board's asks for users, and
    every card shows its own owner."""
    process_id = await seed(manager_client)
    for index in range(3):
        await create_deal(user_client, name=f"Deal of a seller {index}")

    async def users(workspace_id: int, ids: list[int]) -> Any:
        raise AssertionError(f"a statement of its own for the owners {ids}")

    monkeypatch.setattr(context, "users_by_ids", users)
    document = BOARD_QUERY.replace("owner { id }", "owner { id name email }")
    data = await manager_client.data(document, {"processId": process_id, **variables})

    cards = [e["node"] for c in data["board"]["columns"] for e in c["deals"]["edges"]]
    assert len(cards) == min(8, variables.get("first", 20))  # all in the first stage
    for card in cards:
        owner = team.user if "seller" in card["name"] else team.manager
        expected = {"id": global_id("User", owner.id), "name": owner.name, "email": owner.email}
        assert card["owner"] == expected, card
    # Newest first: the sellers' three, then the manager's (of which a page of 2 has none).
    assert len({card["owner"]["id"] for card in cards}) == (1 if "first" in variables else 2)


@pytest.mark.parametrize("after_the_cards", [False, True], ids=["before", "after the cards"])
async def test_failing_figures_fail_the_board_and_leave_nothing_unheard(
    team: Team,
    manager_client: GraphQLClient,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    after_the_cards: bool,
):
    """The figures fail before the cards are in (the board is never handed out) or
    after (its fields that show figures fail): the board is null with a masked error,
    and asyncio has no failure that nobody heard."""
    process_id = await seed(manager_client)
    read = cards_read(monkeypatch)

    async def broken(scope: Any, stage_ids: Any = None) -> Any:
        if after_the_cards:
            await asyncio.wait_for(read.wait(), timeout=10)
        await asyncio.sleep(0)
        raise RuntimeError("the figures' statement failed")

    monkeypatch.setattr(kanban, "column_figures", broken)
    body = await manager_client.post(BOARD_QUERY, {"processId": process_id})
    await asyncio.sleep(0.05)
    gc.collect()  # a future dropped with its failure unheard logs it as it goes

    assert body["data"] is None
    assert body["errors"] and {e["message"] for e in body["errors"]} == {"Unexpected error."}
    assert "never retrieved" not in caplog.text


def test_each_fragment_is_walked_once_however_often_it_is_spread(
    monkeypatch: pytest.MonkeyPatch,
):
    from graphql import parse

    # F0 spreads F1 twice, F1 spreads F2 twice, ...: 2**30 paths, 31 fragments.
    depth = 30
    fragments = [f"fragment F{i} on Board {{ ...F{i + 1} ...F{i + 1} }}" for i in range(depth)] + [
        f"fragment F{depth} on Board {{ columns {{ deals(first: 1) {{ totalCount }} }} }}"
    ]
    document = parse("query { board(processId: 1) { ...F0 } } " + " ".join(fragments))
    walked: list[str] = []
    real = prefetch._selected

    def counted(selection_set: Any, name: str, *rest: Any) -> Any:
        walked.append(name)
        return real(selection_set, name, *rest)

    monkeypatch.setattr(prefetch, "_selected", counted)
    info = _board_info(document)

    requests = prefetch.foreseen_card_requests(info, [7, 8])

    assert requests == [CardRequest(7, 1, None), CardRequest(8, 1, None)]
    assert len(walked) <= 2 * (depth + 2)


def _board_info(document: Any) -> Any:
    """What `foreseen_card_requests` reads of a resolve info, for `document`'s board."""
    from types import SimpleNamespace

    from graphql import FragmentDefinitionNode, OperationDefinitionNode

    from schema import build_schema

    schema = build_schema()._schema
    operation = next(d for d in document.definitions if isinstance(d, OperationDefinitionNode))
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    return SimpleNamespace(
        return_type=schema.query_type.fields["board"].type,
        field_nodes=list(operation.selection_set.selections),
        fragments=fragments,
        variable_values={},
    )


@pytest.mark.parametrize("with_cursors", [False, True], ids=["end cursors", "edge cursors"])
async def test_a_cards_cursor_is_encoded_only_when_asked_for(
    team: Team,
    manager_client: GraphQLClient,
    monkeypatch: pytest.MonkeyPatch,
    with_cursors: bool,
):
    """The board app pages its columns by `pageInfo.endCursor` and shows no edge's
    cursor: a column's first and last cards' cursors are encoded (its page's start and
    end), not one per card; edge cursors, when asked for, are the same cursors as ever
    (the first the start cursor, the last the end cursor)."""
    process_id = await seed(manager_client)
    encoded: list[str] = []
    real = CursorCodec.encode

    def counted(codec: CursorCodec, values: Any) -> str:
        encoded.append(real(codec, values))
        return encoded[-1]

    monkeypatch.setattr(CursorCodec, "encode", counted)
    edge = "cursor node { id }" if with_cursors else "node { id }"
    data = await manager_client.data(
        "query B($processId: ID!) { board(processId: $processId) { columns { deals { "
        f"pageInfo {{ endCursor }} edges {{ {edge} }} }} }} }} }}",
        {"processId": process_id},
    )

    pages = [c["deals"] for c in data["board"]["columns"] if c["deals"]["edges"]]
    assert len(pages) == 1 and len(pages[0]["edges"]) == 5
    if with_cursors:
        cursors = [e["cursor"] for e in pages[0]["edges"]]
        assert len(set(cursors)) == 5 and cursors[-1] == pages[0]["pageInfo"]["endCursor"]
        assert sorted(encoded) == sorted([*cursors, cursors[0], cursors[-1]])
    else:
        assert len(encoded) == 2 and pages[0]["pageInfo"]["endCursor"] in encoded
