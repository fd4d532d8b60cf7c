"""Completing steps: notes, files through a real multipart request, who may perform,
trigger tasks and notifications."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from models.event import Notification
from models.task import Task
from schema.ids import global_id
from testkit.clients import GraphQLClient
from testkit.deals import complete_with_file, create_deal
from testkit.documents import (
    ADD_PARTICIPANT_MUTATION,
    COMPLETE_STEP_MUTATION,
    CREATE_PROCESS_MUTATION,
    UNCOMPLETE_STEP_MUTATION,
)
from testkit.teams import Team, add_member


async def process_with(admin: GraphQLClient, **step: Any) -> tuple[str, str]:
    """A default process with one step of the given settings; (process id, step id)."""
    payload = await admin.mutate(
        CREATE_PROCESS_MUTATION,
        {
            "input": {
                "name": "Rules",
                "isDefault": True,
                "stages": [
                    {"name": "Only", "steps": [{"name": "The step", "weight": 10, **step}]},
                    {"name": "Last", "steps": [{"name": "Filler", "weight": 10}]},
                ],
            }
        },
    )
    assert payload["errors"] == []
    process = payload["process"]
    return process["id"], process["stages"][0]["steps"][0]["id"]


async def test_note_required(team: Team, admin_client, user_client):
    _, step = await process_with(admin_client, requireNote="NOTE")
    deal = await create_deal(user_client)

    missing = await user_client.mutate(
        COMPLETE_STEP_MUTATION, {"input": {"dealId": deal["id"], "stepId": step, "note": "  "}}
    )
    given = await user_client.mutate(
        COMPLETE_STEP_MUTATION, {"input": {"dealId": deal["id"], "stepId": step, "note": "Met"}}
    )

    assert [(e["code"], e["field"]) for e in missing["errors"]] == [
        ("NOTE_REQUIRED", ["input", "note"])
    ]
    assert given["errors"] == [] and given["deal"]["completedSteps"][0]["note"] == "Met"


async def test_file_required_and_uploaded_through_multipart(
    team: Team, admin_client, user_client, manager_client, outsider_client, http
):
    _, step = await process_with(admin_client, requireNote="NOTE_WITH_FILE")
    deal = await create_deal(user_client)

    without = await user_client.mutate(
        COMPLETE_STEP_MUTATION, {"input": {"dealId": deal["id"], "stepId": step, "note": "x"}}
    )
    with_file = await complete_with_file(user_client, deal["id"], step, b"%PDF-1.4 offer")

    assert [e["code"] for e in without["errors"]] == ["FILE_REQUIRED"]
    assert with_file["errors"] == []
    completion = with_file["deal"]["completedSteps"][0]
    assert completion["fileName"] == "offer.pdf"
    url = completion["fileUrl"]
    assert url.startswith("/files/")
    for client, status in ((user_client, 200), (manager_client, 200), (outsider_client, 404)):
        response = await http.get(url, headers={"authorization": f"Bearer {client.token}"})
        assert response.status_code == status
        if status == 200:
            assert response.content == b"%PDF-1.4 offer"
            assert "attachment" in response.headers["content-disposition"]
    assert (await http.get(url)).status_code == 401


FILE_HISTORY_QUERY = """
query History($id: ID!) { deal(id: $id) { history { edges { node { kind fileName fileUrl } } } } }
"""


async def test_an_uncompleted_steps_file_stays_in_the_history(
    team: Team, admin_client, user_client, outsider_client, http
):
    _, step = await process_with(admin_client)
    deal = await create_deal(user_client)
    await complete_with_file(user_client, deal["id"], step, b"%PDF-1.4 signed")
    undone = await user_client.mutate(
        UNCOMPLETE_STEP_MUTATION, {"input": {"dealId": deal["id"], "stepId": step}}
    )
    assert undone["errors"] == [] and undone["deal"]["completedSteps"] == []

    edges = (await user_client.data(FILE_HISTORY_QUERY, {"id": deal["id"]}))["deal"]["history"]
    uncompleted, completed, _created = (edge["node"] for edge in edges["edges"])

    assert uncompleted == {"kind": "STEP_UNCOMPLETED", "fileName": None, "fileUrl": None}
    assert completed["kind"] == "STEP_COMPLETED" and completed["fileName"] == "offer.pdf"
    url = completed["fileUrl"]
    served = await http.get(url, headers={"authorization": f"Bearer {user_client.token}"})
    assert served.status_code == 200 and served.content == b"%PDF-1.4 signed"
    assert served.headers["content-type"] == "application/pdf"
    assert 'filename="offer.pdf"' in served.headers["content-disposition"]
    hidden = await http.get(url, headers={"authorization": f"Bearer {outsider_client.token}"})
    assert hidden.status_code == 404


async def test_files_of_hidden_deals_are_not_served(
    team: Team, admin_client, user_client, http, password_hash
):
    _, step = await process_with(admin_client)
    deal = await create_deal(user_client)
    payload = await complete_with_file(user_client, deal["id"], step, b"private")
    url = payload["deal"]["completedSteps"][0]["fileUrl"]
    colleague = await add_member(team, "colleague", "Colleague", password_hash)
    headers = {"authorization": f"Bearer {colleague.token}"}

    hidden = await http.get(url, headers=headers)
    garbage = await http.get("/files/..%2F..%2Fetc%2Fpasswd", headers=headers)

    assert hidden.status_code == 404
    assert garbage.status_code == 404


async def test_a_file_over_the_cap_is_refused(team: Team, admin_client, user_client, app):
    _, step = await process_with(admin_client, requireNote="NOTE_WITH_FILE")
    deal = await create_deal(user_client)
    cap = app.state.settings.max_upload_bytes

    payload = await complete_with_file(user_client, deal["id"], step, b"x" * (cap + 1))

    assert [(e["code"], e["field"]) for e in payload["errors"]] == [
        ("VALIDATION", ["input", "file"])
    ]
    assert payload["deal"] is None


@pytest.mark.parametrize(
    ("rule", "allowed"),
    [
        ("ANYONE", {"admin", "manager", "user"}),
        ("MANAGERS", {"admin", "manager"}),
        ("ADMINS", {"admin"}),
    ],
)
async def test_who_can_perform(team: Team, admin_client, http, rule, allowed):
    _, step = await process_with(admin_client, whoCanPerform=rule)
    outcomes = {}
    for who in ("admin", "manager", "user"):
        client = team.client(http, "user")
        deal = await create_deal(client)
        payload = await team.client(http, who).mutate(
            COMPLETE_STEP_MUTATION, {"input": {"dealId": deal["id"], "stepId": step}}
        )
        outcomes[who] = payload["errors"][0]["code"] if payload["errors"] else "OK"

    assert {who for who, outcome in outcomes.items() if outcome == "OK"} == allowed
    assert {o for o in outcomes.values() if o != "OK"} <= {"FORBIDDEN"}


async def test_selected_users_may_perform(team: Team, admin_client, user_client, manager_client):
    _, step = await process_with(
        admin_client,
        whoCanPerform="SELECTED_USERS",
        performerIds=[global_id("User", team.user.id)],
    )
    deal = await create_deal(user_client)

    by_manager = await manager_client.mutate(
        COMPLETE_STEP_MUTATION, {"input": {"dealId": deal["id"], "stepId": step}}
    )
    by_selected = await user_client.mutate(
        COMPLETE_STEP_MUTATION, {"input": {"dealId": deal["id"], "stepId": step}}
    )

    assert [e["code"] for e in by_manager["errors"]] == ["FORBIDDEN"]
    assert by_selected["errors"] == []


async def test_trigger_task_is_due_in_days_in_the_workspace_time_zone(
    team: Team, admin_client, user_client
):
    team.workspace.timezone = "Pacific/Auckland"
    await team.workspace.save()
    _, step = await process_with(
        admin_client,
        triggerTask={"title": "Follow up", "dueInDays": 3, "assignee": "DEAL_OWNER"},
    )
    deal = await create_deal(user_client)
    before = datetime.now(UTC)

    payload = await admin_client.mutate(
        COMPLETE_STEP_MUTATION, {"input": {"dealId": deal["id"], "stepId": step}}
    )

    (task,) = payload["deal"]["tasks"]
    assert task["title"] == "Follow up" and task["assignee"]["id"] == global_id(
        "User", team.user.id
    )
    due = datetime.fromisoformat(task["dueAt"])
    zone = ZoneInfo("Pacific/Auckland")
    local_before = before.astimezone(zone)
    assert due.astimezone(zone).date() == local_before.date() + timedelta(days=3)
    assert payload["deal"]["taskStatus"] == "LATER"
    stored = await Task.get(title="Follow up")
    assert stored.source_step_id is not None and stored.created_by_id == team.admin.id


async def test_trigger_task_for_the_performer(
    team: Team, admin_client, user_client, manager_client
):
    _, step = await process_with(
        admin_client,
        triggerTask={"title": "Send docs", "dueInDays": 0, "assignee": "STEP_PERFORMER"},
    )
    deal = await create_deal(user_client)

    payload = await manager_client.mutate(
        COMPLETE_STEP_MUTATION, {"input": {"dealId": deal["id"], "stepId": step}}
    )

    (task,) = payload["deal"]["tasks"]
    assert task["assignee"]["id"] == global_id("User", team.manager.id)


async def test_notifications_go_to_the_audiences_who_may_see_the_deal(
    team: Team, admin_client, user_client, manager_client, rival
):
    _, step = await process_with(
        admin_client,
        notify=["ADMINS", "PARTICIPANTS", "SELECTED_USERS"],
        notifyUserIds=[global_id("User", team.manager.id)],
    )
    deal = await create_deal(user_client)

    await user_client.mutate(
        COMPLETE_STEP_MUTATION, {"input": {"dealId": deal["id"], "stepId": step}}
    )

    recipients = set(
        await Notification.filter(kind="STEP_COMPLETED").values_list("recipient_id", flat=True)
    )
    assert recipients == {team.admin.id, team.manager.id}, "the actor is not told of their own step"


async def test_a_selected_user_who_cannot_see_the_deal_is_not_notified(
    team: Team, admin_client, user_client, http, password_hash
):
    bystander = (await add_member(team, "bystander", "Bystander", password_hash)).user
    _, step = await process_with(
        admin_client, notify=["SELECTED_USERS"], notifyUserIds=[global_id("User", bystander.id)]
    )
    private = await create_deal(user_client, name="Private")
    shared = await create_deal(user_client, name="Shared")
    await user_client.mutate(
        ADD_PARTICIPANT_MUTATION,
        {"input": {"dealId": shared["id"], "userId": global_id("User", bystander.id)}},
    )

    for deal in (private, shared):
        await user_client.mutate(
            COMPLETE_STEP_MUTATION, {"input": {"dealId": deal["id"], "stepId": step}}
        )

    messages = await Notification.filter(recipient_id=bystander.id).values_list(
        "message", flat=True
    )
    assert messages == ['Sam Seller completed "The step" on "Shared".']
