"""Configuring sales processes over HTTP: create, update atomically, delete, default."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from models.deal import Deal
from models.process import Process, Stage, Step
from schema.ids import global_id, parse_global_id
from testkit.documents import (
    CREATE_PROCESS_MUTATION,
    DELETE_PROCESS_MUTATION,
    NODE_QUERY,
    PROCESS_QUERY,
    PROCESSES_QUERY,
    SET_DEFAULT_PROCESS_MUTATION,
    UPDATE_PROCESS_MUTATION,
)
from testkit.processes import as_update, create, two_stage_input
from testkit.teams import Team


def pk(global_id_value: str) -> int:
    parsed = parse_global_id(global_id_value)
    assert parsed is not None
    return parsed[1]


async def test_admin_creates_a_process_with_every_step_setting(team: Team, admin_client):
    performer_id = global_id("User", team.user.id)
    manager_id = global_id("User", team.manager.id)
    process_input = {
        "name": "  Enterprise  ",
        "stages": [
            {
                "name": "Discovery",
                "steps": [
                    {
                        "name": "Sign NDA",
                        "weight": 25,
                        "mandatory": True,
                        "whoCanPerform": "SELECTED_USERS",
                        "performerIds": [performer_id],
                        "requireNote": "NOTE_WITH_FILE",
                        "notify": ["MANAGERS", "SELECTED_USERS"],
                        "notifyUserIds": [manager_id],
                        "triggerTask": {
                            "title": "Send the NDA",
                            "dueInDays": 2,
                            "assignee": "STEP_PERFORMER",
                        },
                    },
                    {"name": "Budget known", "weight": 15},
                ],
            }
        ],
    }

    process = await create(admin_client, process_input)

    assert process["name"] == "Enterprise"
    assert process["isDefault"] is False, "the workspace already has its default"
    assert process["totalWeight"] == 40
    nda, budget = process["stages"][0]["steps"]
    assert nda == {
        "id": nda["id"],
        "name": "Sign NDA",
        "position": 0,
        "weight": 25,
        "mandatory": True,
        "whoCanPerform": "SELECTED_USERS",
        "performers": [{"id": performer_id}],
        "requireNote": "NOTE_WITH_FILE",
        "notify": ["MANAGERS", "SELECTED_USERS"],
        "notifyUsers": [{"id": manager_id}],
        "triggerTask": {"title": "Send the NDA", "dueInDays": 2, "assignee": "STEP_PERFORMER"},
    }
    assert budget["mandatory"] is False and budget["whoCanPerform"] == "ANYONE"
    assert (
        budget["requireNote"] == "NONE" and budget["notify"] == [] and budget["triggerTask"] is None
    )
    read = await admin_client.data(PROCESS_QUERY, {"id": process["id"]})
    assert read["process"] == process


async def test_everyone_in_the_workspace_reads_processes_default_first(
    team: Team, admin_client, user_client
):
    await create(admin_client, two_stage_input("Another"))

    listed = (await user_client.data(PROCESSES_QUERY))["processes"]

    assert [p["name"] for p in listed] == ["Sales process", "Another"]
    assert [p["isDefault"] for p in listed] == [True, False]
    suggested = listed[0]
    assert [s["name"] for s in suggested["stages"]] == [
        "Qualify",
        "Needs analysis",
        "Proposal",
        "Negotiation",
        "Closing",
    ]
    assert suggested["totalWeight"] == 100


@pytest.mark.parametrize("who", ["manager", "user"])
async def test_only_admins_configure(team: Team, http, admin_client, who):
    client = team.client(http, who)
    process = await create(admin_client, two_stage_input())
    attempts = [
        (CREATE_PROCESS_MUTATION, {"input": two_stage_input("Mine")}),
        (UPDATE_PROCESS_MUTATION, {"input": {**as_update(process), "name": "Renamed"}}),
        (DELETE_PROCESS_MUTATION, {"id": process["id"]}),
        (SET_DEFAULT_PROCESS_MUTATION, {"id": process["id"]}),
    ]
    for document, variables in attempts:
        payload = await client.mutate(document, variables)
        assert payload["process"] is None
        assert [e["code"] for e in payload["errors"]] == ["FORBIDDEN"]

    unchanged = (await admin_client.data(PROCESS_QUERY, {"id": process["id"]}))["process"]
    assert unchanged == process
    assert await Process.filter(workspace=team.workspace, deleted_at=None).count() == 2


async def test_update_keeps_ids_adds_new_ones_and_archives_the_rest(team: Team, admin_client):
    process = await create(admin_client, two_stage_input())
    contact, offer = process["stages"]
    call, meet = contact["steps"]
    (send_offer,) = offer["steps"]

    payload = await admin_client.mutate(
        UPDATE_PROCESS_MUTATION,
        {
            "input": {
                "id": process["id"],
                "name": "Field sales v2",
                "stages": [
                    {
                        "id": offer["id"],
                        "name": "Proposal",
                        "steps": [
                            {"id": send_offer["id"], "name": "Send offer", "weight": 50},
                            {"id": call["id"], "name": "Call back", "weight": 5},
                        ],
                    },
                    {"name": "Closing", "steps": [{"name": "Sign", "weight": 45}]},
                ],
            }
        },
    )

    assert payload["errors"] == []
    updated = payload["process"]
    assert updated["id"] == process["id"] and updated["name"] == "Field sales v2"
    proposal, closing = updated["stages"]
    assert proposal["id"] == offer["id"] and proposal["name"] == "Proposal"
    assert proposal["position"] == 0 and closing["position"] == 1
    assert [s["id"] for s in proposal["steps"]] == [send_offer["id"], call["id"]]
    assert proposal["steps"][1]["name"] == "Call back"
    assert proposal["steps"][1]["position"] == 1
    assert closing["id"] not in (contact["id"], offer["id"])
    assert updated["totalWeight"] == 100
    assert proposal["steps"][0]["weight"] == 50, "a listed step takes its new weight"
    # Left out: archived, not deleted, and still readable by id.
    archived_stage = await Stage.get(id=pk(contact["id"]))
    archived_step = await Step.get(id=pk(meet["id"]))
    assert archived_stage.archived_at is not None and archived_step.archived_at is not None
    node = (await admin_client.data(NODE_QUERY, {"id": meet["id"]}))["node"]
    assert node["name"] == "Meet" and node["archivedAt"] is not None


async def test_left_out_step_settings_keep_their_value_and_null_clears_the_task(
    team: Team, admin_client
):
    created = await create(
        admin_client,
        {
            "name": "Kept",
            "stages": [
                {
                    "name": "Only",
                    "steps": [
                        {
                            "name": "Approve",
                            "weight": 10,
                            "mandatory": True,
                            "whoCanPerform": "SELECTED_USERS",
                            "performerIds": [global_id("User", team.manager.id)],
                            "requireNote": "NOTE",
                            "notify": ["ADMINS"],
                            "triggerTask": {
                                "title": "Chase",
                                "dueInDays": 1,
                                "assignee": "DEAL_OWNER",
                            },
                        }
                    ],
                }
            ],
        },
    )
    before = created["stages"][0]["steps"][0]

    kept = await admin_client.mutate(UPDATE_PROCESS_MUTATION, {"input": as_update(created)})
    step = kept["process"]["stages"][0]["steps"][0]
    assert step == before

    update = as_update(created)
    update["stages"][0]["steps"][0]["triggerTask"] = None
    cleared = await admin_client.mutate(UPDATE_PROCESS_MUTATION, {"input": update})
    assert cleared["process"]["stages"][0]["steps"][0]["triggerTask"] is None
    assert cleared["process"]["stages"][0]["steps"][0]["performers"] == before["performers"]


async def test_a_refused_update_changes_nothing(team: Team, admin_client):
    process = await create(admin_client, two_stage_input())
    update = as_update(process)
    update["name"] = "Renamed"
    update["stages"][0]["steps"].append({"name": "Valid new step", "weight": 5})
    update["stages"][1]["steps"][0]["weight"] = -1

    payload = await admin_client.mutate(UPDATE_PROCESS_MUTATION, {"input": update})

    assert payload["process"] is None
    assert payload["errors"] == [
        {
            "code": "VALIDATION",
            "message": "Weight must be between 0 and 10000.",
            "field": ["input", "stages", "1", "steps", "0", "weight"],
        }
    ]
    read = (await admin_client.data(PROCESS_QUERY, {"id": process["id"]}))["process"]
    assert read == process


def _step(**fields: Any) -> dict[str, Any]:
    return {"name": "Step", "weight": 10, **fields}


def _one_stage(*steps: dict[str, Any], name: str = "Process") -> dict[str, Any]:
    return {"name": name, "stages": [{"name": "Stage", "steps": list(steps)}]}


STEP_PATH = ["input", "stages", "0", "steps", "0"]

INVALID_CONFIGURATIONS = [
    pytest.param(_one_stage(name="   "), "VALIDATION", ["input", "name"], id="empty-name"),
    pytest.param({"name": "P", "stages": []}, "VALIDATION", ["input", "stages"], id="no-stages"),
    pytest.param(
        {"name": "P", "stages": [{"name": "", "steps": []}]},
        "VALIDATION",
        ["input", "stages", "0", "name"],
        id="empty-stage-name",
    ),
    pytest.param(
        {"name": "P", "stages": [{"name": "Won", "steps": []}, {"name": " won ", "steps": []}]},
        "VALIDATION",
        ["input", "stages", "1", "name"],
        id="duplicate-stage-name",
    ),
    pytest.param(
        _one_stage(_step(name="")), "VALIDATION", [*STEP_PATH, "name"], id="empty-step-name"
    ),
    pytest.param(
        _one_stage(_step(weight=-5)), "VALIDATION", [*STEP_PATH, "weight"], id="negative-weight"
    ),
    pytest.param(
        _one_stage(_step(whoCanPerform="SELECTED_USERS")),
        "VALIDATION",
        [*STEP_PATH, "performerIds"],
        id="selected-users-without-users",
    ),
    pytest.param(
        _one_stage(_step(whoCanPerform="SELECTED_USERS", performerIds=[])),
        "VALIDATION",
        [*STEP_PATH, "performerIds"],
        id="selected-users-empty-list",
    ),
    pytest.param(
        _one_stage(_step(notify=["SELECTED_USERS"])),
        "VALIDATION",
        [*STEP_PATH, "notifyUserIds"],
        id="notify-selected-without-users",
    ),
    pytest.param(
        _one_stage(_step(triggerTask={"title": " ", "dueInDays": 1, "assignee": "DEAL_OWNER"})),
        "VALIDATION",
        [*STEP_PATH, "triggerTask", "title"],
        id="task-without-title",
    ),
    pytest.param(
        _one_stage(_step(triggerTask={"title": "T", "dueInDays": -1, "assignee": "DEAL_OWNER"})),
        "VALIDATION",
        [*STEP_PATH, "triggerTask", "dueInDays"],
        id="task-due-in-the-past",
    ),
    pytest.param(
        {"name": "P", "stages": [{"name": f"S{i}", "steps": []} for i in range(21)]},
        "VALIDATION",
        ["input", "stages"],
        id="21-stages",
    ),
    pytest.param(
        _one_stage(*[_step(name=f"S{i}") for i in range(51)]),
        "VALIDATION",
        ["input", "stages", "0", "steps"],
        id="51-steps",
    ),
    pytest.param(
        _one_stage(
            _step(
                whoCanPerform="SELECTED_USERS",
                performerIds=[global_id("User", n) for n in range(1, 202)],
            )
        ),
        "VALIDATION",
        [*STEP_PATH, "performerIds"],
        id="too-many-performers",
    ),
    pytest.param(
        _one_stage(_step(id=global_id("Step", 999_999))),
        "NOT_FOUND",
        [*STEP_PATH, "id"],
        id="unknown-step-id",
    ),
    pytest.param(
        _one_stage(_step(whoCanPerform="SELECTED_USERS", performerIds=["not-an-id"])),
        "NOT_FOUND",
        [*STEP_PATH, "performerIds", "0"],
        id="garbage-user-id",
    ),
]


@pytest.mark.parametrize(("process_input", "code", "field"), INVALID_CONFIGURATIONS)
async def test_invalid_configurations_are_refused(
    team: Team, admin_client, process_input, code, field
):
    before = await Process.filter(workspace=team.workspace).count()

    payload = await admin_client.mutate(CREATE_PROCESS_MUTATION, {"input": process_input})

    assert payload["process"] is None
    assert [(e["code"], e["field"]) for e in payload["errors"]] == [(code, field)]
    assert all(e["message"] for e in payload["errors"])
    assert await Process.filter(workspace=team.workspace).count() == before


async def test_limits_are_inclusive(admin_client):
    process = await create(
        admin_client,
        {
            "name": "Big",
            "stages": [
                {"name": f"S{i}", "steps": [_step(name=f"T{j}") for j in range(50)]}
                for i in range(20)
            ],
        },
    )
    assert len(process["stages"]) == 20
    assert process["totalWeight"] == 20 * 50 * 10


async def test_every_problem_is_reported_at_once(admin_client):
    payload = await admin_client.mutate(
        CREATE_PROCESS_MUTATION,
        {"input": {"name": "", "stages": [{"name": "", "steps": [_step(weight=-1)]}]}},
    )
    assert {tuple(e["field"]) for e in payload["errors"]} == {
        ("input", "name"),
        ("input", "stages", "0", "name"),
        ("input", *STEP_PATH[1:], "weight"),
    }


async def test_duplicate_process_name_is_a_conflict(admin_client):
    await create(admin_client, two_stage_input("Inbound"))

    payload = await admin_client.mutate(
        CREATE_PROCESS_MUTATION, {"input": two_stage_input(" inbound ")}
    )

    assert [(e["code"], e["field"]) for e in payload["errors"]] == [("CONFLICT", ["input", "name"])]


async def test_set_default_moves_the_single_default(team: Team, admin_client):
    process = await create(admin_client, two_stage_input())

    payload = await admin_client.mutate(SET_DEFAULT_PROCESS_MUTATION, {"id": process["id"]})

    assert payload == {"process": {"id": process["id"], "isDefault": True}, "errors": []}
    defaults = await Process.filter(workspace=team.workspace, is_default=True).values_list(
        "id", flat=True
    )
    assert defaults == [pk(process["id"])]


async def test_create_as_default_takes_the_default(team: Team, admin_client):
    process = await create(admin_client, two_stage_input(isDefault=True))

    listed = (await admin_client.data(PROCESSES_QUERY))["processes"]

    assert [(p["id"], p["isDefault"]) for p in listed if p["isDefault"]] == [(process["id"], True)]


async def test_delete_hides_the_process(team: Team, admin_client):
    process = await create(admin_client, two_stage_input())

    payload = await admin_client.mutate(DELETE_PROCESS_MUTATION, {"id": process["id"]})

    assert payload["errors"] == [] and payload["process"]["id"] == process["id"]
    listed = (await admin_client.data(PROCESSES_QUERY))["processes"]
    assert process["id"] not in [p["id"] for p in listed]
    assert (await admin_client.data(PROCESS_QUERY, {"id": process["id"]}))["process"] is None
    again = await admin_client.mutate(DELETE_PROCESS_MUTATION, {"id": process["id"]})
    assert again["errors"][0]["code"] == "NOT_FOUND"


async def test_delete_is_refused_for_the_default(team: Team, admin_client):
    default = (await admin_client.data(PROCESSES_QUERY))["processes"][0]

    payload = await admin_client.mutate(DELETE_PROCESS_MUTATION, {"id": default["id"]})

    assert payload["process"] is None
    assert payload["errors"][0]["code"] == "CONFLICT"
    assert "default" in payload["errors"][0]["message"]


async def test_delete_is_refused_while_deals_use_the_process(team: Team, admin_client):
    process = await create(admin_client, two_stage_input())
    await Deal.create(
        workspace=team.workspace, process_id=pk(process["id"]), owner=team.user, name="Big one"
    )

    payload = await admin_client.mutate(DELETE_PROCESS_MUTATION, {"id": process["id"]})

    assert payload["process"] is None
    assert payload["errors"] == [
        {
            "code": "CONFLICT",
            "message": "1 deal uses this process (the trash included). "
            "Move them to another process first.",
            "field": ["input", "id"],
        }
    ]
    assert (await Process.get(id=pk(process["id"]))).deleted_at is None


async def test_concurrent_default_changes_leave_exactly_one_default(team: Team, admin_client):
    current = (await admin_client.data(PROCESSES_QUERY))["processes"][0]
    created = [await create(admin_client, two_stage_input(f"P{i}")) for i in range(4)]

    payloads = await asyncio.gather(
        *(
            admin_client.mutate(SET_DEFAULT_PROCESS_MUTATION, {"id": p["id"]})
            for p in [current, *created, current]
        )
    )

    assert all(p["errors"] == [] for p in payloads)
    defaults = await Process.filter(
        workspace=team.workspace, is_default=True, deleted_at=None
    ).count()
    assert defaults == 1
