"""Plain fields (`schema.plain_fields`) answer exactly what graphql-core's general path
answers: over random board documents through the HTTP app (fields plain and not,
aliases, repeated fields, `__typename`, inline and named fragments, `@include` and
`@skip`), and over a small schema whose plain fields go wrong in every way a value can
(null for a non-null type, a value its scalar or enum refuses, an exception), where the
errors' messages, paths, locations and null propagation must match too."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from enum import Enum
from typing import Any

import pytest
import strawberry
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from models.deal import Deal
from schema.ids import global_id
from schema.plain_fields import PlainFieldExecution, planned_field
from testkit.board_data import DealSeed, TaskSeed, default_tree, seed_deals
from testkit.clients import GraphQLClient
from testkit.clock import FrozenClock
from testkit.documents import BOARD_QUERY
from testkit.teams import Team

NOW = datetime(2026, 5, 4, 10, 0, tzinfo=UTC)

# Deal fields with no arguments: plain ones (attributes and methods of `self` alone)
# and others (resolvers taking `info`, async ones, objects).
DEAL_LEAVES = [
    "id",
    "name",
    "company",
    "contactPerson",
    "value",
    "currency",
    "source",
    "expectedCloseDate",
    "isPublic",
    "status",
    "probability",
    "forecastValue",
    "lostReason",
    "version",
    "createdAt",
    "updatedAt",
    "deletedAt",
    "externalId",
    "isRotten",
    "rottenSince",
    "stageEnteredAt",
    "taskStatus",
    "canEdit",
    "__typename",
]
DEAL_OBJECTS = ["owner { id name __typename }", "stage { id name position }"]


@st.composite
def selections(draw: st.DrawFn, fields: list[str], fragments: dict[str, str]) -> str:
    """A selection set over `fields`: some aliased, some repeated, some behind a
    directive or in a fragment (named ones are added to `fragments`)."""
    chosen = draw(st.lists(st.sampled_from(fields), min_size=1, max_size=10))
    parts = []
    for index, field in enumerate(chosen):
        name, _, subfields = field.partition(" ")
        shape = draw(st.sampled_from(["bare", "alias", "include", "skip", "inline", "named"]))
        if shape == "alias" and name != "__typename":
            parts.append(f"a{index}_{name}: {field}")
        elif shape == "include":
            parts.append(f"{name} @include(if: $yes) {subfields}")
        elif shape == "skip":
            parts.append(f"{name} @skip(if: $yes) {subfields}")
        elif shape == "inline":
            parts.append(f"... on Deal {{ {field} }}")
        elif shape == "named":
            fragment = f"F{len(fragments)}"
            fragments[fragment] = f"fragment {fragment} on Deal {{ {field} }}"
            parts.append(f"...{fragment}")
        else:
            parts.append(field)
    return " ".join(parts)


@st.composite
def board_documents(draw: st.DrawFn) -> str:
    fragments: dict[str, str] = {}
    card = draw(selections(DEAL_LEAVES + DEAL_OBJECTS, fragments))
    column = draw(
        st.sampled_from(
            [
                "__typename dealCount totalValue",
                "stage { __typename id name position } forecastValue rottenCount",
                "id c: dealCount dealCount",
            ]
        )
    )
    edge = draw(st.sampled_from(["cursor node", "node", "__typename cursor again: node"]))
    document = (
        "query Cards($processId: ID!, $yes: Boolean!, $first: Int) { "
        "board(processId: $processId) { __typename id dealCount n: dealCount @skip(if: $yes) "
        f"columns {{ {column} deals(first: $first) {{ totalCount "
        "pageInfo { hasNextPage endCursor __typename } "
        f"edges {{ {edge} {{ {card} }} }} }} }} }} }}"
    )
    return " ".join([document, *fragments.values()])


@pytest.fixture
def general_path(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """Runs a request with every field the general way."""

    async def answer(client: GraphQLClient, query: str, variables: dict[str, Any]) -> Any:
        monkeypatch.setattr(PlainFieldExecution, "plain_fields_enabled", False)
        try:
            return await client.post(query, variables)
        finally:
            monkeypatch.setattr(PlainFieldExecution, "plain_fields_enabled", True)

    return answer


async def seed_cards(team: Team) -> int:
    """Deals of every shape a card has (rotten, with tasks due, closed fields empty or
    set), in the default process; its id."""
    tree = await default_tree(team.workspace.id)
    await Deal.filter(workspace_id=team.workspace.id).delete()
    step_ids = [step.row.id for stage in tree.stages for step in stage.steps]
    people = [team.admin.id, team.manager.id, team.user.id]
    seeds = [
        DealSeed(
            name=f"Deal {index}",
            owner_id=people[index % 3],
            value=Decimal(index * 1234) / 100,
            is_public=index % 2 == 0,
            completed=frozenset(step_ids[: index % len(step_ids)]),
            company=None if index % 3 else f"Company {index}",
            contact_person=f"Contact {index}" if index % 4 else None,
            tasks=(TaskSeed(NOW + timedelta(hours=index * 7 - 30)),) if index % 2 else (),
            last_activity_at=NOW - timedelta(days=index * 3),
        )
        for index in range(9)
    ]
    await seed_deals(team.workspace.id, tree, seeds, NOW)
    return tree.row.id


async def test_a_documents_fields_are_planned_once_not_per_request(
    team: Team, manager_client: GraphQLClient
):
    """How each field is completed is worked out once per field of the schema (it was
    on every request, some 1.5 ms of a 10,000-deal board), and a document's plans once
    per document (`schema.live.execution._kept_selections_of`): a board asked again, with
    another page size, looks nothing up anew."""
    process_id = await seed_cards(team)
    variables = {"processId": global_id("Process", process_id), "first": 3}
    first = await manager_client.data(BOARD_QUERY, variables)
    assert planned_field.cache_info().misses > 0
    worked_out = planned_field.cache_info()

    assert await manager_client.data(BOARD_QUERY, variables) == first
    smaller = await manager_client.data(BOARD_QUERY, variables | {"first": 1})

    assert planned_field.cache_info() == worked_out
    columns = zip(first["board"]["columns"], smaller["board"]["columns"], strict=True)
    assert any(len(a["deals"]["edges"]) > 1 for a, _ in columns)
    for big, small in zip(first["board"]["columns"], smaller["board"]["columns"], strict=True):
        assert small["deals"]["edges"] == big["deals"]["edges"][:1]


async def test_a_document_whose_selections_follow_its_variables_is_planned_per_request(
    team: Team, manager_client: GraphQLClient
):
    """`@include(if: $yes)`: what a document selects depends on the request, so its
    plans are not kept from one request to the next."""
    process_id = await seed_cards(team)
    document = """
    query Board($processId: ID!, $yes: Boolean!) {
      board(processId: $processId) {
        columns { deals(first: 2) { edges { node { id name @include(if: $yes) } } } }
      }
    }"""
    variables = {"processId": global_id("Process", process_id)}

    shown = await manager_client.data(document, variables | {"yes": True})
    hidden = await manager_client.data(document, variables | {"yes": False})

    cards = [e["node"] for c in shown["board"]["columns"] for e in c["deals"]["edges"]]
    bare = [e["node"] for c in hidden["board"]["columns"] for e in c["deals"]["edges"]]
    assert cards and all(set(card) == {"id", "name"} for card in cards)
    assert bare == [{"id": card["id"]} for card in cards]


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(document=board_documents(), yes=st.booleans(), first=st.integers(0, 4))
async def test_board_documents_answer_as_the_general_path_does(
    team: Team,
    manager_client: GraphQLClient,
    user_client: GraphQLClient,
    frozen_clock: FrozenClock,
    general_path: Any,
    document: str,
    yes: bool,
    first: int,
):
    frozen_clock.now = NOW
    process_id = await seed_cards(team)
    variables = {"processId": global_id("Process", process_id), "yes": yes, "first": first}

    for client in (manager_client, user_client):
        plain = await client.post(document, variables)
        general = await general_path(client, document, variables)

        assert "errors" not in plain, plain["errors"]
        assert plain == general
        assert plain["data"]["board"]["__typename"] == "Board"


class Color(Enum):
    RED = "red"


@strawberry.type
class Item:
    """Plain fields that go wrong on some items."""

    name: str | None
    label: str
    color: Color
    count: int
    note: str | None
    fails_for: strawberry.Private[int]

    @strawberry.field
    def checked(self) -> str:
        if self.count == self.fails_for:
            raise ValueError(f"item {self.count} cannot be checked")
        return f"checked {self.count}"

    @strawberry.field
    def where(self, info: strawberry.Info) -> str:
        """Takes `info`: its path is this item's."""
        if self.count == self.fails_for:
            raise ValueError(f"item {self.count} has no place")
        return ".".join(map(str, info.path.as_list()))

    @strawberry.field
    def twin(self) -> Item:
        """An object made by a method of `self` alone (non-null: a bad twin nulls this
        item)."""
        return Item(
            name=self.name,
            label=self.label,
            color=self.color,
            count=self.count,
            note=None,
            fails_for=-1,
        )

    @strawberry.field
    async def later(self) -> str | None:
        return self.label

    @strawberry.field
    def awaited(self) -> Decimal:
        """A synchronous method whose value is awaitable: graphql-core awaits it."""

        async def value() -> Decimal:
            return Decimal(self.count) / 2

        return value()  # type: ignore[return-value]

    @strawberry.field
    def counted(self) -> str:
        """Called once per item whatever it returns (null here: an error)."""
        CALLS.append(self.count)
        return None  # type: ignore[return-value]


