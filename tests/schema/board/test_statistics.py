"""Pipeline statistics over HTTP: a hand-built history with known answers, what each
viewer may count, the period, and a constant number of SQL statements."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from models.account import User
from models.deal import Deal, DealStatus
from resolvers.processes.tree import load_process_trees
from schema.ids import global_id, parse_global_id
from testkit.clients import GraphQLClient
from testkit.clock import FrozenClock
from testkit.deals import create_deal, steps_by_name
from testkit.documents import (
    CANCEL_DEAL_MUTATION,
    COMPLETE_STEP_MUTATION,
    CREATE_PROCESS_MUTATION,
    DELETE_DEAL_MUTATION,
    DELETE_PROCESS_MUTATION,
    LOSE_DEAL_MUTATION,
    WIN_DEAL_MUTATION,
)
from testkit.queries import logged_queries
from testkit.teams import Team

TOTALS_FIELDS = """
  openCount openValue forecastValue wonCount wonValue lostCount lostValue
  cancelledCount cancelledValue
"""

OWNER_FIELDS = "owner { id name } openCount openValue wonCount wonValue lostCount"

PIPELINE_STATS_QUERY = f"""
query PipelineStats($processId: ID, $from: Date, $to: Date) {{
  pipelineStats(processId: $processId, from: $from, to: $to) {{
    from to
    totals {{ {TOTALS_FIELDS} }}
    byOwner {{ {OWNER_FIELDS} }}
    processes {{
      process {{ id name }}
      totals {{ {TOTALS_FIELDS} }}
      stages {{
        stage {{ id name }} openCount openValue forecastValue lostCount reachedShare
      }}
      byOwner {{ {OWNER_FIELDS} }}
    }}
  }}
}}
"""

PERIOD_START = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
BEFORE_PERIOD = datetime(2026, 1, 15, 9, 0, tzinfo=UTC)
MARCH = {"from": "2026-03-01", "to": "2026-03-10"}


def pk(value: str) -> int:
    parsed = parse_global_id(value)
    assert parsed is not None
    return parsed[1]


def zero_totals() -> dict[str, Any]:
    return {
        "openCount": 0,
        "openValue": "0.00",
        "forecastValue": "0.00",
        "wonCount": 0,
        "wonValue": "0.00",
        "lostCount": 0,
        "lostValue": "0.00",
        "cancelledCount": 0,
        "cancelledValue": "0.00",
    }


def owner_row(user: User, **figures: Any) -> dict[str, Any]:
    row = {
        "owner": {"id": global_id("User", user.id), "name": user.name},
        "openCount": 0,
        "openValue": "0.00",
        "wonCount": 0,
        "wonValue": "0.00",
        "lostCount": 0,
    }
    return {**row, **figures}


async def stats(client: GraphQLClient, **variables: Any) -> dict[str, Any]:
    result: dict[str, Any] = (await client.data(PIPELINE_STATS_QUERY, variables))["pipelineStats"]
    return result


async def stats_error(client: GraphQLClient, **variables: Any) -> dict[str, Any]:
    body = await client.post(PIPELINE_STATS_QUERY, variables)
    assert body["data"] is None
    (error,) = body["errors"]
    result: dict[str, Any] = error
    return result


async def complete(client: GraphQLClient, deal: dict[str, Any], step: str, note: str | None = None):
    payload = await client.mutate(
        COMPLETE_STEP_MUTATION, {"input": {"dealId": deal["id"], "stepId": step, "note": note}}
    )
    assert payload["errors"] == [], payload["errors"]


async def close(client: GraphQLClient, mutation: str, deal: dict[str, Any]) -> None:
    variables = (
        {"id": deal["id"]}
        if mutation == WIN_DEAL_MUTATION
        else {"input": {"dealId": deal["id"], "reason": "Budget went elsewhere"}}
    )
    payload = await client.mutate(mutation, variables)
    assert payload["errors"] == [], payload["errors"]


async def dated(deals: list[dict[str, Any]], **moments: datetime) -> None:
    """Move the stored `created_at` / `closed_at` of deals (the API stamps "now")."""
    await Deal.filter(id__in=[pk(d["id"]) for d in deals]).update(**moments)


async def second_process(admin_client: GraphQLClient, name: str = "Offer inquiry") -> str:
    stages = [
        {"name": "Ask", "steps": [{"name": "Call back", "weight": 50}]},
        {"name": "Quote", "steps": [{"name": "Send quote", "weight": 50}]},
    ]
    payload = await admin_client.mutate(
        CREATE_PROCESS_MUTATION, {"input": {"name": name, "stages": stages}}
    )
    assert payload["errors"] == [], payload["errors"]
    process_id: str = payload["process"]["id"]
    return process_id


async def build_history(
    admin_client: GraphQLClient, manager_client: GraphQLClient, user_client: GraphQLClient
) -> str:
    """Sales process, created in March: A, B open (Sam), C open (Maria), D won (Maria),
    E lost at Needs analysis (Sam), F cancelled (Sam); G lost and H won in January;
    I in the trash; J open in a second process (admin). Returns the second process's id."""
    steps = await steps_by_name(user_client)
    a = await create_deal(user_client, name="A", value="1000.10")
    await complete(user_client, a, steps["Identify the decision maker"])  # 5%
    b = await create_deal(user_client, name="B", value="2000.00")
    await complete(user_client, b, steps["Discovery meeting"])  # 10%, Needs analysis
    c = await create_deal(manager_client, name="C", value="3000.00")
    await complete(manager_client, c, steps["Send proposal"], note="Sent")  # 20%, Proposal
    d = await create_deal(manager_client, name="D", value="4000.00", isPublic=True)
    await complete(manager_client, d, steps["Send proposal"], note="Sent")
    await complete(manager_client, d, steps["Contract signed"])
    await close(manager_client, WIN_DEAL_MUTATION, d)
    e = await create_deal(user_client, name="E", value="500.00")
    await complete(user_client, e, steps["Discovery meeting"])
    await close(user_client, LOSE_DEAL_MUTATION, e)
    f = await create_deal(user_client, name="F", value="700.00")
    await close(user_client, CANCEL_DEAL_MUTATION, f)
    g = await create_deal(user_client, name="G", value="800.00")
    await close(user_client, LOSE_DEAL_MUTATION, g)
    h = await create_deal(manager_client, name="H", value="900.00")
    await complete(manager_client, h, steps["Send proposal"], note="Sent")
    await complete(manager_client, h, steps["Contract signed"])
    await close(manager_client, WIN_DEAL_MUTATION, h)
    trashed = await create_deal(user_client, name="I", value="9999.00")
    await user_client.mutate(DELETE_DEAL_MUTATION, {"id": trashed["id"]})
    offer = await second_process(admin_client)
    j = await create_deal(admin_client, name="J", value="100.00", processId=offer)
    await dated([a, b, c, d, e, f, trashed, j], created_at=PERIOD_START)
    await dated([g, h], created_at=BEFORE_PERIOD, closed_at=BEFORE_PERIOD)
    return offer


