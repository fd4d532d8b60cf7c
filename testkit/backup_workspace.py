"""A workspace with a bit of everything, built through the real API (over any HTTP
transport: the test app in-process, or a `dealflow serve` of its own), and what the API
answers about it, ids left out, to compare before and after a move."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from testkit.clients import GraphQLClient
from testkit.deals import complete_with_file, create_deal
from testkit.documents import (
    ADD_PARTICIPANT_MUTATION,
    ANSWER_ACCESS_MUTATION,
    BOARD_QUERY,
    CANCEL_DEAL_MUTATION,
    CLAIM_LEAD_MUTATION,
    COMPLETE_STEP_MUTATION,
    COMPLETE_TASK_MUTATION,
    CREATE_LEAD_MUTATION,
    CREATE_PROCESS_MUTATION,
    CREATE_PRODUCT_MUTATION,
    CREATE_TASK_MUTATION,
    CREATE_USER_MUTATION,
    DEAL_QUERY,
    DEALS_QUERY,
    DELETE_DEAL_MUTATION,
    DELETED_DEALS_QUERY,
    DISQUALIFY_LEAD_MUTATION,
    HISTORY_QUERY,
    LEADS_QUERY,
    LOGIN_MUTATION,
    LOSE_DEAL_MUTATION,
    MY_TASKS_QUERY,
    PROCESSES_QUERY,
    PRODUCTS_QUERY,
    QUALIFY_LEAD_MUTATION,
    REMOVE_PARTICIPANT_MUTATION,
    REQUEST_ACCESS_MUTATION,
    SET_DEAL_PUBLIC_MUTATION,
    SET_LINE_ITEMS_MUTATION,
    UNCOMPLETE_STEP_MUTATION,
    UPDATE_LEAD_MUTATION,
    UPDATE_PROCESS_MUTATION,
    UPDATE_PRODUCT_MUTATION,
    UPDATE_TASK_MUTATION,
    USERS_QUERY,
    WIN_DEAL_MUTATION,
)
from testkit.teams import PASSWORD

NOTIFICATIONS_QUERY = """
query { unreadNotificationCount notifications(first: 50) { edges { node {
  kind message readAt createdAt deal { name } step { name } actor { email } } } } }