CALLS: list[int] = []


def items() -> list[Item]:
    good = Item(name="a", label="A", color=Color.RED, count=1, note=None, fails_for=-1)
    return [
        good,
        Item(name=None, label=None, color=Color.RED, count=2, note="n", fails_for=-1),  # type: ignore[arg-type]
        Item(name="c", label="C", color="blue", count=3, note=None, fails_for=-1),  # type: ignore[arg-type]
        Item(name="d", label="D", color=Color.RED, count="many", note=None, fails_for=-1),  # type: ignore[arg-type]
        Item(name="e", label="E", color=Color.RED, count=5, note=None, fails_for=5),
    ]


@strawberry.type
class Query:
    @strawberry.field
    def items(self) -> list[Item]:
        return items()

    @strawberry.field
    def nullable_items(self) -> list[Item | None]:
        return items()


async def both_ways(monkeypatch: pytest.MonkeyPatch, query: type, document: str) -> Any:
    """`document`'s result on the plain path, checked to be the general path's: data,
    errors (messages, paths, locations) and the resolver calls made (`CALLS`)."""
    schema = strawberry.Schema(query=query, execution_context_class=PlainFieldExecution)

    CALLS.clear()
    plain = await schema.execute(document)
    plain_calls = list(CALLS)
    monkeypatch.setattr(PlainFieldExecution, "plain_fields_enabled", False)
    CALLS.clear()
    general = await schema.execute(document)
    monkeypatch.setattr(PlainFieldExecution, "plain_fields_enabled", True)

    assert plain.data == general.data
    assert [e.formatted for e in plain.errors or []] == [e.formatted for e in general.errors or []]
    assert plain_calls == CALLS, "a resolver is called as often as on the general path"
    return plain


