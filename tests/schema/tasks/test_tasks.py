"""Tasks through the real app: updateTask (reschedule, rename, reassign) and its
refusals, and the deal's task dot judged in the workspace's time zone."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from models.account import Role, User, Workspace
from models.event import Event, Notification
from models.task import Task
from schema.ids import global_id
from testkit.clients import GraphQLClient
from testkit.clock import FrozenClock
from testkit.deals import create_deal, steps_by_name
from testkit.documents import (
    ADD_PARTICIPANT_MUTATION,
    COMPLETE_STEP_MUTATION,
    COMPLETE_TASK_MUTATION,
    CREATE_TASK_MUTATION,
    DEAL_TASK_DOT_QUERY,
    HISTORY_QUERY,
    MY_TASKS_QUERY,
    REMOVE_PARTICIPANT_MUTATION,
    UPDATE_TASK_MUTATION,
)
from testkit.teams import Team

TOKYO, AUCKLAND, LOS_ANGELES = "Asia/Tokyo", "Pacific/Auckland", "America/Los_Angeles"


def iso(moment: datetime) -> str:
    """As the API writes a DateTime: ISO 8601 in UTC."""
    return moment.astimezone(UTC).isoformat()


def local(now: datetime, zone: str, days_later: int, at: time) -> datetime:
    """`at` o'clock on the day `days_later` after `now`'s day, in `zone`."""
    today = now.astimezone(ZoneInfo(zone)).date()
    return datetime.combine(today + timedelta(days=days_later), at, tzinfo=ZoneInfo(zone))


async def in_zone(team: Team, zone: str) -> None:
    await Workspace.filter(id=team.workspace.id).update(timezone=zone)


async def new_task(client: GraphQLClient, **fields: Any) -> dict[str, Any]:
    payload = await client.mutate(CREATE_TASK_MUTATION, {"input": {"title": "Call back", **fields}})
    assert payload["errors"] == [], payload["errors"]
    task: dict[str, Any] = payload["task"]
    return task


async def update(client: GraphQLClient, task_id: str, **fields: Any) -> dict[str, Any]:
    return await client.mutate(UPDATE_TASK_MUTATION, {"input": {"id": task_id, **fields}})


async def deal_dot(client: GraphQLClient, deal_id: str) -> dict[str, Any]:
    deal: dict[str, Any] = (await client.data(DEAL_TASK_DOT_QUERY, {"id": deal_id}))["deal"]
    return deal


async def history(client: GraphQLClient, deal_id: str) -> list[dict[str, Any]]:
    found = (await client.data(HISTORY_QUERY, {"id": deal_id}))["deal"]["history"]
    return [edge["node"] for edge in found["edges"]]


def not_found(what: str, field: str) -> list[dict[str, Any]]:
    return [{"code": "NOT_FOUND", "message": f"{what} not found.", "field": ["input", field]}]


# --- the dot, in the workspace's time zone ---------------------------------------------


@pytest.mark.parametrize("zone", [TOKYO, AUCKLAND, LOS_ANGELES])
@pytest.mark.parametrize(
    ("due", "expected"),
    [
        pytest.param(lambda now, zone: local(now, zone, 0, time(23, 30)), "TODAY", id="23:30"),
        pytest.param(lambda now, zone: local(now, zone, 1, time(0, 30)), "LATER", id="00:30+1"),
        pytest.param(lambda now, zone: now - timedelta(minutes=1), "OVERDUE", id="minute-ago"),
        pytest.param(lambda now, zone: None, "LATER", id="no-due-time"),
    ],
)
async def test_the_dot_is_judged_by_the_workspace_day(
    team: Team, user_client, frozen_clock: FrozenClock, zone, due, expected
):
    # given a workspace east or west of UTC, and a deal with one open task
    await in_zone(team, zone)
    deal = await create_deal(user_client)
    due_at = due(frozen_clock.now, zone)
    task = await new_task(user_client, dealId=deal["id"], dueAt=due_at and iso(due_at))

    # when the deal is read
    read = await deal_dot(user_client, deal["id"])

    # then its dot follows the local day
    assert read["taskStatus"] == expected
    assert [(t["id"], t["dueAt"]) for t in read["tasks"]] == [(task["id"], task["dueAt"])]


@pytest.mark.parametrize("zone", [TOKYO, LOS_ANGELES])
async def test_a_done_task_leaves_no_dot(team: Team, user_client, frozen_clock, zone):
    # given a deal whose only task is overdue
    await in_zone(team, zone)
    deal = await create_deal(user_client)
    task = await new_task(
        user_client, dealId=deal["id"], dueAt=iso(frozen_clock.now - timedelta(minutes=1))
    )
    before = await deal_dot(user_client, deal["id"])

    # when it is done
    done = await user_client.mutate(COMPLETE_TASK_MUTATION, {"id": task["id"]})

    # then the deal has no dot, and still lists the task
    after = await deal_dot(user_client, deal["id"])
    assert before["taskStatus"] == "OVERDUE"
    assert done["errors"] == [] and done["task"]["done"] is True
    assert after["taskStatus"] == "NONE"
    assert [(t["id"], t["done"]) for t in after["tasks"]] == [(task["id"], True)]


@pytest.mark.parametrize(
    ("now", "due", "in_los_angeles", "in_tokyo"),
    [
        # 05:00 on the 10th in LA, 21:00 on the 10th in Tokyo; the task is due at 23:30 on
        # the 10th in LA, which is 15:30 on the 11th in Tokyo: tomorrow there.
        (datetime(2026, 3, 10, 12, 0, tzinfo=UTC), datetime(2026, 3, 11, 6, 30, tzinfo=UTC),
         "TODAY", "LATER"),
        # 13:00 on the 10th in LA, 05:00 on the 11th in Tokyo; due at 19:00 on the 11th in
        # Tokyo, which is 03:00 on the 11th in LA: tomorrow there.
        (datetime(2026, 3, 10, 20, 0, tzinfo=UTC), datetime(2026, 3, 11, 10, 0, tzinfo=UTC),
         "LATER", "TODAY"),
    ],
)  # fmt: skip
async def test_one_instant_reads_differently_in_two_zones(
    team: Team, user_client, frozen_clock, now, due, in_los_angeles, in_tokyo
):
    # given a task due at one instant
    frozen_clock.now = now
    deal = await create_deal(user_client)
    await new_task(user_client, dealId=deal["id"], dueAt=iso(due))

    # when the workspace lives in Los Angeles, then in Tokyo
    await in_zone(team, LOS_ANGELES)
    west = await deal_dot(user_client, deal["id"])
    await in_zone(team, TOKYO)
    east = await deal_dot(user_client, deal["id"])

    # then the same task is today in one and later in the other
    assert (west["taskStatus"], east["taskStatus"]) == (in_los_angeles, in_tokyo)


async def test_the_dot_turns_at_local_midnight(team: Team, user_client, frozen_clock):
    # given Tokyo at 21:00 on the 10th, and a task due at 10:00 on the 11th, Tokyo time
    await in_zone(team, TOKYO)
    frozen_clock.now = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
    deal = await create_deal(user_client)
    due = datetime(2026, 3, 11, 10, 0, tzinfo=ZoneInfo(TOKYO))
    await new_task(user_client, dealId=deal["id"], dueAt=iso(due))
    dots = [(await deal_dot(user_client, deal["id"]))["taskStatus"]]

    # when the clock reaches Tokyo's midnight, then passes the due time
    for moment in (
        datetime(2026, 3, 11, 0, 0, tzinfo=ZoneInfo(TOKYO)) - timedelta(microseconds=1),
        datetime(2026, 3, 11, 0, 0, tzinfo=ZoneInfo(TOKYO)),
        due,
        due + timedelta(seconds=1),
    ):
        frozen_clock.now = moment.astimezone(UTC)
        dots.append((await deal_dot(user_client, deal["id"]))["taskStatus"])

    # then it is later, then today from midnight, due exactly now is still today, then overdue
    assert dots == ["LATER", "LATER", "TODAY", "TODAY", "OVERDUE"]


async def test_the_worst_open_task_sets_the_dot(team: Team, user_client, frozen_clock):
    # given Auckland, a deal with a task due next week and one due a minute ago
    await in_zone(team, AUCKLAND)
    now = frozen_clock.now
    deal = await create_deal(user_client)
    later = await new_task(user_client, dealId=deal["id"], dueAt=iso(now + timedelta(days=7)))
    late = await new_task(user_client, dealId=deal["id"], dueAt=iso(now - timedelta(minutes=1)))
    dots = [(await deal_dot(user_client, deal["id"]))["taskStatus"]]

    # when the late one is done, then the other is moved to 23:30 today
    await user_client.mutate(COMPLETE_TASK_MUTATION, {"id": late["id"]})
    dots.append((await deal_dot(user_client, deal["id"]))["taskStatus"])
    await update(user_client, later["id"], dueAt=iso(local(now, AUCKLAND, 0, time(23, 30))))
    dots.append((await deal_dot(user_client, deal["id"]))["taskStatus"])

    # then the dot follows the worst task still open
    assert dots == ["OVERDUE", "LATER", "TODAY"]


async def test_changing_a_task_changes_the_dot(
    team: Team, user_client, manager_client, frozen_clock
):
    # given Los Angeles, and a deal whose one task is due at 23:30 today
    await in_zone(team, LOS_ANGELES)
    now = frozen_clock.now
    deal = await create_deal(user_client)
    task = await new_task(
        user_client, dealId=deal["id"], dueAt=iso(local(now, LOS_ANGELES, 0, time(23, 30)))
    )
    seen = [await deal_dot(user_client, deal["id"])]

    # when it is rescheduled, reassigned, its due time cleared, and finally done
    steps: list[dict[str, Any]] = [
        {"dueAt": iso(local(now, LOS_ANGELES, 1, time(0, 30)))},
        {"dueAt": iso(now - timedelta(minutes=1))},
        {"assigneeId": global_id("User", team.manager.id)},
        {"dueAt": None},
    ]
    for fields in steps:
        payload = await update(user_client, task["id"], **fields)
        assert payload["errors"] == [], payload["errors"]
        seen.append(await deal_dot(user_client, deal["id"]))
    await manager_client.mutate(COMPLETE_TASK_MUTATION, {"id": task["id"]})
    seen.append(await deal_dot(user_client, deal["id"]))

    # then every change shows on the deal; who does it does not change the dot
    assert [d["taskStatus"] for d in seen] == [
        "TODAY",
        "LATER",
        "OVERDUE",
        "OVERDUE",
        "LATER",
        "NONE",
    ]
    assignees = [d["tasks"][0]["assignee"]["id"] for d in seen]
    assert assignees[:3] == [global_id("User", team.user.id)] * 3
    assert assignees[3:] == [global_id("User", team.manager.id)] * 3
    assert seen[-2]["tasks"][0]["dueAt"] is None


async def test_a_task_a_step_created_is_an_ordinary_task(
    team: Team, user_client, manager_client, frozen_clock
):
    # given a deal whose "Send proposal" step made its follow-up task (due in 3 days)
    await in_zone(team, TOKYO)
    deal = await create_deal(user_client)
    step = (await steps_by_name(user_client))["Send proposal"]
    completed = await user_client.mutate(
        COMPLETE_STEP_MUTATION, {"input": {"dealId": deal["id"], "stepId": step, "note": "Sent"}}
    )
    (task,) = completed["deal"]["tasks"]

    # when a manager moves it to a minute ago, and its assignee then completes it
    moved = await update(
        manager_client, task["id"], dueAt=iso(frozen_clock.now - timedelta(minutes=1))
    )
    overdue = await deal_dot(user_client, deal["id"])
    await user_client.mutate(COMPLETE_TASK_MUTATION, {"id": task["id"]})

    # then it behaves like any other task
    assert completed["deal"]["taskStatus"] == "LATER"
    assert moved["errors"] == []
    assert overdue["taskStatus"] == "OVERDUE"
    assert (await deal_dot(user_client, deal["id"]))["taskStatus"] == "NONE"
    kinds = [event["kind"] for event in await history(user_client, deal["id"])]
    assert kinds[:2] == ["TASK_COMPLETED", "TASK_UPDATED"] and "TASK_CREATED" in kinds


# --- updateTask --------------------------------------------------------------------------


async def test_update_renames_reschedules_and_reassigns_a_deal_task(
    team: Team, user_client, manager_client, frozen_clock
):
    # given a task on the user's deal, assigned to themselves
    deal = await create_deal(user_client)
    due = frozen_clock.now + timedelta(hours=2)
    task = await new_task(user_client, dealId=deal["id"], dueAt=iso(due))
    new_due = frozen_clock.now + timedelta(days=2)

    # when the user renames it, moves it by two days and gives it to the manager
    payload = await update(
        user_client,
        task["id"],
        title="  Call the CFO ",
        dueAt=iso(new_due),
        assigneeId=global_id("User", team.manager.id),
    )

    # then the task changed, the history says how, and the manager was told
    assert payload["errors"] == []
    assert payload["task"] == {
        "id": task["id"],
        "title": "Call the CFO",
        "dueAt": iso(new_due),
        "done": False,
        "assignee": {"id": global_id("User", team.manager.id)},
        "deal": {"id": deal["id"]},
    }
    (latest, *_) = await history(user_client, deal["id"])
    assert latest["kind"] == "TASK_UPDATED"
    assert latest["actor"] == {"id": global_id("User", team.user.id)}
    assert latest["changes"] == [
        {"field": "title", "from": "Call back", "to": "Call the CFO"},
        {"field": "dueAt", "from": task["dueAt"], "to": iso(new_due)},
        {"field": "assignee", "from": "Sam Seller", "to": "Maria Manager"},
    ]
    told = await Notification.filter(kind="TASK_ASSIGNED").values_list("recipient_id", "message")
    assert told == [
        (team.manager.id, 'Sam Seller gave you the task "Call the CFO" on "Fleet renewal".')
    ]
    mine = (await manager_client.data(MY_TASKS_QUERY))["myTasks"]
    assert [t["id"] for t in mine] == [task["id"]]


async def test_update_a_task_without_a_deal(team: Team, user_client, manager_client):
    # given a task of the user's own, about no deal
    task = await new_task(user_client, dueAt="2030-01-01T09:00:00+00:00")

    # when its due time is cleared, then it is given to the manager
    cleared = await update(user_client, task["id"], dueAt=None)
    given = await update(user_client, task["id"], assigneeId=global_id("User", team.manager.id))

    # then both changes stick; no deal, so no history and nobody to tell about a deal
    assert cleared["errors"] == [] and cleared["task"]["dueAt"] is None
    assert cleared["task"]["title"] == "Call back" and cleared["task"]["deal"] is None
    assert given["errors"] == []
    assert given["task"]["assignee"] == {"id": global_id("User", team.manager.id)}
    assert given["task"]["dueAt"] is None
    stored = await Task.get()
    assert (stored.assignee_id, stored.due_at, stored.created_by_id) == (
        team.manager.id,
        None,
        team.user.id,
    )
    assert not await Event.exists()
    assert not await Notification.exists()


async def test_left_out_fields_keep_their_value_and_no_change_writes_nothing(
    team: Team, user_client
):
    # given a task on a deal, due at 14:30 UTC
    deal = await create_deal(user_client)
    task = await new_task(user_client, dealId=deal["id"], dueAt="2030-03-10T14:30:00+00:00")
    events = await Event.filter(deal_id__not_isnull=True).count()

    # when updates leave everything as it is: nothing given, null title and assignee,
    # the same values, the same instant written in Tokyo's offset
    answers = [
        await update(user_client, task["id"]),
        await update(user_client, task["id"], title=None, assigneeId=None),
        await update(
            user_client,
            task["id"],
            title="Call back",
            dueAt="2030-03-10T23:30:00+09:00",
            assigneeId=global_id("User", team.user.id),
        ),
    ]

    # then each returns the task as it is, and no event is written
    assert [a["errors"] for a in answers] == [[], [], []]
    assert all(a["task"] == task for a in answers)
    assert await Event.filter(deal_id__not_isnull=True).count() == events


async def test_a_time_without_a_zone_is_utc(team: Team, user_client):
    # given a task
    task = await new_task(user_client)

    # when it is rescheduled to a time written without an offset
    payload = await update(user_client, task["id"], dueAt="2030-03-10T14:30:00")

    # then that time is read as UTC
    assert payload["errors"] == []
    assert payload["task"]["dueAt"] == "2030-03-10T14:30:00+00:00"
    assert (await Task.get()).due_at == datetime(2030, 3, 10, 14, 30, tzinfo=UTC)


async def test_unknown_and_hidden_tasks_read_alike(
    team: Team, rival: Team, user_client, manager_client, outsider_client
):
    # given the manager's own task, a task on the manager's private deal, and a user's task
    private_deal = await create_deal(manager_client, name="Quiet one")
    own = await new_task(manager_client, title="Private")
    on_private_deal = await new_task(manager_client, title="Hidden", dealId=private_deal["id"])
    users_task = await new_task(user_client, title="Mine")

    # when people who may not see them try to change or complete them
    attempts = [
        (user_client, own["id"]),
        (user_client, on_private_deal["id"]),
        (outsider_client, users_task["id"]),
        (user_client, global_id("Task", 2_000_000_000)),
        (user_client, private_deal["id"]),
        (user_client, "not an id"),
    ]
    updated = [await update(c, task_id, title="Mine now") for c, task_id in attempts]
    completed = [await c.mutate(COMPLETE_TASK_MUTATION, {"id": task_id}) for c, task_id in attempts]

    # then every answer is the same NOT_FOUND, and nothing changed
    assert [u["errors"] for u in updated] == [not_found("Task", "id")] * len(attempts)
    assert [u["task"] for u in updated] == [None] * len(attempts)
    assert [c["errors"] for c in completed] == [not_found("Task", "id")] * len(attempts)
    assert await Task.filter(done=False).count() == 3
    assert not await Task.filter(title="Mine now").exists()


async def test_readers_of_a_public_deal_may_not_change_its_tasks(
    team: Team, user_client, manager_client
):
    # given the manager's public deal, with the manager's task on it
    deal = await create_deal(manager_client, isPublic=True)
    task = await new_task(manager_client, dealId=deal["id"])

    # when the user, who may read the deal but not work on it, tries to change the task
    updated = await update(user_client, task["id"], title="Mine")
    completed = await user_client.mutate(COMPLETE_TASK_MUTATION, {"id": task["id"]})
    listed = (await deal_dot(user_client, deal["id"]))["tasks"]

    # then the user sees the task but is refused
    assert [t["id"] for t in listed] == [task["id"]]
    assert [e["code"] for e in updated["errors"]] == ["FORBIDDEN"]
    assert [e["code"] for e in completed["errors"]] == ["FORBIDDEN"]
    assert (await Task.get()).title == "Call back" and not (await Task.get()).done


async def test_a_done_task_is_not_updated(team: Team, user_client):
    # given a done task
    task = await new_task(user_client)
    await user_client.mutate(COMPLETE_TASK_MUTATION, {"id": task["id"]})

    # when someone renames it
    payload = await update(user_client, task["id"], title="Again")

    # then it is refused
    assert payload["errors"] == [
        {"code": "VALIDATION", "message": "The task is done.", "field": ["input", "id"]}
    ]
    assert (await Task.get()).title == "Call back"


@pytest.mark.parametrize("title", ["", "   ", "x" * 201])
async def test_the_title_is_checked_as_createTask_checks_it(team: Team, user_client, title):
    # given a task
    task = await new_task(user_client)

    # when it is renamed to an empty or too long title, and a task is created with it
    updated = await update(user_client, task["id"], title=title)
    created = await user_client.mutate(CREATE_TASK_MUTATION, {"input": {"title": title}})

    # then both answer alike
    assert [(e["code"], e["field"]) for e in updated["errors"]] == [
        ("VALIDATION", ["input", "title"])
    ]
    assert updated["errors"] == created["errors"]
    assert (await Task.get()).title == "Call back"


async def test_a_new_assignee_must_be_an_active_member(
    team: Team, rival: Team, user_client, password_hash
):
    # given a task on the user's deal, a deactivated colleague and a rival's user
    deal = await create_deal(user_client, isPublic=True)
    task = await new_task(user_client, dealId=deal["id"])
    gone = await User.create(
        workspace_id=team.workspace.id,
        email="gone@example.com",
        name="Gone",
        role=Role.MANAGER,
        password_hash=password_hash,
        active=False,
    )

    # when the task is given to each of them, or to a process's id
    answers = [
        await update(user_client, task["id"], assigneeId=global_id("User", user_id))
        for user_id in (gone.id, rival.user.id, rival.admin.id, 2_000_000_000)
    ]
    answers.append(await update(user_client, task["id"], assigneeId=deal["id"]))

    # then every answer is "User not found.", and nothing changed
    assert [a["errors"] for a in answers] == [not_found("User", "assigneeId")] * 5
    assert (await Task.get()).assignee_id == team.user.id
    assert (await history(user_client, deal["id"]))[0]["kind"] == "TASK_CREATED"


async def test_reassigning_to_someone_who_cannot_see_the_deal_changes_nothing(
    team: Team, user_client, manager_client
):
    # given a task on the manager's private deal
    deal = await create_deal(manager_client, name="Quiet one")
    task = await new_task(manager_client, dealId=deal["id"], dueAt="2030-01-01T09:00:00+00:00")

    # when the manager renames it and gives it to the user, who may not see the deal
    payload = await update(
        manager_client, task["id"], title="Renamed", assigneeId=global_id("User", team.user.id)
    )

    # then it is refused as a whole: no rename, no event, nobody told
    assert [(e["code"], e["field"]) for e in payload["errors"]] == [
        ("VALIDATION", ["input", "assigneeId"])
    ]
    stored = await Task.get()
    assert (stored.title, stored.assignee_id) == ("Call back", team.manager.id)
    assert (await history(manager_client, deal["id"]))[0]["kind"] == "TASK_CREATED"
    assert not await Notification.exists()
    assert (await user_client.data(MY_TASKS_QUERY))["myTasks"] == []


async def test_people_on_the_deal_and_the_author_may_change_a_task(
    team: Team, user_client, manager_client, admin_client
):
    # given a task the manager gave the user on the user's deal
    deal = await create_deal(user_client)
    task = await new_task(
        manager_client, dealId=deal["id"], assigneeId=global_id("User", team.user.id)
    )

    # when its assignee, its author, and an admin (who may edit every deal) change it
    answers = [
        await update(user_client, task["id"], title="By the assignee"),
        await update(manager_client, task["id"], title="By the author"),
        await update(admin_client, task["id"], title="By an admin"),
    ]

    # then each change is made and recorded
    assert [a["errors"] for a in answers] == [[], [], []]
    titles = [
        c["to"]
        for event in await history(user_client, deal["id"])
        if event["kind"] == "TASK_UPDATED"
        for c in event["changes"]
    ]
    assert titles == ["By an admin", "By the author", "By the assignee"]


async def test_an_assignee_who_left_the_deal_may_still_finish_the_task(
    team: Team, user_client, manager_client
):
    # given the user had a task on the manager's private deal, then was taken off the deal
    deal = await create_deal(manager_client, name="Quiet one")
    user_id = global_id("User", team.user.id)
    await manager_client.mutate(
        ADD_PARTICIPANT_MUTATION, {"input": {"dealId": deal["id"], "userId": user_id}}
    )
    task = await new_task(manager_client, dealId=deal["id"], assigneeId=user_id)
    await manager_client.mutate(
        REMOVE_PARTICIPANT_MUTATION, {"input": {"dealId": deal["id"], "userId": user_id}}
    )

    # when the user reschedules it, and then completes it
    moved = await update(user_client, task["id"], dueAt="2030-01-01T09:00:00+00:00")
    done = await user_client.mutate(COMPLETE_TASK_MUTATION, {"id": task["id"]})

    # then both work, the deal stays hidden, and its history records both
    assert moved["errors"] == [] and moved["task"]["deal"] is None
    assert done["errors"] == [] and done["task"]["done"] is True
    kinds = [e["kind"] for e in await history(manager_client, deal["id"])]
    assert kinds[:2] == ["TASK_COMPLETED", "TASK_UPDATED"]


async def test_concurrent_changes_of_one_task_serialise(team: Team, user_client, manager_client):
    # given a task on a deal, and twenty clients moving it, completing it, and working on
    # the deal's steps at the same time (PostgreSQL locks for real; SQLite has one writer)
    deal = await create_deal(user_client)
    task = await new_task(user_client, dealId=deal["id"], dueAt="2030-01-01T00:00:00+00:00")
    step = (await steps_by_name(user_client))["Confirm budget"]
    calls = []
    for n in range(20):
        client = user_client if n % 2 else manager_client
        if n == 13:
            calls.append(client.mutate(COMPLETE_TASK_MUTATION, {"id": task["id"]}))
        elif n % 5 == 4:
            variables = {"input": {"dealId": deal["id"], "stepId": step}}
            calls.append(client.mutate(COMPLETE_STEP_MUTATION, variables))
        else:
            calls.append(update(client, task["id"], dueAt=f"2030-01-{n + 2:02d}T00:00:00+00:00"))

    # when they all run at once
    payloads = await asyncio.gather(*calls)

    # then each move saw the one before it, and none came after the completion
    done = [{"code": "VALIDATION", "message": "The task is done.", "field": ["input", "id"]}]
    assert all(p["errors"] in ([], done) for p in payloads), payloads
    events = await Event.filter(kind__startswith="TASK_").order_by("id").values_list("kind", "data")
    moves = [data["changes"][0] for kind, data in events if kind == "TASK_UPDATED"]
    assert [kind for kind, _ in events][-1] == "TASK_COMPLETED"
    chain = [task["dueAt"], *(move["to"] for move in moves)]
    assert [move["from"] for move in moves] == chain[:-1]
    assert sum(1 for p in payloads if p["errors"] == done) == 15 - len(moves)
    stored = await Task.get()
    assert stored.done and stored.due_at is not None and iso(stored.due_at) == chain[-1]
