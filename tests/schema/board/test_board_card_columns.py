"""A board's cards are read with only the columns their fields need
(`schema.board.prefetch.card_fields`, `schema.deals.types.columns_read`): the answers
are those of whole rows, field by field and over random documents, for every kind of
viewer and page; a field that needs more reads whole rows."""

from __future__ import annotations

import dataclasses
import random
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from graphql import parse

from models.deal import Deal as DealRow
from resolvers.board import kanban
from resolvers.clock import now_utc
from schema import build_schema
from schema.board import prefetch
from schema.deals import types as deal_types
from schema.ids import global_id
from testkit.board_data import DealSeed, TaskSeed, default_tree, seed_deals
from testkit.clients import GraphQLClient
from testkit.teams import Team
from tests.schema.board.test_board_prefetch import _board_info

# Each field a card may show without its whole row, with a selection where it needs one.
SELECTIONS = {
    name: {"owner": "owner { id name email }", "stage": "stage { id name }"}.get(
        name, "process { id name }" if name == "process" else name
    )
    for name in deal_types._COLUMNS_READ
}
WHOLE = "canEdit"  # a field that reads more than the map knows of
# The fields a card reads without its whole row (`kanban.CARD_COLUMNS`).
LEAN = [
    name
    for name, columns in deal_types._COLUMNS_READ.items()
    if set(columns) <= kanban.CARD_COLUMNS
]