@pytest.mark.parametrize(
    "document",
    [
        "{ items { name label color count note checked __typename } }",
        "{ nullableItems { name label color count note checked __typename } }",
        "{ nullableItems { x: count y: count ... on Item { label } } }",
        "{ nullableItems { checked name } }",
        "{ nullableItems { color } items { name } }",
        "{ nullableItems { where w: where later twin { label where twin { count } } } }",
        "{ nullableItems { twin { __typename name color } } }",
        "{ nullableItems { awaited counted } }",
    ],
)
async def test_plain_fields_that_go_wrong_fail_as_on_the_general_path(
    monkeypatch: pytest.MonkeyPatch, document: str
):
    plain = await both_ways(monkeypatch, Query, document)

    assert plain.errors  # every document meets at least one bad value


@strawberry.interface
class Named:
    name: str | None


@strawberry.type
class Box(Named):
    """Implements an interface: its type has an `is_type_of`."""

    label: str
    count: int


def boxes(shelf: int) -> list[Box]:
    """The third box of shelf 1 has a count its type refuses."""
    return [
        Box(name=f"box {shelf}.{n}", label=f"B{n}", count="many" if (shelf, n) == (1, 2) else n)  # type: ignore[arg-type]
        for n in range(3)
    ]


def _box_later() -> asyncio.Future[Box]:
    later = asyncio.get_running_loop().create_future()
    later.set_result(Box(name="later", label="L", count=9))
    return later


@strawberry.type
class Shelf:
    """Objects held by their parent, as they should be and not."""

    number: int
    box: Box
    maybe_box: Box | None
    boxes: list[Box]
    maybe_boxes: list[Box | None]
    tuple_boxes: list[Box]
    not_a_list: list[Box]
    later_box: Box
    wrong_box: Box
    lists: list[list[Box]]

    @strawberry.field
    def made_box(self) -> Box | None:
        return self.box if self.number != 2 else None

    @strawberry.field
    def made_boxes(self, info: strawberry.Info) -> list[Box | None]:
        """Takes `info`: its path is the shelf's."""
        CALLS.append(len(info.path.as_list()))
        return [*self.boxes, None]

    @strawberry.field
    def made_wrong(self) -> list[Box]:
        item = Item(name="i", label="I", color=Color.RED, count=1, note=None, fails_for=-1)
        return [self.box, item]  # type: ignore[list-item]


def shelves() -> list[Shelf | None]:
    made = []
    for number in range(4):
        held = boxes(number)
        made.append(
            Shelf(
                number=number,
                box=held[0],
                maybe_box=held[1] if number % 2 else None,
                boxes=held,
                maybe_boxes=[held[0], None, *held[1:]],
                tuple_boxes=tuple(held),  # type: ignore[arg-type]
                not_a_list=held[0] if number == 3 else held,  # type: ignore[arg-type]
                later_box=_box_later() if number == 0 else held[0],  # type: ignore[arg-type]
                wrong_box=held[0] if number != 1 else "not a box",  # type: ignore[arg-type]
                lists=[held, held[:1]],
            )
        )
    return [*made, None]