async def test_hand_built_history_gives_known_figures(
    team: Team, frozen_clock: FrozenClock, admin_client, manager_client, user_client
):
    offer = await build_history(admin_client, manager_client, user_client)

    result = await stats(admin_client, **MARCH)

    sales, inquiry = result["processes"]
    assert sales["process"]["name"] == "Sales process" and inquiry["process"]["id"] == offer
    assert sales["totals"] == {
        "openCount": 3,
        "openValue": "6000.10",
        "forecastValue": "850.01",  # 50.01 (1000.10 x 5%, halves up) + 200.00 + 600.00
        "wonCount": 1,
        "wonValue": "4000.00",
        "lostCount": 1,
        "lostValue": "500.00",
        "cancelledCount": 1,
        "cancelledValue": "700.00",
    }
    assert [
        (s["stage"]["name"], s["openCount"], s["openValue"], s["forecastValue"], s["lostCount"])
        for s in sales["stages"]
    ] == [
        ("Qualify", 1, "1000.10", "50.01", 0),
        ("Needs analysis", 1, "2000.00", "200.00", 1),
        ("Proposal", 1, "3000.00", "600.00", 0),
        ("Negotiation", 0, "0.00", "0.00", 0),
        ("Closing", 0, "0.00", "0.00", 0),
    ]
    # Entered in March: A (Qualify), F (cancelled in Qualify), B and E (Needs analysis),
    # C (Proposal), D (won: every stage).
    assert [s["reachedShare"] for s in sales["stages"]] == [1.0, 0.6667, 0.3333, 0.1667, 0.1667]
    assert sales["byOwner"] == [
        owner_row(team.manager, openCount=1, openValue="3000.00", wonCount=1, wonValue="4000.00"),
        owner_row(team.user, openCount=2, openValue="3000.10", lostCount=1),
    ]
    assert inquiry["totals"] == {**zero_totals(), "openCount": 1, "openValue": "100.00"}
    assert [(s["stage"]["name"], s["openCount"], s["reachedShare"]) for s in inquiry["stages"]] == [
        ("Ask", 1, 1.0),
        ("Quote", 0, 0.0),
    ]
    assert inquiry["byOwner"] == [owner_row(team.admin, openCount=1, openValue="100.00")]
    assert result["totals"] == {
        **sales["totals"],
        "openCount": 4,
        "openValue": "6100.10",
    }
    assert [row["owner"]["name"] for row in result["byOwner"]] == [
        "Administrator",
        "Maria Manager",
        "Sam Seller",
    ]


