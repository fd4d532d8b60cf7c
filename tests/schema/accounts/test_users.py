"""Users over HTTP: `me`, `users`, and the administrators' changes."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from models.account import AuthToken, User
from resolvers.accounts import auth
from schema.ids import global_id
from testkit.clients import GraphQLClient
from testkit.documents import (
    CREATE_USER_MUTATION,
    LOGIN_MUTATION,
    ME_QUERY,
    NODE_QUERY,
    UPDATE_USER_MUTATION,
    USERS_QUERY,
)
from testkit.teams import PASSWORD, Team

NEW_USER = {
    "email": "New.Seller@Example.com",
    "name": "New Seller",
    "role": "USER",
    "password": "long enough",
}


async def test_me_and_users(team: Team, user_client: GraphQLClient):
    me = (await user_client.data(ME_QUERY))["me"]
    users = (await user_client.data(USERS_QUERY))["users"]

    assert me == {
        "id": global_id("User", team.user.id),
        "email": team.user.email,
        "name": "Sam Seller",
        "role": "USER",
        "active": True,
    }
    assert sorted(u["role"] for u in users) == ["ADMIN", "MANAGER", "USER"]


async def test_admin_creates_a_user_who_can_log_in(team: Team, admin_client, anonymous_client):
    payload = await admin_client.mutate(CREATE_USER_MUTATION, {"input": NEW_USER})

    assert payload["errors"] == []
    assert payload["user"]["email"] == "new.seller@example.com"
    assert payload["user"]["role"] == "USER" and payload["user"]["active"] is True
    login = await anonymous_client.mutate(
        LOGIN_MUTATION, {"email": "new.seller@example.com", "password": "long enough"}
    )
    assert login["errors"] == [] and login["user"]["id"] == payload["user"]["id"]
    assert (await User.get(email="new.seller@example.com")).workspace_id == team.workspace.id


@pytest.mark.parametrize("who", ["manager", "user"])
async def test_only_admins_manage_users(team: Team, http, who):
    client = team.client(http, who)

    created = await client.mutate(CREATE_USER_MUTATION, {"input": NEW_USER})
    updated = await client.mutate(
        UPDATE_USER_MUTATION, {"input": {"id": global_id("User", team.user.id), "role": "ADMIN"}}
    )

    assert [e["code"] for e in created["errors"]] == ["FORBIDDEN"]
    assert [e["code"] for e in updated["errors"]] == ["FORBIDDEN"]
    assert not await User.filter(email="new.seller@example.com").exists()
    await team.user.refresh_from_db()
    assert team.user.role == "USER"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"email": "not-an-email"}, "email"),
        ({"name": "  "}, "name"),
        ({"password": "short"}, "password"),
    ],
)
async def test_create_user_validation(admin_client, changes, field):
    payload = await admin_client.mutate(CREATE_USER_MUTATION, {"input": {**NEW_USER, **changes}})

    assert payload["user"] is None
    assert [(e["code"], e["field"]) for e in payload["errors"]] == [
        ("VALIDATION", ["input", field])
    ]


async def test_an_email_in_use_is_a_conflict(team: Team, rival: Team, admin_client):
    for taken in (team.manager.email, rival.user.email.upper()):
        payload = await admin_client.mutate(
            CREATE_USER_MUTATION, {"input": {**NEW_USER, "email": taken}}
        )
        assert [(e["code"], e["message"]) for e in payload["errors"]] == [
            ("CONFLICT", "This email address is already in use.")
        ]


async def test_admin_changes_name_and_role(team: Team, admin_client):
    payload = await admin_client.mutate(
        UPDATE_USER_MUTATION,
        {"input": {"id": global_id("User", team.user.id), "name": "Sam S.", "role": "MANAGER"}},
    )

    assert payload["errors"] == []
    assert payload["user"]["name"] == "Sam S." and payload["user"]["role"] == "MANAGER"
    assert payload["user"]["active"] is True


async def test_deactivating_ends_every_session(team: Team, admin_client, user_client):
    payload = await admin_client.mutate(
        UPDATE_USER_MUTATION, {"input": {"id": global_id("User", team.user.id), "active": False}}
    )

    assert payload["user"]["active"] is False
    body = await user_client.post(ME_QUERY)
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert not await AuthToken.filter(user=team.user, revoked_at=None).exists()
    # Reactivating does not bring the old sessions back.
    await admin_client.mutate(
        UPDATE_USER_MUTATION, {"input": {"id": global_id("User", team.user.id), "active": True}}
    )
    assert (await user_client.post(ME_QUERY))["data"]["me"] is None


async def test_password_reset_ends_sessions_and_sets_the_new_password(
    team: Team, admin_client, user_client, anonymous_client
):
    await admin_client.mutate(
        UPDATE_USER_MUTATION,
        {"input": {"id": global_id("User", team.user.id), "password": "brand new secret"}},
    )

    assert (await user_client.post(ME_QUERY))["data"]["me"] is None
    old = await anonymous_client.mutate(
        LOGIN_MUTATION, {"email": team.user.email, "password": PASSWORD}
    )
    new = await anonymous_client.mutate(
        LOGIN_MUTATION, {"email": team.user.email, "password": "brand new secret"}
    )
    assert old["errors"][0]["code"] == "INVALID_CREDENTIALS"
    assert new["errors"] == []


@pytest.mark.parametrize("change", [{"role": "MANAGER"}, {"active": False}])
async def test_the_last_active_admin_stays(team: Team, admin_client, change):
    payload = await admin_client.mutate(
        UPDATE_USER_MUTATION, {"input": {"id": global_id("User", team.admin.id), **change}}
    )

    assert payload["user"] is None
    assert payload["errors"][0]["code"] == "CONFLICT"
    await team.admin.refresh_from_db()
    assert team.admin.role == "ADMIN" and team.admin.active is True


async def test_an_admin_may_step_down_when_another_admin_remains(team: Team, admin_client):
    await admin_client.mutate(
        UPDATE_USER_MUTATION, {"input": {"id": global_id("User", team.manager.id), "role": "ADMIN"}}
    )

    payload = await admin_client.mutate(
        UPDATE_USER_MUTATION, {"input": {"id": global_id("User", team.admin.id), "role": "USER"}}
    )

    assert payload["errors"] == [] and payload["user"]["role"] == "USER"


async def test_node_resolves_users_of_the_workspace(team: Team, user_client):
    node = (await user_client.data(NODE_QUERY, {"id": global_id("User", team.admin.id)}))["node"]

    assert node == {
        "__typename": "User",
        "id": global_id("User", team.admin.id),
        "email": team.admin.email,
    }
    for nonsense in ("", "garbage", global_id("EventCursor", 1), global_id("User", 10**12)):
        assert (await user_client.data(NODE_QUERY, {"id": nonsense}))["node"] is None


async def test_two_admins_demoting_each_other_at_once_leave_one_admin(team: Team, http):
    second = await User.create(
        workspace=team.workspace,
        email=f"second-admin-{team.workspace.id}@example.com",
        name="Second Admin",
        role="ADMIN",
        password_hash=team.admin.password_hash,
    )
    token, _ = await auth.issue_token(second, timedelta(hours=1))
    first_client = team.client(http, "admin")
    second_client = GraphQLClient(http, token)

    answers = await asyncio.gather(
        first_client.mutate(
            UPDATE_USER_MUTATION, {"input": {"id": global_id("User", second.id), "role": "USER"}}
        ),
        second_client.mutate(
            UPDATE_USER_MUTATION,
            {"input": {"id": global_id("User", team.admin.id), "role": "USER"}},
        ),
    )

    admins = await User.filter(workspace=team.workspace, role="ADMIN", active=True).count()
    assert admins == 1
    assert sorted(bool(a["errors"]) for a in answers) == [False, True]


async def test_concurrent_creation_of_one_email_is_a_conflict_not_a_crash(admin_client):
    answers = await asyncio.gather(
        *(admin_client.mutate(CREATE_USER_MUTATION, {"input": NEW_USER}) for _ in range(3))
    )

    assert sum(1 for a in answers if a["errors"] == []) == 1
    assert {e["code"] for a in answers for e in a["errors"]} == {"CONFLICT"}
