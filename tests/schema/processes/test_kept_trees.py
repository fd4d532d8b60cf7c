"""A process's stages are read once and kept while the process is unchanged
(`resolvers.processes.tree`): reading its board again reads no stage or step, and
whatever changes the process (its configuration, the default moving, a person on a step
renamed) shows on the next read."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from models.process import Process, Stage
from schema.ids import global_id, parse_global_id
from testkit.clients import GraphQLClient
from testkit.documents import (
    BOARD_QUERY,
    PROCESS_QUERY,
    SET_DEFAULT_PROCESS_MUTATION,
    UPDATE_PROCESS_MUTATION,
    UPDATE_USER_MUTATION,
)
from testkit.processes import as_update, create, two_stage_input
from testkit.queries import QueryLog, logged_queries
from testkit.teams import Team

TREE_TABLES = ('"stage"', '"step"', '"step_performer"', '"step_notify_user"')


def tree_reads(log: QueryLog) -> list[str]:
    return [s for s in log.statements if any(f"FROM {t}" in s for t in TREE_TABLES)]


async def board(client: GraphQLClient, process_id: str) -> tuple[dict[str, Any], QueryLog]:
    with logged_queries() as log:
        answer = await client.data(BOARD_QUERY, {"processId": process_id, "first": 5})
    return answer["board"], log


async def test_a_board_reads_no_stage_while_its_process_is_unchanged(
    team: Team, admin_client: GraphQLClient, manager_client: GraphQLClient
):
    process = await create(admin_client, two_stage_input("Kept"))
    _, first = await board(manager_client, process["id"])
    changed = as_update(process)
    changed["stages"].append({"name": "Won over", "steps": [{"name": "Sign", "weight": 5}]})
    updated = await admin_client.mutate(UPDATE_PROCESS_MUTATION, {"input": changed})
    after, second = await board(manager_client, process["id"])
    # Another server process renames a stage: this one's kept stages are out of date.
    pk = parse_global_id(process["id"])[1]
    await Stage.filter(process_id=pk, name="Offer").update(name="Proposal")
    await Process.filter(id=pk).update(updated_at=datetime.now(UTC))
    renamed, third = await board(manager_client, process["id"])

    assert updated["errors"] == []
    assert tree_reads(first) == [] and tree_reads(second) == []
    assert [c["stage"]["name"] for c in after["columns"]] == ["Contact", "Offer", "Won over"]
    assert tree_reads(third), "a process changed elsewhere is read again"
    assert [c["stage"]["name"] for c in renamed["columns"]] == ["Contact", "Proposal", "Won over"]


async def test_the_default_flag_and_people_on_steps_are_read_as_they_are_now(
    team: Team, admin_client: GraphQLClient
):
    process = await create(
        admin_client,
        two_stage_input(
            "People",
            stages=[
                {
                    "name": "Only",
                    "steps": [
                        {
                            "name": "Approve",
                            "weight": 10,
                            "whoCanPerform": "SELECTED_USERS",
                            "performerIds": [seller_id(team)],
                        }
                    ],
                }
            ],
        ),
    )
    read = (await admin_client.data(PROCESS_QUERY, {"id": process["id"]}))["process"]
    renamed = await admin_client.mutate(
        UPDATE_USER_MUTATION, {"input": {"id": seller_id(team), "name": "Renamed Seller"}}
    )
    moved = await admin_client.mutate(SET_DEFAULT_PROCESS_MUTATION, {"id": process["id"]})
    with logged_queries() as log:
        now = (
            await admin_client.data(
                "query($id: ID!) { process(id: $id) { isDefault "
                "stages { steps { performers { id name } } } } }",
                {"id": process["id"]},
            )
        )["process"]

    assert read["isDefault"] is False and moved["errors"] == [] and renamed["errors"] == []
    assert now["isDefault"] is True
    assert now["stages"][0]["steps"][0]["performers"] == [
        {"id": seller_id(team), "name": "Renamed Seller"}
    ]
    assert tree_reads(log) == [], "the stages are kept: the flag is the process row's"


def seller_id(team: Team) -> str:
    return global_id("User", team.user.id)