async def test_one_process_totals_are_its_own(
    team: Team, frozen_clock: FrozenClock, admin_client, manager_client, user_client
):
    offer = await build_history(admin_client, manager_client, user_client)

    result = await stats(manager_client, processId=offer, **MARCH)

    (only,) = result["processes"]
    assert only["process"]["id"] == offer
    assert result["totals"] == only["totals"]
    assert result["totals"] == {**zero_totals(), "openCount": 1, "openValue": "100.00"}
    assert result["byOwner"] == only["byOwner"]


async def test_closed_before_the_period_counts_only_in_a_period_that_holds_it(
    team: Team, frozen_clock: FrozenClock, admin_client, manager_client, user_client
):
    await build_history(admin_client, manager_client, user_client)

    january = await stats(admin_client, **{"from": "2026-01-01", "to": "2026-01-31"})

    sales = january["processes"][0]
    assert (sales["totals"]["wonCount"], sales["totals"]["wonValue"]) == (1, "900.00")
    assert (sales["totals"]["lostCount"], sales["totals"]["lostValue"]) == (1, "800.00")
    assert sales["totals"]["openCount"] == 3  # open figures are now, whatever the period
    assert [s["lostCount"] for s in sales["stages"]] == [1, 0, 0, 0, 0]  # G lost in Qualify
    # Entered in January: G (lost in Qualify) and H (won).
    assert [s["reachedShare"] for s in sales["stages"]] == [1.0, 0.5, 0.5, 0.5, 0.5]


async def test_a_salesperson_counts_only_the_deals_they_may_see(
    team: Team, frozen_clock: FrozenClock, manager_client, user_client
):
    hidden = await create_deal(manager_client, name="Private", value="3000.00")
    public = await create_deal(manager_client, name="Public", value="400.00", isPublic=True)
    shared = await create_deal(
        manager_client,
        name="Shared",
        value="50.00",
        participantIds=[global_id("User", team.user.id)],
    )
    own = await create_deal(user_client, name="Own", value="1000.00")
    lost_hidden = await create_deal(manager_client, name="Lost", value="77.00")
    await close(manager_client, LOSE_DEAL_MUTATION, lost_hidden)
    await dated([hidden, public, shared, own, lost_hidden], created_at=PERIOD_START)

    seen_by_user = await stats(user_client, **MARCH)
    seen_by_manager = await stats(manager_client, **MARCH)

    assert seen_by_user["totals"] == {**zero_totals(), "openCount": 3, "openValue": "1450.00"}
    (sales,) = seen_by_user["processes"]
    assert sales["stages"][0]["openCount"] == 3 and sales["stages"][0]["openValue"] == "1450.00"
    assert [s["lostCount"] for s in sales["stages"]] == [0, 0, 0, 0, 0]
    assert sales["byOwner"] == [
        owner_row(team.manager, openCount=2, openValue="450.00"),
        owner_row(team.user, openCount=1, openValue="1000.00"),
    ]
    assert seen_by_manager["totals"] == {
        **zero_totals(),
        "openCount": 4,
        "openValue": "4450.00",
        "lostCount": 1,
        "lostValue": "77.00",
    }
    assert seen_by_manager["processes"][0]["stages"][0]["lostCount"] == 1


