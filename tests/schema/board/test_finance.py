"""Finance against a brute-force computation over random deals (as the board is): for
each viewer and grouping, the rows and totals equal what adding up the deals they may
see in Python gives; by product, each row is within a cent per split deal of the exact
share and the rows add up to the totals exactly. Then the rules at the edges: periods,
time zones, errors, and a constant number of statements."""

from __future__ import annotations

import itertools
import random
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from models.account import Role
from models.deal import Deal, DealStatus
from models.product import Product
from resolvers import progress
from resolvers.board.finance import split
from schema.ids import global_id
from testkit.board_data import DealSeed, default_tree, seed_deals
from testkit.clients import GraphQLClient
from testkit.clock import FrozenClock
from testkit.queries import logged_queries
from testkit.teams import Team, second_seller

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
TIMEZONE = "Europe/Warsaw"
ZONE = ZoneInfo(TIMEZONE)
FIRST, LAST = date(2026, 1, 15), date(2026, 4, 10)
PEOPLE = 4  # admin, manager, user, a second salesperson
PRODUCTS = 3

FINANCE_QUERY = """
query Finance($from: Date!, $to: Date!, $groupBy: FinanceGrouping!, $processId: ID) {
  finance(from: $from, to: $to, groupBy: $groupBy, processId: $processId) {
    from to groupBy
    rows { key label forecastValue wonValue costs profit dealCount }
    totals { key label forecastValue wonValue costs profit dealCount }
  }
}
"""

# Days around the period's ends, as offsets from its first day (the last is day 85).
DAYS = [-40, -1, 0, 1, 30, 45, 84, 85, 86, 120]
# Local times of day around midnight, for closing moments.
HOURS = [0, 0.01, 12, 23.99]


@st.composite
def deal_specs(draw: st.DrawFn, step_count: int) -> dict[str, Any]:
    items = draw(
        st.lists(
            st.tuples(
                st.one_of(st.none(), st.integers(0, PRODUCTS - 1)),
                st.integers(0, 10**7),
            ),
            max_size=3,
        )
    )
    return {
        "owner": draw(st.integers(0, PEOPLE - 1)),
        "value_cents": draw(st.integers(0, 10**9)),
        "is_public": draw(st.booleans()),
        "completed": draw(st.frozensets(st.integers(0, step_count - 1), max_size=step_count)),
        "status": draw(st.sampled_from([DealStatus.OPEN, DealStatus.WON] * 2 + list(DealStatus))),
        "deleted": draw(st.integers(0, 6)) == 0,
        "expected": draw(st.one_of(st.none(), st.sampled_from(DAYS))),
        "closed_day": draw(st.sampled_from(DAYS)),
        "closed_hour": draw(st.sampled_from(HOURS)),
        "costs": draw(st.lists(st.integers(0, 10**6), max_size=2)),
        "items": items,
    }


def closing_moment(spec: dict[str, Any]) -> datetime:
    day = FIRST + timedelta(days=spec["closed_day"])
    local = datetime(day.year, day.month, day.day, tzinfo=ZONE)
    return (local + timedelta(hours=spec["closed_hour"])).astimezone(UTC)


def visible(role: Role, viewer_id: int, deal: Deal) -> bool:
    return role in (Role.ADMIN, Role.MANAGER) or deal.owner_id == viewer_id or deal.is_public


def counted(deal: Deal) -> str | None:
    """ "forecast", "won" or None, by the rules written out plainly."""
    if deal.deleted_at is not None:
        return None
    if deal.status == DealStatus.OPEN and deal.expected_close_date is not None:
        return "forecast" if FIRST <= deal.expected_close_date <= LAST else None
    if deal.status == DealStatus.WON and deal.closed_at is not None:
        local_day = deal.closed_at.astimezone(ZONE).date()
        return "won" if FIRST <= local_day <= LAST else None
    return None


