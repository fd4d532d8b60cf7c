"""The board over HTTP: columns, sums, cards, paging, filters and who sees what."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from models.deal import Deal
from resolvers.clock import now_utc
from testkit.clients import GraphQLClient
from testkit.deals import create_deal, steps_by_name
from testkit.documents import (
    ADD_PARTICIPANT_MUTATION,
    BOARD_COLUMN_QUERY,
    BOARD_QUERY,
    COMPLETE_STEP_MUTATION,
    CREATE_TASK_MUTATION,
    DELETE_DEAL_MUTATION,
    LOSE_DEAL_MUTATION,
    PROCESSES_QUERY,
)
from testkit.teams import Team


async def default_process_id(client: GraphQLClient) -> str:
    processes = (await client.data(PROCESSES_QUERY))["processes"]
    return str(next(p["id"] for p in processes if p["isDefault"]))


async def board_of(client: GraphQLClient, process_id: str, **variables: Any) -> dict[str, Any]:
    data = await client.data(BOARD_QUERY, {"processId": process_id, **variables})
    board: dict[str, Any] = data["board"]
    return board


def column(board: dict[str, Any], stage: str) -> dict[str, Any]:
    (found,) = [c for c in board["columns"] if c["stage"]["name"] == stage]
    return found


def card_names(col: dict[str, Any]) -> list[str]:
    return [edge["node"]["name"] for edge in col["deals"]["edges"]]


async def complete(client: GraphQLClient, deal_id: str, step_id: str, note: str | None = None):
    payload = await client.mutate(
        COMPLETE_STEP_MUTATION, {"input": {"dealId": deal_id, "stepId": step_id, "note": note}}
    )
    assert payload["errors"] == [], payload["errors"]


async def test_columns_count_and_sum_the_open_deals_by_stage(team: Team, manager_client):
    steps = await steps_by_name(manager_client)
    process_id = await default_process_id(manager_client)
    first = await create_deal(manager_client, name="First", value="1000.00")
    second = await create_deal(manager_client, name="Second", value="250.50")
    moved = await create_deal(manager_client, name="Moved", value="333.33")
    await complete(manager_client, moved["id"], steps["Discovery meeting"])
    await complete(manager_client, moved["id"], steps["Identify the decision maker"])

    board = await board_of(manager_client, process_id)

    assert [c["stage"]["name"] for c in board["columns"]] == [
        "Qualify",
        "Needs analysis",
        "Proposal",
        "Negotiation",
        "Closing",
    ]
    qualify, needs = column(board, "Qualify"), column(board, "Needs analysis")
    assert (qualify["dealCount"], qualify["totalValue"], qualify["forecastValue"]) == (
        2,
        "1250.50",
        "0.00",
    )
    # 15% of 333.33 = 49.9995, a card shows 50.00 and the column adds what cards show.
    assert (needs["dealCount"], needs["totalValue"], needs["forecastValue"]) == (
        1,
        "333.33",
        "50.00",
    )
    assert card_names(qualify) == ["Second", "First"], "most recently updated first"
    assert [e["node"]["forecastValue"] for e in needs["deals"]["edges"]] == ["50.00"]
    assert (board["dealCount"], board["totalValue"], board["forecastValue"]) == (
        3,
        "1583.83",
        "50.00",
    )
    assert {first["id"], second["id"]} == {e["node"]["id"] for e in qualify["deals"]["edges"]}


async def test_closed_and_trashed_deals_are_not_on_the_board(team: Team, manager_client):
    process_id = await default_process_id(manager_client)
    await create_deal(manager_client, name="Open", value="10.00")
    lost = await create_deal(manager_client, name="Lost", value="20.00")
    trashed = await create_deal(manager_client, name="Trashed", value="40.00")
    await manager_client.mutate(
        LOSE_DEAL_MUTATION, {"input": {"dealId": lost["id"], "reason": "Price"}}
    )
    await manager_client.mutate(DELETE_DEAL_MUTATION, {"id": trashed["id"]})

    board = await board_of(manager_client, process_id)

    assert (board["dealCount"], board["totalValue"]) == (1, "10.00")
    assert card_names(column(board, "Qualify")) == ["Open"]


async def test_a_salesperson_sees_own_shared_and_public_deals_only(
    team: Team, user_client, manager_client
):
    process_id = await default_process_id(user_client)
    await create_deal(user_client, name="Mine", value="1.00")
    await create_deal(manager_client, name="Public", value="10.00", isPublic=True)
    shared = await create_deal(manager_client, name="Shared", value="100.00")
    await create_deal(manager_client, name="Secret", value="1000.00")
    await manager_client.mutate(
        ADD_PARTICIPANT_MUTATION,
        {"input": {"dealId": shared["id"], "userId": (await user_id(user_client))}},
    )

    seller = await board_of(user_client, process_id)
    manager = await board_of(manager_client, process_id)

    assert sorted(card_names(column(seller, "Qualify"))) == ["Mine", "Public", "Shared"]
    assert (seller["dealCount"], seller["totalValue"]) == (3, "111.00")
    assert (manager["dealCount"], manager["totalValue"]) == (4, "1111.00")


async def user_id(client: GraphQLClient) -> str:
    return str((await client.data("{ me { id } }"))["me"]["id"])


async def test_cards_page_with_stable_cursors(team: Team, manager_client):
    process_id = await default_process_id(manager_client)
    for index in range(5):
        await create_deal(manager_client, name=f"Deal {index}")

    first = await manager_client.data(BOARD_COLUMN_QUERY, {"processId": process_id, "first": 2})
    page = first["board"]["columns"][0]["deals"]
    await create_deal(manager_client, name="Newer")  # lands before the cursor, not after it
    second = await manager_client.data(
        BOARD_COLUMN_QUERY,
        {"processId": process_id, "first": 2, "after": page["pageInfo"]["endCursor"]},
    )
    rest = second["board"]["columns"][0]["deals"]

    assert [e["node"]["name"] for e in page["edges"]] == ["Deal 4", "Deal 3"]
    assert page["pageInfo"]["hasNextPage"] is True and page["totalCount"] == 5
    assert [e["node"]["name"] for e in rest["edges"]] == ["Deal 2", "Deal 1"]
    assert rest["totalCount"] == 6


async def test_cards_default_to_twenty_and_cap_at_a_hundred(team: Team, manager_client):
    process_id = await default_process_id(manager_client)
    deal = await create_deal(manager_client, name="Template")
    row = await Deal.get(id=int_pk(deal["id"]))
    await Deal.bulk_create(
        [
            Deal(
                workspace_id=row.workspace_id,
                process_id=row.process_id,
                owner_id=row.owner_id,
                stage_id=row.stage_id,
                name=f"Bulk {i}",
            )
            for i in range(24)
        ]
    )

    board = await board_of(manager_client, process_id)
    too_many = await manager_client.post(BOARD_QUERY, {"processId": process_id, "first": 101})

    qualify = column(board, "Qualify")
    assert len(qualify["deals"]["edges"]) == 20 and qualify["deals"]["totalCount"] == 25
    assert too_many["errors"][0]["extensions"]["code"] == "VALIDATION"


def int_pk(global_id: str) -> int:
    from schema.ids import parse_global_id

    parsed = parse_global_id(global_id)
    assert parsed is not None
    return parsed[1]


@pytest.mark.parametrize("after", ["nonsense", "WyIyMDI2LTAxLTAxIiwgMV0=", "W251bGwsIDFd"])
async def test_a_bad_cursor_is_a_validation_error(team: Team, manager_client, after: str):
    process_id = await default_process_id(manager_client)
    await create_deal(manager_client, name="One")

    body = await manager_client.post(
        BOARD_QUERY, {"processId": process_id, "first": 2, "after": after}
    )

    assert body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == "VALIDATION"


async def test_an_unknown_or_foreign_process_reads_as_not_found(
    team: Team, manager_client, outsider_client
):
    process_id = await default_process_id(manager_client)

    foreign = await outsider_client.post(BOARD_QUERY, {"processId": process_id})
    unknown = await manager_client.post(BOARD_QUERY, {"processId": "UHJvY2Vzczo5OTk5OTk="})

    assert foreign["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    assert foreign["errors"][0]["message"] == unknown["errors"][0]["message"]
    assert foreign["data"] is None


async def test_filters(team: Team, manager_client, user_client):
    steps = await steps_by_name(manager_client)
    process_id = await default_process_id(manager_client)
    seller = await user_id(user_client)
    own = await create_deal(user_client, name="Windmill", company="Aeolus", value="5.00")
    other = await create_deal(manager_client, name="Boiler", contactPerson="Ann Windsor")
    plain = await create_deal(manager_client, name="Roof")
    await manager_client.mutate(
        ADD_PARTICIPANT_MUTATION, {"input": {"dealId": plain["id"], "userId": seller}}
    )
    await complete(manager_client, other["id"], steps["Identify the decision maker"])
    await complete(manager_client, other["id"], steps["Confirm budget"])
    await complete(manager_client, plain["id"], steps["Confirm budget"])
    overdue = (now_utc() - timedelta(hours=1)).isoformat()
    task = await manager_client.mutate(
        CREATE_TASK_MUTATION, {"input": {"title": "Call", "dealId": own["id"], "dueAt": overdue}}
    )
    assert task["errors"] == []

    async def names(**deal_filter: Any) -> list[str]:
        board = await board_of(manager_client, process_id, filter=deal_filter)
        return sorted(name for col in board["columns"] for name in card_names(col))

    assert await names(ownerIds=[seller]) == ["Windmill"]
    assert await names(participantIds=[seller]) == ["Roof"]
    assert await names(
        completedStepIds=[steps["Identify the decision maker"], steps["Confirm budget"]]
    ) == ["Boiler"]
    assert await names(completedStepIds=[steps["Confirm budget"]]) == ["Boiler", "Roof"]
    assert await names(taskStatus=["OVERDUE"]) == ["Windmill"]
    assert await names(taskStatus=["NONE"]) == ["Boiler", "Roof"]
    assert await names(search="wind") == ["Boiler", "Windmill"]
    assert await names(search="aeolus", ownerIds=[seller]) == ["Windmill"]
    board = await board_of(manager_client, process_id, filter={"taskStatus": ["OVERDUE"]})
    assert (board["dealCount"], board["totalValue"]) == (1, "5.00")
    card = column(board, "Qualify")["deals"]["edges"][0]["node"]
    assert card["taskStatus"] == "OVERDUE" and card["owner"]["id"] == seller


@pytest.mark.parametrize(
    ("timezone", "now", "due_local", "expected"),
    [
        # Tokyo (UTC+9): 23:30 local today is TODAY, 00:30 tomorrow is LATER.
        ("Asia/Tokyo", "2026-03-10T05:00:00+00:00", "2026-03-10T23:30:00+09:00", "TODAY"),
        ("Asia/Tokyo", "2026-03-10T05:00:00+00:00", "2026-03-11T00:30:00+09:00", "LATER"),
        # Los Angeles (UTC-7 in summer): the UTC date is already tomorrow, the local one not.
        ("America/Los_Angeles", "2026-07-10T03:00:00+00:00", "2026-07-09T23:30:00-07:00", "TODAY"),
        ("America/Los_Angeles", "2026-07-10T03:00:00+00:00", "2026-07-10T00:30:00-07:00", "LATER"),
        (
            "America/Los_Angeles",
            "2026-07-10T03:00:00+00:00",
            "2026-07-09T19:59:00-07:00",
            "OVERDUE",
        ),
    ],
)
async def test_task_status_filter_and_dot_follow_the_workspace_day(
    team: Team,
    manager_client,
    frozen_clock,
    timezone: str,
    now: str,
    due_local: str,
    expected: str,
):
    from datetime import datetime

    team.workspace.timezone = timezone
    await team.workspace.save(update_fields=["timezone"])
    frozen_clock.now = datetime.fromisoformat(now)
    process_id = await default_process_id(manager_client)
    deal = await create_deal(manager_client, name="Edge")
    await create_deal(manager_client, name="No task")
    created = await manager_client.mutate(
        CREATE_TASK_MUTATION, {"input": {"title": "Call", "dealId": deal["id"], "dueAt": due_local}}
    )
    assert created["errors"] == []

    shown = {
        status: card_names(
            column(
                await board_of(manager_client, process_id, filter={"taskStatus": [status]}),
                "Qualify",
            )
        )
        for status in ("NONE", "LATER", "TODAY", "OVERDUE")
    }
    card = column(await board_of(manager_client, process_id), "Qualify")["deals"]["edges"]

    assert {status: names for status, names in shown.items() if names} == {
        expected: ["Edge"],
        "NONE": ["No task"],
    }
    assert {e["node"]["name"]: e["node"]["taskStatus"] for e in card} == {
        "Edge": expected,
        "No task": "NONE",
    }
