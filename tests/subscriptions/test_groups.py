"""One group of subscribers (every manager and admin of a workspace) shares each
change's execution per document and variables: subscribers with another document or
other variables get their own answer, never a neighbour's."""

from __future__ import annotations

from starlette.applications import Starlette

from testkit.clients import GraphQLClient
from testkit.deals import create_deal
from testkit.live import live_client, subscribed
from testkit.teams import Team

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
