"""Participants, joining, access requests, tasks and the idempotency of retries."""

from __future__ import annotations

from models.deal import AccessRequest, DealParticipant
from models.event import Notification
from models.task import Task
from schema.ids import global_id
from testkit.clients import GraphQLClient
from testkit.deals import create_deal
from testkit.documents import (
    ADD_PARTICIPANT_MUTATION,
    ANSWER_ACCESS_MUTATION,
    COMPLETE_TASK_MUTATION,
    CREATE_TASK_MUTATION,
    DEAL_QUERY,
    JOIN_DEAL_MUTATION,
    MY_TASKS_QUERY,
    REMOVE_PARTICIPANT_MUTATION,
    REQUEST_ACCESS_MUTATION,
    SET_DEAL_PUBLIC_MUTATION,
)
from testkit.teams import Team


async def test_request_and_grant_access(team: Team, manager_client, user_client):
    deal = await create_deal(manager_client, name="Quiet one")

    request = await user_client.mutate(REQUEST_ACCESS_MUTATION, {"id": deal["id"]})
    retry = await user_client.mutate(REQUEST_ACCESS_MUTATION, {"id": deal["id"]})
    granted = await manager_client.mutate(
        ANSWER_ACCESS_MUTATION, {"input": {"requestId": request["request"]["id"], "grant": True}}
    )
    again = await manager_client.mutate(
        ANSWER_ACCESS_MUTATION, {"input": {"requestId": request["request"]["id"], "grant": False}}
    )

    assert request["errors"] == []
    assert request["request"]["status"] == "PENDING" and request["request"]["deal"] is None
    assert retry["request"]["id"] == request["request"]["id"], "one pending request per person"
    assert granted["request"]["status"] == "GRANTED"
    assert [e["code"] for e in again["errors"]] == ["CONFLICT"]
    seen = (await user_client.data(DEAL_QUERY, {"id": deal["id"]}))["deal"]
    assert seen["participants"] == [{"id": global_id("User", team.user.id)}]
    kinds = await Notification.all().order_by("id").values_list("recipient_id", "kind")
    assert kinds == [(team.manager.id, "ACCESS_REQUESTED"), (team.user.id, "ACCESS_ANSWERED")]


async def test_a_denied_requester_learns_nothing_of_the_deal(
    team: Team, manager_client, user_client
):
    deal = await create_deal(manager_client, name="Project Falcon")
    request = await user_client.mutate(REQUEST_ACCESS_MUTATION, {"id": deal["id"]})

    denied = await manager_client.mutate(
        ANSWER_ACCESS_MUTATION, {"input": {"requestId": request["request"]["id"], "grant": False}}
    )

    assert denied["request"]["status"] == "DENIED"
    (told,) = await Notification.filter(recipient_id=team.user.id)
    assert "Falcon" not in told.message and told.deal_id is None
    assert (await user_client.data(DEAL_QUERY, {"id": deal["id"]}))["deal"] is None


async def test_requests_are_answered_only_by_people_on_the_deal(
    team: Team, manager_client, user_client, outsider_client
):
    deal = await create_deal(manager_client)
    request = await user_client.mutate(REQUEST_ACCESS_MUTATION, {"id": deal["id"]})

    by_requester = await user_client.mutate(
        ANSWER_ACCESS_MUTATION, {"input": {"requestId": request["request"]["id"], "grant": True}}
    )
    by_outsider = await outsider_client.mutate(
        ANSWER_ACCESS_MUTATION, {"input": {"requestId": request["request"]["id"], "grant": True}}
    )

    assert [e["code"] for e in by_requester["errors"]] == ["NOT_FOUND"]
    assert [e["code"] for e in by_outsider["errors"]] == ["NOT_FOUND"]
    assert (await AccessRequest.get()).status == "PENDING"


async def test_request_access_is_idempotent_with_a_key(team: Team, manager_client, user_client):
    deal = await create_deal(manager_client)

    first = await user_client.mutate(REQUEST_ACCESS_MUTATION, {"id": deal["id"], "key": "k1"})
    retry = await user_client.mutate(REQUEST_ACCESS_MUTATION, {"id": deal["id"], "key": "k1"})

    assert retry == first
    assert await AccessRequest.all().count() == 1