def brute_force(
    deals: list[tuple[dict[str, Any], Deal]],
    role: Role,
    viewer_id: int,
    grouping: str,
    products: list[int],
) -> tuple[dict[str, dict[str, Fraction]], dict[str, Fraction]]:
    """Rows (exact figures, in cents, as fractions) and totals."""
    rows: dict[str, dict[str, Fraction]] = defaultdict(lambda: defaultdict(Fraction))
    totals: dict[str, Fraction] = defaultdict(Fraction)
    for spec, deal in deals:
        kind = counted(deal)
        if kind is None or not visible(role, viewer_id, deal):
            continue
        value = Fraction(deal.value_cents)
        figure = (
            value
            if kind == "won"
            else Fraction(progress.forecast_cents(deal.value_cents, deal.probability))
        )
        costs = Fraction(sum(spec["costs"])) if kind == "won" else Fraction(0)
        column = "won" if kind == "won" else "forecast"
        totals[column] += figure
        totals["costs"] += costs
        totals["deals"] += 1
        if grouping == "PRODUCT":
            parts = [
                ("none" if p is None else global_id("Product", products[p]), Fraction(a))
                for p, a in spec["items"]
            ] or [("none", value)]
            whole = sum(a for _, a in parts)
            for key, amount in parts:
                share = amount / whole if whole else Fraction(1, len(parts))
                rows[key][column] += figure * share
                rows[key]["costs"] += costs * share
            for key in {key for key, _ in parts}:
                rows[key]["deals"] += 1
            continue
        if grouping == "OWNER":
            key = global_id("User", deal.owner_id)
        elif grouping == "PROCESS":
            key = global_id("Process", deal.process_id)
        elif kind == "won":
            assert deal.closed_at is not None
            key = deal.closed_at.astimezone(ZONE).strftime("%Y-%m")
        else:
            assert deal.expected_close_date is not None
            key = deal.expected_close_date.strftime("%Y-%m")
        rows[key][column] += figure
        rows[key]["costs"] += costs
        rows[key]["deals"] += 1
    return rows, totals


def cents(amount: str) -> int:
    return progress.cents(Decimal(amount))


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
async def test_finance_equals_brute_force(
    team: Team,
    admin_client: GraphQLClient,
    manager_client: GraphQLClient,
    user_client: GraphQLClient,
    frozen_clock: FrozenClock,
    data: st.DataObject,
):
    frozen_clock.now = NOW
    team.workspace.timezone = TIMEZONE
    await team.workspace.save(update_fields=["timezone"])
    tree = await default_tree(team.workspace.id)
    step_ids = [step.row.id for stage in tree.stages for step in stage.steps]
    people = [team.admin.id, team.manager.id, team.user.id, (await second_seller(team)).id]
    products = [
        (
            await Product.get_or_create(
                workspace_id=team.workspace.id, name=f"P{i}", defaults={"unit_price": 1}
            )
        )[0].id
        for i in range(PRODUCTS)
    ]
    await Deal.filter(workspace_id=team.workspace.id).delete()
    specs = data.draw(st.lists(deal_specs(len(step_ids)), min_size=3, max_size=12), label="deals")
    seeds = [
        DealSeed(
            name=f"Deal #{index}",
            owner_id=people[spec["owner"]],
            value=Decimal(spec["value_cents"]) / 100,
            is_public=spec["is_public"],
            completed=frozenset(step_ids[i] for i in spec["completed"]),
            status=spec["status"],
            deleted_at=NOW if spec["deleted"] else None,
            expected_close_date=None
            if spec["expected"] is None
            else FIRST + timedelta(days=spec["expected"]),
            closed_at=closing_moment(spec) if spec["status"] != DealStatus.OPEN else None,
            costs=tuple(Decimal(c) / 100 for c in spec["costs"]),
            line_items=tuple(
                (None if p is None else products[p], Decimal(a) / 100) for p, a in spec["items"]
            ),
        )
        for index, spec in enumerate(specs)
    ]
    rows = await seed_deals(team.workspace.id, tree, seeds, NOW)
    by_name = {row.name: row for row in rows}
    deals = [(spec, by_name[seed.name]) for spec, seed in zip(specs, seeds, strict=True)]
    viewers = {
        "admin": (admin_client, Role.ADMIN, team.admin.id),
        "manager": (manager_client, Role.MANAGER, team.manager.id),
        "user": (user_client, Role.USER, team.user.id),
    }

    for (name, (client, role, viewer_id)), grouping in itertools.product(
        viewers.items(), ("MONTH", "PRODUCT", "OWNER", "PROCESS")
    ):
        answer = (
            await client.data(
                FINANCE_QUERY,
                {"from": FIRST.isoformat(), "to": LAST.isoformat(), "groupBy": grouping},
            )
        )["finance"]
        expected_rows, expected_totals = brute_force(deals, role, viewer_id, grouping, products)

        totals = answer["totals"]
        assert cents(totals["wonValue"]) == expected_totals["won"], name
        assert cents(totals["forecastValue"]) == expected_totals["forecast"], name
        assert cents(totals["costs"]) == expected_totals["costs"], name
        assert cents(totals["profit"]) == expected_totals["won"] - expected_totals["costs"]
        assert totals["dealCount"] == expected_totals["deals"], name
        for figure in ("wonValue", "forecastValue", "costs", "profit"):
            assert sum(cents(r[figure]) for r in answer["rows"]) == cents(totals[figure]), figure
        if grouping == "MONTH":
            assert [r["key"] for r in answer["rows"]] == [
                "2026-01",
                "2026-02",
                "2026-03",
                "2026-04",
            ]
            assert answer["rows"][0]["label"] == "January 2026"
        got = {r["key"]: r for r in answer["rows"] if r["dealCount"]}
        assert set(got) == set(expected_rows), (name, grouping)
        for key, row in got.items():
            exact = expected_rows[key]
            # By product, each deal split over several items is off by under a cent per part.
            slack = exact["deals"] if grouping == "PRODUCT" else 0
            assert row["dealCount"] == exact["deals"], (name, key)
            assert abs(cents(row["wonValue"]) - exact["won"]) <= slack, (name, key)
            assert abs(cents(row["forecastValue"]) - exact["forecast"]) <= slack, (name, key)
            assert abs(cents(row["costs"]) - exact["costs"]) <= slack, (name, key)


