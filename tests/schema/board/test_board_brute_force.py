"""The board against a brute-force computation: for random deals, visibilities, tasks and
filters, every column's count, sums and cards equal what filtering the whole list in
Python gives, for each viewer; and so do the live feed's figures of several salespeople
read together."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from models.account import Role
from models.deal import Deal, DealStatus
from resolvers import progress, task_dot
from resolvers.board.kanban import figures_by_salesperson
from resolvers.clock import now_utc
from resolvers.processes.tree import ProcessTree
from schema.ids import global_id
from testkit.board_data import DealSeed, TaskSeed, default_tree, seed_deals
from testkit.clients import GraphQLClient
from testkit.clock import FrozenClock
from testkit.documents import BOARD_QUERY
from testkit.teams import Team, second_seller

NOW = datetime(2026, 3, 10, 21, 0, tzinfo=UTC)
TIMEZONE = "Europe/Warsaw"  # 22:00 local: "today" ends two hours after NOW
WORDS = ["alpha", "Beta", "gamma", "ALPHA beta", "delta"]
VIEWERS = ("admin", "manager", "user")
# Owners and participants: the three team members and a second salesperson (index 3).
PEOPLE = 4

# Due times around the edges: now, and local midnight two hours after NOW; no due time.
DUE_HOURS = [None, -25, -1, 0.5, 1.5, 2, 2.5, 27]

tasks = st.lists(
    st.builds(
        TaskSeed,
        due_at=st.sampled_from(DUE_HOURS).map(
            lambda h: None if h is None else NOW + timedelta(hours=h)
        ),
        done=st.integers(0, 3).map(lambda n: n == 0),
    ),
    max_size=2,
).map(tuple)


@st.composite
def deal_specs(draw: st.DrawFn, step_count: int) -> dict[str, Any]:
    return {
        "owner": draw(st.integers(0, PEOPLE - 1)),
        "value_cents": draw(st.integers(0, 10**9)),
        "is_public": draw(st.booleans()),
        "participants": draw(st.frozensets(st.integers(0, PEOPLE - 1), max_size=2)),
        "completed": draw(st.frozensets(st.integers(0, step_count - 1), max_size=step_count)),
        "status": draw(st.sampled_from([DealStatus.OPEN] * 3 + list(DealStatus))),
        "deleted": draw(st.integers(0, 5)) == 0,
        "name": draw(st.sampled_from(WORDS)),
        "company": draw(st.one_of(st.none(), st.sampled_from(WORDS))),
        "contact": draw(st.one_of(st.none(), st.sampled_from(WORDS))),
        "tasks": draw(tasks),
    }


def sometimes(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """None two times out of three: filters that combine every part rarely match."""
    return st.integers(0, 2).flatmap(lambda n: strategy if n == 0 else st.none())


@st.composite
def filters(draw: st.DrawFn, step_count: int) -> dict[str, Any] | None:
    if draw(st.integers(0, 3)) == 0:
        return None
    people = st.frozensets(st.integers(0, PEOPLE - 1), max_size=2)
    return {
        "owners": draw(sometimes(people)),
        "participants": draw(sometimes(people)),
        "steps": draw(sometimes(st.frozensets(st.integers(0, step_count - 1), max_size=2))),
        "task_status": draw(
            st.frozensets(st.sampled_from(task_dot.TaskStatus), max_size=2).map(
                lambda found: found or None
            )
        ),
        "search": draw(sometimes(st.sampled_from(["alp", "BETA", "mm", "zzz", " "]))),
    }


def visible(role: Role, viewer_id: int, deal: Deal, participants: set[int]) -> bool:
    if role in (Role.ADMIN, Role.MANAGER):
        return True
    return deal.owner_id == viewer_id or deal.is_public or viewer_id in participants


def matches(
    spec: dict[str, Any],
    deal: Deal,
    people: list[int],
    step_ids: list[int],
    deal_filter: dict[str, Any] | None,
) -> bool:
    if deal_filter is None:
        return True
    if deal_filter["owners"] is not None and deal.owner_id not in {
        people[i] for i in deal_filter["owners"]
    }:
        return False
    participants = {people[i] for i in spec["participants"]} - {deal.owner_id}
    if deal_filter["participants"] is not None and not participants & {
        people[i] for i in deal_filter["participants"]
    }:
        return False
    if deal_filter["steps"] is not None and not {step_ids[i] for i in deal_filter["steps"]} <= {
        step_ids[i] for i in spec["completed"]
    }:
        return False
    if deal_filter["task_status"]:
        dot = task_dot.task_status([t.due_at for t in spec["tasks"] if not t.done], NOW, TIMEZONE)
        if dot not in deal_filter["task_status"]:
            return False
    text = (deal_filter["search"] or "").strip().lower()
    if text:
        fields = [deal.name, deal.company or "", deal.contact_person or ""]
        return any(text in f.lower() for f in fields)
    return True


def graphql_filter(
    deal_filter: dict[str, Any] | None, people: list[int], step_ids: list[int]
) -> dict[str, Any] | None:
    if deal_filter is None:
        return None

    def users(indexes: frozenset[int] | None) -> list[str] | None:
        return None if indexes is None else [global_id("User", people[i]) for i in indexes]

    return {
        "ownerIds": users(deal_filter["owners"]),
        "participantIds": users(deal_filter["participants"]),
        "completedStepIds": None
        if deal_filter["steps"] is None
        else [global_id("Step", step_ids[i]) for i in deal_filter["steps"]],
        "taskStatus": None
        if deal_filter["task_status"] is None
        else sorted(str(s) for s in deal_filter["task_status"]),
        "search": deal_filter["search"],
    }


def expected_columns(
    tree: ProcessTree,
    deals: list[tuple[dict[str, Any], Deal]],
    role: Role,
    viewer_id: int,
    people: list[int],
    step_ids: list[int],
    deal_filter: dict[str, Any] | None,
) -> list[tuple[str, int, str, str, set[str]]]:
    columns = []
    for stage in tree.stages:
        shown = [
            deal
            for spec, deal in deals
            if deal.status == DealStatus.OPEN
            and deal.deleted_at is None
            and deal.stage_id == stage.row.id
            and visible(role, viewer_id, deal, {people[i] for i in spec["participants"]})
            and matches(spec, deal, people, step_ids, deal_filter)
        ]
        columns.append(
            (
                stage.row.name,
                len(shown),
                str(sum((d.value for d in shown), Decimal("0.00")).quantize(progress.CENT)),
                str(
                    sum(
                        (progress.forecast_value(d.value, d.probability) for d in shown),
                        Decimal("0.00"),
                    )
                ),
                {global_id("Deal", d.id) for d in shown},
            )
        )
    return columns


def answered_columns(board: dict[str, Any]) -> list[tuple[str, int, str, str, set[str]]]:
    return [
        (
            c["stage"]["name"],
            c["dealCount"],
            c["totalValue"],
            c["forecastValue"],
            {e["node"]["id"] for e in c["deals"]["edges"]},
        )
        for c in board["columns"]
    ]


@settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
async def test_board_equals_brute_force(
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
    await Deal.filter(workspace_id=team.workspace.id).delete()
    specs = data.draw(st.lists(deal_specs(len(step_ids)), min_size=4, max_size=12), label="deals")
    deal_filter = data.draw(filters(len(step_ids)), label="filter")

    seeds = [
        DealSeed(
            name=f"{spec['name']} #{index}",
            owner_id=people[spec["owner"]],
            value=Decimal(spec["value_cents"]) / 100,
            is_public=spec["is_public"],
            participant_ids=tuple(
                sorted({people[i] for i in spec["participants"]} - {people[spec["owner"]]})
            ),
            completed=frozenset(step_ids[i] for i in spec["completed"]),
            status=spec["status"],
            deleted_at=NOW if spec["deleted"] else None,
            company=spec["company"],
            contact_person=spec["contact"],
            tasks=spec["tasks"],
        )
        for index, spec in enumerate(specs)
    ]
    rows = await seed_deals(team.workspace.id, tree, seeds, NOW) if seeds else []
    by_name = {row.name: row for row in rows}
    deals = [(spec, by_name[seed.name]) for spec, seed in zip(specs, seeds, strict=True)]
    clients = {"admin": admin_client, "manager": manager_client, "user": user_client}
    roles = {
        "admin": (Role.ADMIN, team.admin.id),
        "manager": (Role.MANAGER, team.manager.id),
        "user": (Role.USER, team.user.id),
    }

    for viewer in VIEWERS:
        board = (
            await clients[viewer].data(
                BOARD_QUERY,
                {
                    "processId": global_id("Process", tree.row.id),
                    "filter": graphql_filter(deal_filter, people, step_ids),
                    "first": 100,
                },
            )
        )["board"]
        role, viewer_id = roles[viewer]
        expected = expected_columns(tree, deals, role, viewer_id, people, step_ids, deal_filter)

        assert answered_columns(board) == expected, viewer
        assert board["dealCount"] == sum(c[1] for c in expected)

    # The live feed reads every watching salesperson's figures together: the same sums.
    stage_ids = [stage.row.id for stage in tree.stages]
    salespeople = [team.user.id, people[3]]
    batched = await figures_by_salesperson(
        team.workspace.id, tree.row.id, stage_ids, salespeople, now_utc()
    )
    for salesperson in salespeople:
        unfiltered = expected_columns(tree, deals, Role.USER, salesperson, people, step_ids, None)
        assert [
            (
                stage.row.name,
                batched[salesperson][stage.row.id].deal_count,
                str(progress.amount_of_cents(batched[salesperson][stage.row.id].value_cents)),
                str(progress.amount_of_cents(batched[salesperson][stage.row.id].forecast_cents)),
            )
            for stage in tree.stages
        ] == [column[:4] for column in unfiltered], salesperson
