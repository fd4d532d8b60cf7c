"""Workspaces never cross: another company's ids read exactly like unknown ids."""

from __future__ import annotations

from typing import Any

from models.process import Process
from schema.ids import global_id
from testkit.clients import GraphQLClient
from testkit.documents import (
    CREATE_PROCESS_MUTATION,
    DELETE_PROCESS_MUTATION,
    NODE_QUERY,
    PROCESS_QUERY,
    PROCESSES_QUERY,
    SET_DEFAULT_PROCESS_MUTATION,
    UPDATE_PROCESS_MUTATION,
    UPDATE_USER_MUTATION,
    USERS_QUERY,
)
from testkit.teams import Team


async def _their_process(rival: Team, client: GraphQLClient) -> dict[str, Any]:
    listed = (await client.data(PROCESSES_QUERY))["processes"]
    assert len(listed) == 1
    process: dict[str, Any] = listed[0]
    return process


def _errors_without_ids(payload: dict[str, Any]) -> list[tuple[str, str, Any]]:
    return [(e["code"], e["message"], e["field"]) for e in payload["errors"]]


async def test_reads_show_nothing_of_another_workspace(
    team: Team, rival: Team, admin_client, outsider_client
):
    theirs = await _their_process(rival, outsider_client)
    their_stage = theirs["stages"][0]
    their_step = their_stage["steps"][0]

    ours = (await admin_client.data(PROCESSES_QUERY))["processes"]
    users = (await admin_client.data(USERS_QUERY))["users"]

    assert theirs["id"] not in [p["id"] for p in ours]
    assert {u["email"] for u in users} == {team.admin.email, team.manager.email, team.user.email}
    assert (await admin_client.data(PROCESS_QUERY, {"id": theirs["id"]}))["process"] is None
    for foreign in (
        theirs["id"],
        their_stage["id"],
        their_step["id"],
        global_id("User", rival.admin.id),
    ):
        assert (await admin_client.data(NODE_QUERY, {"id": foreign}))["node"] is None


async def test_changes_to_another_workspace_read_like_unknown_ids(
    team: Team, rival: Team, admin_client, outsider_client
):
    theirs = await _their_process(rival, outsider_client)
    unknown = global_id("Process", 987_654)
    update = {"name": "Hijacked", "stages": [{"name": "X", "steps": []}]}

    for document, foreign_vars, unknown_vars in (
        (
            UPDATE_PROCESS_MUTATION,
            {"input": {"id": theirs["id"], **update}},
            {"input": {"id": unknown, **update}},
        ),
        (DELETE_PROCESS_MUTATION, {"id": theirs["id"]}, {"id": unknown}),
        (SET_DEFAULT_PROCESS_MUTATION, {"id": theirs["id"]}, {"id": unknown}),
        (
            UPDATE_USER_MUTATION,
            {"input": {"id": global_id("User", rival.user.id), "active": False}},
            {"input": {"id": global_id("User", 987_654), "active": False}},
        ),
    ):
        foreign = await admin_client.mutate(document, foreign_vars)
        missing = await admin_client.mutate(document, unknown_vars)
        assert _errors_without_ids(foreign) == _errors_without_ids(missing)
        assert foreign["errors"][0]["code"] == "NOT_FOUND"

    after = await _their_process(rival, outsider_client)
    assert after == theirs
    await rival.user.refresh_from_db()
    assert rival.user.active is True


async def test_users_of_another_workspace_cannot_be_named_in_a_step(
    team: Team, rival: Team, admin_client
):
    def with_notified(user_id: int) -> dict[str, Any]:
        return {
            "name": "Tells a user",
            "stages": [
                {
                    "name": "S",
                    "steps": [
                        {
                            "name": "Tell",
                            "weight": 1,
                            "notify": ["SELECTED_USERS"],
                            "notifyUserIds": [global_id("User", user_id)],
                        }
                    ],
                }
            ],
        }

    def with_performer(user_id: int) -> dict[str, Any]:
        return {
            "name": "Uses a user",
            "stages": [
                {
                    "name": "S",
                    "steps": [
                        {
                            "name": "Approve",
                            "weight": 1,
                            "whoCanPerform": "SELECTED_USERS",
                            "performerIds": [global_id("User", user_id)],
                        }
                    ],
                }
            ],
        }

    foreign = await admin_client.mutate(
        CREATE_PROCESS_MUTATION, {"input": with_performer(rival.user.id)}
    )
    missing = await admin_client.mutate(CREATE_PROCESS_MUTATION, {"input": with_performer(10**9)})

    assert foreign["process"] is None
    assert _errors_without_ids(foreign) == _errors_without_ids(missing)
    assert foreign["errors"][0]["code"] == "NOT_FOUND"
    assert not await Process.filter(name="Uses a user").exists()
    told = await admin_client.mutate(
        CREATE_PROCESS_MUTATION, {"input": with_notified(rival.user.id)}
    )
    assert [(e["code"], e["field"][-2]) for e in told["errors"]] == [("NOT_FOUND", "notifyUserIds")]


async def test_stage_and_step_ids_of_another_process_are_unknown_in_an_update(
    team: Team, rival: Team, admin_client, outsider_client
):
    ours = (await admin_client.data(PROCESSES_QUERY))["processes"][0]
    theirs = await _their_process(rival, outsider_client)

    payload = await admin_client.mutate(
        UPDATE_PROCESS_MUTATION,
        {
            "input": {
                "id": ours["id"],
                "name": ours["name"],
                "stages": [
                    {
                        "id": theirs["stages"][0]["id"],
                        "name": "Stolen",
                        "steps": [
                            {"id": theirs["stages"][0]["steps"][0]["id"], "name": "S", "weight": 1}
                        ],
                    }
                ],
            }
        },
    )

    assert [(e["code"], e["field"]) for e in payload["errors"]] == [
        ("NOT_FOUND", ["input", "stages", "0", "id"]),
        ("NOT_FOUND", ["input", "stages", "0", "steps", "0", "id"]),
    ]
    assert (await _their_process(rival, outsider_client)) == theirs