@pytest.mark.parametrize(
    ("total", "weights", "parts"),
    [
        (100, [1, 1, 1], [34, 33, 33]),
        (1, [0, 0], [1, 0]),
        (0, [5, 7], [0, 0]),
        (1000, [3, 0, 7], [300, 0, 700]),
        (10, [], []),
    ],
)
def test_a_split_adds_up_to_the_cent(total: int, weights: list[int], parts: list[int]):
    assert split(total, weights) == parts
    assert sum(split(total, weights)) == (total if weights else 0)


async def test_bad_periods_and_processes_are_refused(manager_client: GraphQLClient):
    def ask(**variables: Any) -> dict[str, Any]:
        return {"from": "2026-01-01", "to": "2026-02-01", "groupBy": "MONTH", **variables}

    backwards = await manager_client.post(FINANCE_QUERY, ask(to="2025-12-31"))
    too_long = await manager_client.post(FINANCE_QUERY, ask(**{"from": "2020-01-01"}))
    unknown = await manager_client.post(FINANCE_QUERY, ask(processId=global_id("Process", 999_999)))

    assert backwards["errors"][0]["extensions"] == {"code": "VALIDATION", "field": ["from"]}
    assert too_long["errors"][0]["extensions"] == {"code": "VALIDATION", "field": ["from"]}
    assert unknown["errors"][0]["extensions"] == {"code": "NOT_FOUND", "field": ["processId"]}


async def _seed_won_and_expected(team: Team, count: int, offset: int, products: list[int]) -> None:
    tree = await default_tree(team.workspace.id)
    rng = random.Random(count)
    await seed_deals(
        team.workspace.id,
        tree,
        [
            DealSeed(
                name=f"Deal {offset + i}",
                owner_id=rng.choice([team.user.id, team.manager.id]),
                status=DealStatus.WON if i % 2 else DealStatus.OPEN,
                is_public=rng.random() < 0.3,
                closed_at=NOW - timedelta(days=rng.randrange(0, 60)) if i % 2 else None,
                expected_close_date=FIRST + timedelta(days=rng.randrange(0, 80)),
                costs=(Decimal("10.00"),) * rng.randrange(0, 3),
                line_items=tuple(
                    (rng.choice([None, *products]), Decimal(rng.randrange(0, 10**6)) / 100)
                    for _ in range(rng.randrange(0, 3))
                ),
            )
            for i in range(count)
        ],
        NOW,
    )


async def test_finance_costs_the_same_statements_at_20_deals_as_at_600(
    team: Team, manager_client: GraphQLClient, user_client: GraphQLClient
):
    products = [
        (await Product.create(workspace_id=team.workspace.id, name=f"P{i}", unit_price=1)).id
        for i in range(3)
    ]

    async def statements() -> dict[tuple[str, str], int]:
        counts = {}
        for who, client in (("manager", manager_client), ("user", user_client)):
            for grouping in ("MONTH", "PRODUCT", "OWNER", "PROCESS"):
                with logged_queries() as log:
                    answer = await client.data(
                        FINANCE_QUERY,
                        {"from": FIRST.isoformat(), "to": LAST.isoformat(), "groupBy": grouping},
                    )
                assert answer["finance"]["totals"]["dealCount"] > 0
                counts[who, grouping] = log.count
        return counts

    await _seed_won_and_expected(team, 20, 0, products)
    small = await statements()
    await _seed_won_and_expected(team, 580, 20, products)
    large = await statements()

    assert small == large
    assert max(large.values()) <= 8, large