async def test_a_hidden_deal_counts_in_no_entered_share(
    team: Team, frozen_clock: FrozenClock, manager_client, user_client
):
    steps = await steps_by_name(user_client)
    hidden = await create_deal(manager_client, name="Private", value="10.00")
    await complete(manager_client, hidden, steps["Send proposal"], note="Sent")
    own = await create_deal(user_client, name="Own", value="10.00")
    await dated([hidden, own], created_at=PERIOD_START)

    seen_by_user = (await stats(user_client, **MARCH))["processes"][0]
    seen_by_manager = (await stats(manager_client, **MARCH))["processes"][0]

    assert [s["reachedShare"] for s in seen_by_user["stages"]] == [1.0, 0.0, 0.0, 0.0, 0.0]
    assert [s["reachedShare"] for s in seen_by_manager["stages"]] == [1.0, 0.5, 0.5, 0.0, 0.0]


async def test_another_workspace_sees_nothing_of_ours(
    team: Team,
    frozen_clock: FrozenClock,
    admin_client,
    manager_client,
    user_client,
    outsider_client,
):
    offer = await build_history(admin_client, manager_client, user_client)

    theirs = await stats(outsider_client, **MARCH)
    error = await stats_error(outsider_client, processId=offer)

    assert theirs["totals"] == zero_totals() and theirs["byOwner"] == []
    assert [p["process"]["name"] for p in theirs["processes"]] == ["Sales process"]
    assert theirs["processes"][0]["totals"] == zero_totals()
    assert error["message"] == "Process not found."
    assert error["extensions"]["code"] == "NOT_FOUND"


async def test_unknown_and_deleted_processes_read_not_found(team: Team, admin_client):
    deleted = await second_process(admin_client, "Short-lived")
    payload = await admin_client.mutate(DELETE_PROCESS_MUTATION, {"id": deleted})
    assert payload["errors"] == []

    errors = [
        await stats_error(admin_client, processId=process_id)
        for process_id in (
            deleted,
            global_id("Process", 999_999),
            "not-an-id",
            global_id("Deal", 1),
        )
    ]

    assert {(e["message"], e["extensions"]["code"]) for e in errors} == {
        ("Process not found.", "NOT_FOUND")
    }
    assert all(e["path"] == ["pipelineStats"] for e in errors)


async def test_period_defaults_to_the_last_30_days_in_the_workspace_time_zone(
    team: Team, frozen_clock: FrozenClock, admin_client, user_client
):
    team.workspace.timezone = "Europe/Warsaw"
    await team.workspace.save()
    frozen_clock.now = datetime(2026, 3, 9, 23, 30, tzinfo=UTC)  # 10 March, 00:30 in Warsaw
    deal = await create_deal(user_client, name="Late", value="250.00")
    await close(user_client, LOSE_DEAL_MUTATION, deal)

    default = await stats(admin_client)
    warsaw_tenth = await stats(admin_client, **{"from": "2026-03-10", "to": "2026-03-10"})
    warsaw_ninth = await stats(admin_client, **{"from": "2026-03-09", "to": "2026-03-09"})

    assert (default["from"], default["to"]) == ("2026-02-09", "2026-03-10")
    assert default["totals"]["lostCount"] == 1
    assert warsaw_tenth["totals"]["lostValue"] == "250.00"
    assert warsaw_ninth["totals"]["lostCount"] == 0