"""
MARK_ALL_READ_MUTATION = (
    "mutation { markNotificationsRead(input: {all: true}) { unreadCount errors { code } } }"
)
# Not compared: ids differ between databases by design.
IDS = {"id", "cursor", "endCursor"}

BRIEF = b"%PDF-1.4 the signed brief"
BARN_BRIEF = b"%PDF-1.4 the barn brief"
DRAFT_OFFER = b"%PDF-1.4 a draft offer, withdrawn"


async def log_in(http: httpx.AsyncClient, email: str) -> GraphQLClient:
    payload = await GraphQLClient(http).mutate(
        LOGIN_MUTATION, {"email": email, "password": PASSWORD}
    )
    assert payload["errors"] == [], payload["errors"]
    return GraphQLClient(http, payload["token"])


async def log_in_all(http: httpx.AsyncClient, emails: dict[str, str]) -> dict[str, GraphQLClient]:
    return {who: await log_in(http, email) for who, email in emails.items()}


async def ok(client: GraphQLClient, document: str, variables: dict[str, Any]) -> dict[str, Any]:
    payload = await client.mutate(document, variables)
    assert payload["errors"] == [], payload["errors"]
    return payload


def _projects(user_ids: dict[str, str]) -> list[dict[str, Any]]:
    return [
        {
            "name": "Scoping",
            "rottenAfterDays": 30,
            "steps": [
                {"name": "Brief", "weight": 10, "mandatory": True, "requireNote": "NOTE_WITH_FILE"},
                {
                    "name": "Site visit",
                    "weight": 10,
                    "whoCanPerform": "SELECTED_USERS",
                    "performerIds": [user_ids["manager"], user_ids["seller"]],
                    "notify": ["SELECTED_USERS", "PARTICIPANTS"],
                    "notifyUserIds": [user_ids["manager"]],
                    "triggerTask": {
                        "title": "Send the visit summary",
                        "dueInDays": 2,
                        "assignee": "DEAL_OWNER",
                    },
                },
            ],
        },
        {"name": "Offer", "steps": [{"name": "Offer sent", "weight": 20}]},
        {"name": "Legacy", "steps": [{"name": "Old habit", "weight": 5}]},
    ]


async def build_rich_workspace(admin: GraphQLClient, admin_email: str) -> dict[str, str]:
    """Processes (one with an archived stage and step), deals open, won, lost,
    cancelled and in the trash, completions with notes and files (one file left only in
    history), costs, participants, tasks, access requests, notifications (some read),
    history. Returns the users' emails (admin, manager, seller, outsider): their
    password is `PASSWORD`."""
    tag = uuid.uuid4().hex[:8]
    emails = {"admin": admin_email}
    for who, role, name in (
        ("manager", "MANAGER", "Mona Manager"),
        ("seller", "USER", "Sam Seller"),
        ("outsider", "USER", "Olga Outside"),
    ):
        emails[who] = f"{who}-{tag}@moving.example"
        await ok(
            admin,
            CREATE_USER_MUTATION,
            {"input": {"email": emails[who], "name": name, "role": role, "password": PASSWORD}},
        )
    by_email = {u["email"]: u["id"] for u in (await admin.data(USERS_QUERY))["users"]}
    ids = {who: by_email[email] for who, email in emails.items()}
    clients = await log_in_all(admin.http, {w: e for w, e in emails.items() if w != "admin"})
    manager, seller, outsider = clients["manager"], clients["seller"], clients["outsider"]

    for name, code, price in (("Solar panel", "SP-1", "250.00"), ("Old inverter", None, "80.10")):
        await ok(
            manager,
            CREATE_PRODUCT_MUTATION,
            {"input": {"name": name, "code": code, "unitPrice": price}},
        )
    catalogue = (await manager.data(PRODUCTS_QUERY))["products"]
    (panel,) = [p for p in catalogue if p["code"] == "SP-1"]
    (old_inverter,) = [p for p in catalogue if p["code"] is None]

    stages = _projects(ids)
    made = await ok(
        admin, CREATE_PROCESS_MUTATION, {"input": {"name": "Projects", "stages": stages}}
    )
    process = made["process"]
    steps = {s["name"]: s["id"] for st in process["stages"] for s in st["steps"]}

    roof = await create_deal(
        seller,
        name="Solar roof",
        company="Green Farm",
        contactPerson="Jan Rolnik",
        value="40000.00",
        source="Fair",
        expectedCloseDate="2027-03-31",
        processId=process["id"],
        participantIds=[ids["manager"]],
        costs=[{"name": "Panels", "amount": "12000.50"}, {"name": "Crane", "amount": "800.00"}],
    )
    items = [
        {"productId": panel["id"], "quantity": "160", "discountPercent": "2.5"},
        {"productId": old_inverter["id"], "quantity": "1.5"},
        {"name": "Installation", "quantity": "1", "unitPrice": "1000.00"},
    ]
    await ok(
        seller,
        SET_LINE_ITEMS_MUTATION,
        {"input": {"dealId": roof["id"], "version": roof["version"], "items": items}},
    )
    # archived after it was sold: the item still names it
    await ok(
        manager, UPDATE_PRODUCT_MUTATION, {"input": {"id": old_inverter["id"], "active": False}}
    )
    assert (
        await complete_with_file(
            seller, roof["id"], steps["Brief"], BRIEF, "Signed on site", name="document.pdf"
        )
    )["errors"] == []
    for step in ("Site visit", "Old habit"):
        await ok(
            seller,
            COMPLETE_STEP_MUTATION,
            {"input": {"dealId": roof["id"], "stepId": steps[step], "note": f"{step}: done"}},
        )
    assert (
        await complete_with_file(
            seller, roof["id"], steps["Offer sent"], DRAFT_OFFER, "Draft", name="document.pdf"
        )
    )["errors"] == []
    await ok(
        seller,
        UNCOMPLETE_STEP_MUTATION,
        {"input": {"dealId": roof["id"], "stepId": steps["Offer sent"]}},
    )
    # The "Legacy" stage and its step are left out: archived, with the roof's completion.
    for stage, stored in zip(stages, process["stages"], strict=True):
        stage["id"] = stored["id"]
        for step, stored_step in zip(stage["steps"], stored["steps"], strict=True):
            step["id"] = stored_step["id"]
    await ok(
        admin,
        UPDATE_PROCESS_MUTATION,
        {"input": {"id": process["id"], "name": "Projects", "stages": stages[:2]}},
    )

    joining = {"input": {"dealId": roof["id"], "userId": ids["outsider"]}}
    await ok(manager, ADD_PARTICIPANT_MUTATION, joining)
    await ok(manager, REMOVE_PARTICIPANT_MUTATION, joining)
    due = (datetime.now(UTC) + timedelta(days=3)).isoformat()
    call = await ok(
        seller,
        CREATE_TASK_MUTATION,
        {
            "input": {
                "title": "Call",
                "dueAt": due,
                "dealId": roof["id"],
                "assigneeId": ids["manager"],
            }
        },
    )
    await ok(
        seller, UPDATE_TASK_MUTATION, {"input": {"id": call["task"]["id"], "title": "Call Jan"}}
    )
    await ok(seller, CREATE_TASK_MUTATION, {"input": {"title": "Renew the van insurance"}})
    triggered = [t for t in (await seller.data(MY_TASKS_QUERY))["myTasks"] if t["deal"]]
    await ok(seller, COMPLETE_TASK_MUTATION, {"id": triggered[0]["id"]})

    barn = await create_deal(seller, name="Barn lights", value="8000.00", processId=process["id"])
    assert (
        await complete_with_file(
            seller,
            barn["id"],
            steps["Brief"],
            BARN_BRIEF,
            "Brief for the barn",
            name="document.pdf",
        )
    )["errors"] == []
    await ok(seller, WIN_DEAL_MUTATION, {"id": barn["id"]})
    pump = await create_deal(seller, name="Heat pump", value="15000.00")
    await ok(seller, SET_DEAL_PUBLIC_MUTATION, {"input": {"dealId": pump["id"], "isPublic": True}})
    await ok(
        seller, LOSE_DEAL_MUTATION, {"input": {"dealId": pump["id"], "reason": "Cheaper rival"}}
    )
    turbine = await create_deal(manager, name="Wind turbine", value="90000.00")
    await ok(
        manager, CANCEL_DEAL_MUTATION, {"input": {"dealId": turbine["id"], "reason": "Dropped"}}
    )
    duplicate = await create_deal(seller, name="Solar roof (duplicate)", value="1.00")
    await ok(seller, DELETE_DEAL_MUTATION, {"id": duplicate["id"]})

    tender = await create_deal(manager, name="Secret tender", value="250000.00")
    await ok(outsider, REQUEST_ACCESS_MUTATION, {"id": tender["id"]})
    asked = await ok(seller, REQUEST_ACCESS_MUTATION, {"id": tender["id"]})
    await ok(
        manager,
        ANSWER_ACCESS_MUTATION,
        {"input": {"requestId": asked["request"]["id"], "grant": True}},
    )
    await _leads(manager, seller, ids, roof["id"], process["id"])
    await ok(manager, MARK_ALL_READ_MUTATION, {})
    return emails


async def _leads(
    manager: GraphQLClient,
    seller: GraphQLClient,
    ids: dict[str, str],
    roof_id: str,
    process_id: str,
) -> None:
    """One lead in each status: in the pool, contacted, qualified into a new deal with
    items and into the solar roof, disqualified."""
    await ok(
        manager,
        CREATE_LEAD_MUTATION,
        {"input": {"name": "Ewa Nowak", "email": "ewa@farm.example", "source": "Web form"}},
    )
    called = await ok(
        seller,
        CREATE_LEAD_MUTATION,
        {"input": {"name": "Piotr", "company": "Mill & Co", "ownerId": ids["seller"]}},
    )
    await ok(
        seller,
        UPDATE_LEAD_MUTATION,
        {"input": {"id": called["lead"]["id"], "version": 1, "status": "CONTACTED"}},
    )
    for name, company in (("Anna Sad", "Orchard"), ("Roof friend", None), ("Spam", None)):
        made = await ok(seller, CREATE_LEAD_MUTATION, {"input": {"name": name, "company": company}})
        lead_id = made["lead"]["id"]
        await ok(seller, CLAIM_LEAD_MUTATION, {"id": lead_id})
        if name == "Anna Sad":
            items = [{"name": "Audit", "quantity": "2", "unitPrice": "450.00"}]
            await ok(
                seller,
                QUALIFY_LEAD_MUTATION,
                {"input": {"leadId": lead_id, "processId": process_id, "lineItems": items}},
            )
        elif name == "Roof friend":
            await ok(
                seller,
                QUALIFY_LEAD_MUTATION,
                {"input": {"leadId": lead_id, "existingDealId": roof_id}},
            )
        else:
            await ok(
                seller, DISQUALIFY_LEAD_MUTATION, {"input": {"leadId": lead_id, "reason": "Spam"}}
            )


def without_ids(answer: Any) -> Any:
    if isinstance(answer, dict):
        return {k: without_ids(v) for k, v in answer.items() if k not in IDS}
    if isinstance(answer, list):
        return [without_ids(item) for item in answer]
    return answer


async def what_the_api_says(clients: dict[str, GraphQLClient]) -> dict[str, Any]:
    """Users, processes, every deal with its history, the trash, every board, and each
    user's notifications and tasks: ids left out."""
    admin, manager = clients["admin"], clients["manager"]
    processes = (await admin.data(PROCESSES_QUERY))["processes"]
    deals = await manager.data(
        DEALS_QUERY, {"status": ["OPEN", "WON", "LOST", "CANCELLED"], "first": 50}
    )
    every_deal = {}
    for edge in deals["deals"]["edges"]:
        deal_id = edge["node"]["id"]
        deal = (await manager.data(DEAL_QUERY, {"id": deal_id}))["deal"]
        deal["history"] = (await manager.data(HISTORY_QUERY, {"id": deal_id, "first": 50}))["deal"][
            "history"
        ]
        every_deal[deal["name"]] = deal
    answer = {
        "users": (await admin.data(USERS_QUERY))["users"],
        "processes": processes,
        "deals": every_deal,
        "trash": (await admin.data(DELETED_DEALS_QUERY))["deletedDeals"],
        "boards": [
            (await manager.data(BOARD_QUERY, {"processId": p["id"]}))["board"] for p in processes
        ],
        "notifications": {who: await c.data(NOTIFICATIONS_QUERY) for who, c in clients.items()},
        "tasks": {who: await c.data(MY_TASKS_QUERY) for who, c in clients.items()},
        "products": (await manager.data(PRODUCTS_QUERY, {"includeArchived": True}))["products"],
        "leads": (await manager.data(LEADS_QUERY, {"first": 50}))["leads"],
    }
    found: dict[str, Any] = without_ids(answer)
    return found
