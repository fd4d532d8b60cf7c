"""What lets a client cache normalise the board with no configuration: stable ids for
the board (its process and filter) and its columns, the same in live events, and one
column paged alone."""

from __future__ import annotations

from testkit.clients import GraphQLClient
from testkit.deals import create_deal
from testkit.live import live_client, subscribed
from testkit.teams import Team

IDS = """
query Ids($processId: ID!, $filter: BoardFilter) {
  board(processId: $processId, filter: $filter) { id columns { id stage { id } } }
}
"""
ONE_COLUMN = """
query One($processId: ID!, $stageId: ID!, $after: String) {
  board(processId: $processId) {
    column(stageId: $stageId) {
      id dealCount
      deals(first: 1, after: $after) {
        pageInfo { hasNextPage endCursor hasPreviousPage startCursor }
        edges { cursor node { name } }
      }
    }
  }
}
"""
LIVE_COLUMNS = """
subscription Live($processId: ID!) { boardEvents(processId: $processId) { columns { id } } }
"""


async def ids(client: GraphQLClient, process_id: str, filter: object = None) -> dict:
    return (await client.data(IDS, {"processId": process_id, "filter": filter}))["board"]


async def test_board_and_column_ids_follow_the_process_and_the_filter(
    manager_client: GraphQLClient, user_client: GraphQLClient, team: Team, process_id: str
):
    plain = await ids(manager_client, process_id)
    again = await ids(user_client, process_id)
    searched = await ids(manager_client, process_id, {"search": "fleet"})
    same_search = await ids(manager_client, process_id, {"search": "fleet", "ownerIds": None})

    assert plain["id"] == again["id"]
    assert searched["id"] == same_search["id"] != plain["id"]
    columns = [c["id"] for c in plain["columns"]]
    assert len(set(columns)) == len(columns)
    assert all(c.startswith(plain["id"] + ".") for c in columns)
    assert not set(columns) & {c["id"] for c in searched["columns"]}


async def test_one_column_pages_alone(manager_client: GraphQLClient, process_id: str):
    for name in ("First", "Second", "Third"):
        await create_deal(manager_client, name=name)
    stage = (await ids(manager_client, process_id))["columns"][0]["stage"]["id"]
    variables = {"processId": process_id, "stageId": stage}

    first = (await manager_client.data(ONE_COLUMN, variables))["board"]["column"]
    cursor = first["deals"]["pageInfo"]["endCursor"]
    second = (await manager_client.data(ONE_COLUMN, {**variables, "after": cursor}))["board"][
        "column"
    ]
    missing = await manager_client.data(ONE_COLUMN, {**variables, "stageId": process_id})

    assert first["dealCount"] == 3
    assert [e["node"]["name"] for e in first["deals"]["edges"]] == ["Third"]
    assert first["deals"]["pageInfo"]["hasPreviousPage"] is False
    assert [e["node"]["name"] for e in second["deals"]["edges"]] == ["Second"]
    assert second["deals"]["pageInfo"]["hasPreviousPage"] is True
    assert second["deals"]["pageInfo"]["startCursor"] == second["deals"]["edges"][0]["cursor"]
    assert missing["board"]["column"] is None


async def test_live_events_name_the_unfiltered_boards_columns(
    app, live_url: str, team: Team, manager_client: GraphQLClient, process_id: str
):
    board = await ids(manager_client, process_id)
    async with live_client(live_url, team.tokens["manager"]) as manager:
        await manager.subscribe("live", LIVE_COLUMNS, processId=process_id)
        await subscribed(app, team.workspace.id, 1)
        await create_deal(manager_client, name="Counted live")
        event = await manager.event("live")

    (column,) = event["columns"]
    assert column["id"] in {c["id"] for c in board["columns"]}