async def test_from_alone_runs_to_today_and_to_alone_starts_29_days_earlier(
    team: Team, frozen_clock: FrozenClock, admin_client
):
    from_only = await stats(admin_client, **{"from": "2026-01-01"})
    to_only = await stats(admin_client, to="2025-12-31")

    assert (from_only["from"], from_only["to"]) == ("2026-01-01", "2026-03-10")
    assert (to_only["from"], to_only["to"]) == ("2025-12-02", "2025-12-31")


async def test_period_is_validated(team: Team, frozen_clock: FrozenClock, admin_client):
    reversed_period = await stats_error(admin_client, **{"from": "2026-03-02", "to": "2026-03-01"})
    too_long = await stats_error(admin_client, **{"from": "2023-03-09", "to": "2026-03-10"})
    defaulted_to = await stats_error(admin_client, **{"from": "2026-03-11"})
    out_of_range = await stats_error(admin_client, to="0001-01-01")

    three_years = await stats(admin_client, **{"from": "2023-03-10", "to": "2026-03-10"})

    for error in (reversed_period, too_long, defaulted_to):
        assert error["extensions"] == {"code": "VALIDATION", "field": ["from"]}
    assert out_of_range["extensions"] == {"code": "VALIDATION", "field": ["to"]}
    assert reversed_period["message"] == "`from` must not be after `to`."
    assert too_long["message"] == "The period may span at most 3 years."
    assert three_years["from"] == "2023-03-10"


async def test_anonymous_callers_are_refused(anonymous_client):
    error = await stats_error(anonymous_client)

    assert error["extensions"]["code"] == "UNAUTHENTICATED"


async def _more_users(team: Team, password_hash: str, count: int) -> list[User]:
    return [
        await User.create(
            workspace=team.workspace,
            email=f"seller-{i}-{team.workspace.id}@example.com",
            name=f"Seller {i:02d}",
            password_hash=password_hash,
        )
        for i in range(count)
    ]


async def _bulk_deals(team: Team, owners: list[User], count: int) -> None:
    """Deals spread over every process, stage, owner and status, written directly."""
    trees = await load_process_trees(team.workspace.id)
    statuses = list(DealStatus)
    rows = []
    for i in range(count):
        tree = trees[i % len(trees)]
        stage = tree.stages[i % len(tree.stages)]
        status = statuses[i % len(statuses)]
        rows.append(
            Deal(
                workspace_id=team.workspace.id,
                process_id=tree.row.id,
                owner_id=owners[i % len(owners)].id,
                name=f"Bulk {i}",
                value=Decimal(i),
                value_cents=i * 100,
                forecast_cents=i * 10,
                status=status,
                stage_id=stage.row.id,
                lost_at_stage_id=stage.row.id if status == DealStatus.LOST else None,
                closed_at=None if status == DealStatus.OPEN else PERIOD_START,
                is_public=i % 2 == 0,
            )
        )
    await Deal.bulk_create(rows)


async def test_statement_count_does_not_grow_with_deals_stages_and_owners(
    team: Team, frozen_clock: FrozenClock, password_hash: str, admin_client, user_client
):
    await second_process(admin_client)
    await _bulk_deals(team, [team.user], 3)
    with logged_queries() as few:
        small = await stats(admin_client, **MARCH)
    with logged_queries() as few_as_user:
        await stats(user_client, **MARCH)
    await _bulk_deals(
        team, [team.admin, team.manager, *await _more_users(team, password_hash, 5)], 57
    )

    with logged_queries() as many:
        large = await stats(admin_client, **MARCH)
    with logged_queries() as many_as_user:
        await stats(user_client, **MARCH)

    assert small["totals"]["openCount"] < large["totals"]["openCount"]
    assert len(large["byOwner"]) == 8
    assert many.count == few.count, many.statements
    assert many_as_user.count == few_as_user.count, many_as_user.statements
    assert few.count <= 12, few.statements