@strawberry.type
class ShelfQuery:
    @strawberry.field
    def shelves(self) -> list[Shelf | None]:
        return shelves()

    @strawberry.field
    def first_shelf(self) -> Shelf:
        shelf = shelves()[1]
        assert shelf is not None
        return shelf


@pytest.mark.parametrize(
    "document",
    [
        "{ shelves { number box { label count } maybeBox { label __typename } } }",
        "{ shelves { boxes { label count } } }",
        "{ shelves { maybeBoxes { label count } tupleBoxes { label name } } }",
        "{ shelves { notAList { label } } }",
        "{ shelves { laterBox { label } } }",
        "{ shelves { wrongBox { label } } }",
        "{ shelves { madeBox { label count } madeBoxes { label count } } }",
        "{ shelves { madeWrong { label } } }",
        "{ shelves { boxes { ... on Named { name } ... on Box { label } } } }",
        "{ shelves { lists { label } } }",
        "{ firstShelf { boxes { count } } }",
        "{ firstShelf { box { label } maybeBox { label } tupleBoxes { name } } }",
    ],
)
async def test_held_objects_complete_as_on_the_general_path(
    monkeypatch: pytest.MonkeyPatch, document: str
):
    await both_ways(monkeypatch, ShelfQuery, document)


@strawberry.type
class Values:
    """Values a leaf type serializes as themselves, and ones it converts or refuses."""

    text: str
    number: int
    flag: bool
    key: strawberry.ID
    color: Color


EDGE_VALUES: list[dict[str, Any]] = [
    {"text": "plain", "number": 7, "flag": True, "key": "k", "color": Color.RED},
    {"text": True, "number": True, "flag": 1, "key": 12, "color": "red"},
    {"text": 3, "number": 2**31, "flag": 0.0, "key": 1.5, "color": "RED"},
    {"text": 2.5, "number": -(2**31) - 1, "flag": "yes", "key": True, "color": None},
    {"text": None, "number": 3.0, "flag": None, "key": None, "color": Color.RED},
    {"text": "x", "number": "12", "flag": False, "key": "", "color": Color.RED},
]


@strawberry.type
class ValuesQuery:
    @strawberry.field
    def values(self) -> list[Values | None]:
        return [Values(**row) for row in EDGE_VALUES]


async def test_leaves_serialize_as_their_types_do(monkeypatch: pytest.MonkeyPatch):
    plain = await both_ways(monkeypatch, ValuesQuery, "{ values { text number flag key color } }")

    assert plain.data and plain.data["values"][0] == {
        "text": "plain",
        "number": 7,
        "flag": True,
        "key": "k",
        "color": "RED",
    }


def test_every_enum_of_the_schema_names_its_members_as_strawberry_does():
    from strawberry.schema.schema_converter import CustomGraphQLEnumType

    from schema import build_schema
    from schema.plain_fields import leaf_output

    enums = [
        t for t in build_schema()._schema.type_map.values() if isinstance(t, CustomGraphQLEnumType)
    ]
    assert len(enums) > 5
    for enum in enums:
        output = leaf_output(enum)
        assert output.member_type is enum.wrapped_cls
        for member in enum.wrapped_cls:
            assert output.names[member] == enum.coerce_output_value(member)


class Unpriced(Exception):
    pass


@strawberry.type
class PriceMissing:
    reason: str


@strawberry.type
class Price:
    amount: int


class UnpricedHandler(strawberry.ExceptionHandler[Unpriced, PriceMissing]):
    def handle(self, exception: Unpriced, *, field: Any, info: Any) -> PriceMissing:
        return PriceMissing(reason=str(exception))


@strawberry.type
class Priced:
    count: int

    @strawberry.field
    def price(self) -> Price | PriceMissing:
        """A simple resolver whose exceptions a handler turns into a result."""
        if self.count % 2:
            raise Unpriced(f"no price for {self.count}")
        return Price(amount=self.count * 10)


@strawberry.type
class PricedQuery:
    @strawberry.field
    def priced(self) -> list[Priced]:
        return [Priced(count=n) for n in range(3)]


async def test_strawberry_exception_handlers_still_apply_to_simple_resolvers():
    schema = strawberry.Schema(
        query=PricedQuery,
        execution_context_class=PlainFieldExecution,
        exception_handlers=[UnpricedHandler()],
    )

    result = await schema.execute(
        "{ priced { count price { ... on Price { amount } ... on PriceMissing { reason } } } }"
    )

    assert result.errors is None
    assert result.data == {
        "priced": [
            {"count": 0, "price": {"amount": 0}},
            {"count": 1, "price": {"reason": "no price for 1"}},
            {"count": 2, "price": {"amount": 20}},
        ]
    }
