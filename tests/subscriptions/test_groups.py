"""One group of subscribers (every manager and admin of a workspace) shares each
change's execution per document and variables: subscribers with another document or
other variables get their own answer, never a neighbour's."""

from __future__ import annotations

from typing import Any

from starlette.applications import Starlette

from models.account import Role
from testkit.clients import GraphQLClient
from testkit.deals import create_deal
from testkit.live import live_client, subscribed
from testkit.teams import Team, add_member

NAMES = """
subscription Names($processId: ID!) { boardEvents(processId: $processId) { kind deal { name } } }
"""
VALUES = """
subscription Values($processId: ID!, $full: Boolean!) {
  boardEvents(processId: $processId) { kind deal { name @include(if: $full) value } }
}
"""


async def test_each_document_and_variable_set_gets_its_own_answer(
    app: Starlette, live_url: str, team: Team, process_id: str, user_client: GraphQLClient
):
    async with (
        live_client(live_url, team.tokens["manager"]) as manager,
        live_client(live_url, team.tokens["admin"]) as admin,
    ):
        await manager.subscribe("names", NAMES, processId=process_id)
        await manager.subscribe("full", VALUES, processId=process_id, full=True)
        await admin.subscribe("bare", VALUES, processId=process_id, full=False)
        await admin.subscribe("names", NAMES, processId=process_id)
        await subscribed(app, team.workspace.id, 4)

        await create_deal(user_client, name="Solar roof", value="1200.00")

        answers = {
            ("manager", "names"): await manager.event("names"),
            ("manager", "full"): await manager.event("full"),
            ("admin", "bare"): await admin.event("bare"),
            ("admin", "names"): await admin.event("names"),
        }

    assert answers[("manager", "names")] == {"kind": "DEAL_ADDED", "deal": {"name": "Solar roof"}}
    assert answers[("admin", "names")] == answers[("manager", "names")]
    assert answers[("manager", "full")] == {
        "kind": "DEAL_ADDED",
        "deal": {"name": "Solar roof", "value": "1200.00"},
    }
    assert answers[("admin", "bare")] == {"kind": "DEAL_ADDED", "deal": {"value": "1200.00"}}


CAN_PERFORM = """
subscription Steps($processId: ID!) {
  boardEvents(processId: $processId) { kind deal { name ...Steps } }
}
fragment Steps on Deal { process { stages { steps { name canPerform } } } }
"""


async def test_a_field_that_answers_for_the_asker_is_answered_for_each_subscriber(
    app: Starlette,
    live_url: str,
    team: Team,
    admin_client: GraphQLClient,
    manager_client: GraphQLClient,
    password_hash: str,
):
    """`canPerform` says whether the asker may complete a step: for a step of admins,
    yes to an admin and no to a manager; for selected users, yes to them alone. Admins
    and managers share a group, which once answered all of them as its first
    subscriber (here an admin) would be answered."""
    other = await add_member(team, "other-manager", "Otto Manager", password_hash, Role.MANAGER)
    made = await admin_client.mutate(
        "mutation($input: ProcessInput!) { createProcess(input: $input) {"
        " process { id } errors { message } } }",
        {
            "input": {
                "name": "Signed off",
                "stages": [
                    {
                        "name": "Review",
                        "steps": [
                            {"name": "Approve", "weight": 10, "whoCanPerform": "ADMINS"},
                            {
                                "name": "Sign",
                                "weight": 10,
                                "whoCanPerform": "SELECTED_USERS",
                                "performerIds": [other.id],
                            },
                        ],
                    }
                ],
            }
        },
    )
    assert made["errors"] == [], made
    process_id = made["process"]["id"]

    async with (
        live_client(live_url, team.tokens["admin"]) as admin,
        live_client(live_url, team.tokens["manager"]) as manager,
        live_client(live_url, other.token) as otto,
    ):
        await admin.subscribe("steps", CAN_PERFORM, processId=process_id)
        await subscribed(app, team.workspace.id, 1)
        await manager.subscribe("steps", CAN_PERFORM, processId=process_id)
        await otto.subscribe("steps", CAN_PERFORM, processId=process_id)
        await admin.subscribe("names", NAMES, processId=process_id)
        await manager.subscribe("names", NAMES, processId=process_id)
        await subscribed(app, team.workspace.id, 5)
        audiences = len(app.state.live.hub.feeds[team.workspace.id].subscribers.audiences())
        await create_deal(manager_client, name="Roof", processId=process_id)
        answers = {
            who: await live.event("steps")
            for who, live in (("admin", admin), ("manager", manager), ("otto", otto))
        }
        names = [await live.event("names") for live in (admin, manager)]

    def may(answer: dict[str, Any]) -> dict[str, bool]:
        (stage,) = answer["deal"]["process"]["stages"]
        return {step["name"]: step["canPerform"] for step in stage["steps"]}

    over_http = {
        who: may(
            {
                "deal": (
                    await client.data(
                        "query($p: ID!) { board(processId: $p) {"
                        " process { stages { steps { name canPerform } } } } }",
                        {"p": process_id},
                    )
                )["board"]
            }
        )
        for who, client in (
            ("admin", admin_client),
            ("manager", manager_client),
            ("otto", other.client(admin_client.http)),
        )
    }
    assert may(answers["admin"]) == over_http["admin"] == {"Approve": True, "Sign": False}
    assert may(answers["manager"]) == over_http["manager"] == {"Approve": False, "Sign": False}
    assert may(answers["otto"]) == over_http["otto"] == {"Approve": False, "Sign": True}
    assert names == [{"kind": "DEAL_ADDED", "deal": {"name": "Roof"}}] * 2
    assert audiences == 4, "the names still shared by admin and manager; the steps each alone"