@pytest.fixture
def columns_asked(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """The columns each batch of cards is read with (None: whole rows)."""
    asked: list[Any] = []
    real = kanban.column_cards

    async def recorded(scope: Any, requests: Any, read: Any = None, columns: Any = None) -> Any:
        asked.append(columns)
        return await real(scope, requests, read, columns)

    monkeypatch.setattr(kanban, "column_cards", recorded)
    return asked


async def seeded(team: Team) -> str:
    """Open deals of every shape a card shows: companies or none, dates or none, tasks
    overdue and due, rotten ones, keys from elsewhere; the salesperson's own, shared
    and public ones among them."""
    tree = await default_tree(team.workspace.id)
    now = now_utc()
    rng = random.Random(5)
    seeds = [
        DealSeed(
            name=f"Deal {i}",
            owner_id=[team.user.id, team.manager.id, team.admin.id][i % 3],
            value=Decimal(rng.randrange(0, 10**7)) / 100,
            is_public=i % 4 == 0,
            participant_ids=(team.user.id,) if i % 5 == 1 else (),
            company=None if i % 3 else f"Company {i}",
            contact_person=None if i % 2 else f"Contact {i}",
            expected_close_date=(now + timedelta(days=i)).date() if i % 2 else None,
            completed=frozenset(
                step.row.id for stage in tree.stages[: i % 3] for step in stage.steps
            ),
            tasks=tuple(
                TaskSeed(now + timedelta(hours=rng.randrange(-48, 48)), rng.random() < 0.3)
                for _ in range(i % 3)
            ),
        )
        for i in range(24)
    ]
    deals = await seed_deals(team.workspace.id, tree, seeds, now)
    for deal in deals[::5]:  # rotten, with a key from elsewhere and a source
        await DealRow.filter(id=deal.id).update(
            rots_at=now - timedelta(days=1), external_id=f"crm-{deal.id}", source="web"
        )
    for deal in deals[1::4]:  # unlike most cards, so that a field read as null shows
        await DealRow.filter(id=deal.id).update(
            currency="USD", version=3, lost_reason="Reopened after a loss"
        )
    await DealRow.filter(id=deals[1].id).update(stage_entered_at=None)  # as before it was kept
    return global_id("Process", tree.row.id)


def board_document(card: str, deals: str = "deals(first: $first, after: $after)") -> str:
    return (
        "query B($processId: ID!, $first: Int, $after: String, $filter: BoardFilter) { "
        "board(processId: $processId, filter: $filter) { columns { stage { id } "
        f"{deals} {{ pageInfo {{ endCursor hasNextPage }} edges {{ cursor node {{ {card} }} }} }} "
        "} } }"
    )


def without(answer: dict[str, Any], name: str) -> dict[str, Any]:
    """The board answer with the cards' field `name` taken out."""
    for column in answer["board"]["columns"]:
        for edge in column["deals"]["edges"]:
            edge["node"].pop(name)
    return answer


VIEWS = [
    ("manager", {"first": 20}),
    ("user", {"first": 20}),
    ("manager", {"first": 3}),
    ("user", {"filter": {"search": "Deal 1"}}),
]


@pytest.mark.parametrize(
    ("who", "variables"), VIEWS, ids=["manager", "salesperson", "small pages", "filtered"]
)
async def test_each_field_reads_what_it_shows(
    team: Team,
    http: Any,
    columns_asked: list[Any],
    who: str,
    variables: dict[str, Any],
):
    """Each field alone answers as it does with whole rows (read because the same
    document also asks for a field that needs them)."""
    process_id = await seeded(team)
    client = team.client(http, who)
    variables = {"processId": process_id, **variables}
    for name, selection in SELECTIONS.items():
        columns_asked.clear()
        lean = await client.data(board_document(f"id {selection}"), variables)
        whole = await client.data(board_document(f"id {selection} {WHOLE}"), variables)

        assert columns_asked[0] == kanban.card_columns(deal_types._COLUMNS_READ[name]), name
        assert columns_asked[1] is None, name
        if name in LEAN:
            assert columns_asked[0] is not None, name
        assert lean == without(whole, WHOLE), name
        cards = [e["node"] for c in lean["board"]["columns"] for e in c["deals"]["edges"]]
        assert cards, name
        # The next page, from the lean page's cursor, reads lean too and agrees.
        cursor = next(c for c in lean["board"]["columns"] if c["deals"]["edges"])["deals"]
        if cursor["pageInfo"]["hasNextPage"]:
            after = {**variables, "after": cursor["pageInfo"]["endCursor"]}
            assert await client.data(board_document(f"id {selection}"), after) == without(
                await client.data(board_document(f"id {selection} {WHOLE}"), after), WHOLE
            )


async def test_random_documents_answer_as_whole_rows_do(
    team: Team, http: Any, columns_asked: list[Any]
):
    """Random selections of card fields, aliased, through inline and named fragments
    (one on the Node interface), with `__typename`: the same answers either way."""
    process_id = await seeded(team)
    rng = random.Random(17)
    names = LEAN
    for round_ in range(12):
        picked = rng.sample(names, rng.randrange(1, 7))
        parts = []
        for index, name in enumerate(picked):
            selection = SELECTIONS[name]
            if rng.random() < 0.3:
                selection = f"a{index}: {selection}"
            wrap = rng.random()
            if wrap < 0.25:
                selection = f"... on Deal {{ {selection} }}"
            elif wrap < 0.4:
                selection = f"... {{ {selection} }}"
            parts.append(selection)
        card = " ".join(parts)
        fragment = ""
        if round_ % 3 == 0:
            card += " ...N"
            fragment = " fragment N on Node { id }"
        who = rng.choice(["manager", "user"])
        client = team.client(http, who)
        variables = {"processId": process_id, "first": rng.choice([2, 20])}
        columns_asked.clear()
        lean = await client.data(board_document(card) + fragment, variables)
        whole = await client.data(board_document(f"{card} {WHOLE}") + fragment, variables)
        assert columns_asked[0] == kanban.card_columns(kanban.CARD_COLUMNS), card
        assert columns_asked[1] is None, card
        assert lean == without(whole, WHOLE), card


@pytest.mark.parametrize(
    "card",
    [
        "id name canEdit",
        "id participants { id }",
        "id history { edges { node { id } } }",
        "id ... on Deal { lineItems { quantity } }",
    ],
)
async def test_a_field_that_needs_more_reads_whole_rows(
    team: Team, manager_client: GraphQLClient, columns_asked: list[Any], card: str
):
    process_id = await seeded(team)
    data = await manager_client.data(board_document(card), {"processId": process_id})
    assert columns_asked == [None]
    assert any(c["deals"]["edges"] for c in data["board"]["columns"])


def card_fields(document: str) -> set[str] | None:
    return prefetch.card_fields(_board_info(parse(document)))


def test_card_fields_are_read_off_the_document_with_its_fragments():
    plain = board_document("id name owner { id }")
    assert card_fields(plain) == {"id", "name", "owner"}
    # Aliases by their field's name; directives and type conditions do not hide a field.
    spread = (
        "query { board(processId: 1) { ...B } } "
        "fragment B on Board { cols: columns { ... on BoardColumn { d: deals(first: 1) "
        "{ edges { node { ...C x: company @skip(if: true) ... on Node { id } } } } } } } "
        "fragment C on Deal { value ...C2 } fragment C2 on Deal { ... @include(if: false) "
        "{ taskStatus } }"
    )
    assert card_fields(spread) == {"value", "company", "id", "taskStatus"}
    # Two places that ask for cards: both count.
    twice = (
        "query { board(processId: 1) { columns { a: deals(first: 1) { edges { node { id } } } "
        "b: deals { edges { node { status } } } } } }"
    )
    assert card_fields(twice) == {"id", "status"}
    # No cards asked for: nothing.
    assert card_fields("query { board(processId: 1) { dealCount } }") == set()


def test_the_map_names_only_fields_of_deal():
    schema = build_schema()._schema
    deal = schema.type_map["Deal"]
    assert set(deal_types._COLUMNS_READ) - {"__typename"} <= set(deal.fields)  # type: ignore[attr-defined]
    columns = set(DealRow._meta.fields_db_projection)
    assert all(set(read) <= columns for read in deal_types._COLUMNS_READ.values())
    assert deal_types.columns_read(["name", "canEdit"]) is None
    assert deal_types.columns_read(["forecastValue", "owner"]) == {"forecast_cents", "owner_id"}


async def test_a_deal_has_every_field_of_its_type_from_a_whole_or_partial_row(team: Team):
    """`Deal.from_row` sets the dataclass's fields itself: all of them, as its __init__
    would; a partial row's missing ones not at all (asked for, they are an error)."""
    await seeded(team)
    row = await DealRow.filter(workspace_id=team.workspace.id, company__not_isnull=True).first()
    assert row is not None
    deal = deal_types.Deal.from_row(row)
    names = {f.name for f in dataclasses.fields(deal_types.Deal) if f.init}
    assert set(vars(deal)) == names
    assert vars(deal_types.Deal(**{name: getattr(deal, name) for name in names})) == vars(deal)
    assert (deal.name, deal.company, deal.value) == (row.name, row.company, row.value)

    partial = await DealRow.filter(id=row.id).only("id", "name", "updated_at").first()
    assert partial is not None and partial._partial
    lean = deal_types.Deal.from_row(partial)
    assert set(vars(lean)) == {"id", "row", "name", "updated_at"}
    assert (lean.id, lean.name, lean.updated_at) == (deal.id, deal.name, deal.updated_at)
    assert not hasattr(lean, "company") and not hasattr(lean, "forecast_value")


def test_reading_the_card_fields_is_linear_in_the_document(monkeypatch: pytest.MonkeyPatch):
    """Aliases at every level spreading the same fragments, and fragments spreading
    each other twice (2**20 paths): each field and fragment is walked once a level."""
    width, depth = 40, 20
    chain = [f"fragment F{i} on Deal {{ ...F{i + 1} ...F{i + 1} }}" for i in range(depth)]
    chain.append(f"fragment F{depth} on Deal {{ name }}")
    fragments = [
        "fragment C on BoardColumn { "
        + " ".join(f"d{i}: deals(first: 1) {{ ...E }}" for i in range(width))
        + " }",
        "fragment E on DealConnection { "
        + " ".join(f"e{i}: edges {{ ...N }}" for i in range(width))
        + " }",
        "fragment N on DealEdge { "
        + " ".join(f"n{i}: node {{ id ...F0 }}" for i in range(width))
        + " }",
        *chain,
    ]
    columns = " ".join(f"c{i}: columns {{ ...C }}" for i in range(width))
    document = parse("query { board(processId: 1) { " + columns + " } } " + " ".join(fragments))
    walked: list[int] = []
    real = prefetch._every_field

    def counted(*args: Any) -> Any:
        walked.append(1)
        return real(*args)

    monkeypatch.setattr(prefetch, "_every_field", counted)

    assert prefetch.card_fields(_board_info(document)) == {"id", "name"}
    assert len(walked) <= 6 * (width + depth + 4)


async def test_a_field_whose_column_was_not_read_is_an_error_not_a_null(
    team: Team, manager_client: GraphQLClient, monkeypatch: pytest.MonkeyPatch
):
    """Were the map wrong (here: `contactPerson` said to read `name`), a card would
    answer an error for the field, never a null that looks like the truth."""
    process_id = await seeded(team)
    monkeypatch.setitem(deal_types._COLUMNS_READ, "contactPerson", ("name",))
    body = await manager_client.post(board_document("id contactPerson"), {"processId": process_id})
    assert body["errors"] and {e["path"][-1] for e in body["errors"]} == {"contactPerson"}