async def test_public_deals_are_joined_not_requested(team: Team, manager_client, user_client):
    deal = await create_deal(manager_client, isPublic=True)

    request = await user_client.mutate(REQUEST_ACCESS_MUTATION, {"id": deal["id"]})
    joined = await user_client.mutate(JOIN_DEAL_MUTATION, {"id": deal["id"]})
    left = await user_client.mutate(
        REMOVE_PARTICIPANT_MUTATION,
        {"input": {"dealId": deal["id"], "userId": global_id("User", team.user.id)}},
    )

    assert [e["code"] for e in request["errors"]] == ["CONFLICT"]
    assert joined["deal"]["participants"] == [{"id": global_id("User", team.user.id)}]
    assert left["deal"]["participants"] == []


async def test_making_a_deal_private_hides_it_from_non_participants(
    team: Team, manager_client, user_client
):
    deal = await create_deal(manager_client, isPublic=True)
    assert (await user_client.data(DEAL_QUERY, {"id": deal["id"]}))["deal"] is not None

    await manager_client.mutate(
        SET_DEAL_PUBLIC_MUTATION, {"input": {"dealId": deal["id"], "isPublic": False}}
    )

    assert (await user_client.data(DEAL_QUERY, {"id": deal["id"]}))["deal"] is None


async def test_participants_must_be_active_users_of_the_workspace(
    team: Team, rival: Team, user_client
):
    deal = await create_deal(user_client)

    foreign = await user_client.mutate(
        ADD_PARTICIPANT_MUTATION,
        {"input": {"dealId": deal["id"], "userId": global_id("User", rival.user.id)}},
    )

    assert [(e["code"], e["field"]) for e in foreign["errors"]] == [
        ("NOT_FOUND", ["input", "userId"])
    ]
    assert not await DealParticipant.filter(user_id=rival.user.id).exists()


async def test_tasks_on_a_deal_and_my_tasks(team: Team, user_client, manager_client):
    deal = await create_deal(user_client)

    created = await manager_client.mutate(
        CREATE_TASK_MUTATION,
        {
            "input": {
                "title": "Call back",
                "dealId": deal["id"],
                "assigneeId": global_id("User", team.user.id),
                "dueAt": "2030-01-01T09:00:00+00:00",
            }
        },
    )
    mine = (await user_client.data(MY_TASKS_QUERY))["myTasks"]
    done = await user_client.mutate(COMPLETE_TASK_MUTATION, {"id": created["task"]["id"]})

    assert created["errors"] == [] and created["task"]["deal"] == {"id": deal["id"]}
    assert [t["title"] for t in mine] == ["Call back"]
    assert done["task"]["done"] is True
    assert await Notification.filter(recipient_id=team.user.id, kind="TASK_ASSIGNED").count() == 1


async def test_the_assignee_must_see_the_deal(team: Team, manager_client):
    deal = await create_deal(manager_client)

    payload = await manager_client.mutate(
        CREATE_TASK_MUTATION,
        {
            "input": {
                "title": "Call",
                "dealId": deal["id"],
                "assigneeId": global_id("User", team.user.id),
            }
        },
    )

    assert [(e["code"], e["field"]) for e in payload["errors"]] == [
        ("VALIDATION", ["input", "assigneeId"])
    ]
    assert not await Task.exists()


async def test_create_task_is_idempotent_with_a_key(team: Team, user_client: GraphQLClient):
    variables = {"input": {"title": "Ring", "idempotencyKey": "tap-1"}}

    first = await user_client.mutate(CREATE_TASK_MUTATION, variables)
    retry = await user_client.mutate(CREATE_TASK_MUTATION, variables)

    assert retry == first
    assert await Task.all().count() == 1


async def test_others_tasks_are_not_found(team: Team, user_client, manager_client, outsider_client):
    task = await manager_client.mutate(CREATE_TASK_MUTATION, {"input": {"title": "Private"}})

    for client in (user_client, outsider_client):
        payload = await client.mutate(COMPLETE_TASK_MUTATION, {"id": task["task"]["id"]})
        assert [e["code"] for e in payload["errors"]] == ["NOT_FOUND"]
    assert not (await Task.get()).done
