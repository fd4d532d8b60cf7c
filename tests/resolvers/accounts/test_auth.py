"""Logging in and out over HTTP: tokens, expiry, revocation and throttling."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import httpx

from models.account import AuthToken, LoginFailure, Role
from resolvers.accounts import auth, display_tokens
from resolvers.accounts.auth import token_digest
from testkit.clients import GraphQLClient
from testkit.documents import LOGIN_MUTATION, LOGOUT_MUTATION, ME_QUERY
from testkit.ids import pk
from testkit.teams import PASSWORD, Team, second_seller


async def test_login_returns_a_token_that_authenticates(team: Team, anonymous_client):
    payload = await anonymous_client.mutate(
        LOGIN_MUTATION, {"email": team.admin.email.upper(), "password": PASSWORD}
    )

    assert payload["errors"] == []
    assert payload["user"]["email"] == team.admin.email
    token = payload["token"]
    me = await GraphQLClient(anonymous_client.http, token).data(ME_QUERY)
    assert me["me"]["email"] == team.admin.email
    stored = await AuthToken.filter(user=team.admin).values_list("token_hash", flat=True)
    assert token_digest(token) in stored
    assert token not in stored, "the token itself is never stored"


async def test_wrong_password_unknown_email_and_inactive_user_read_alike(
    team: Team, anonymous_client
):
    team.user.active = False
    await team.user.save()
    answers = []
    for email, password in (
        (team.admin.email, "not the password"),
        ("nobody@example.com", PASSWORD),
        (team.user.email, PASSWORD),
    ):
        payload = await anonymous_client.mutate(
            LOGIN_MUTATION, {"email": email, "password": password}
        )
        assert payload["token"] is None and payload["user"] is None
        answers.append(payload["errors"])

    assert answers[0] == answers[1] == answers[2]
    assert answers[0][0]["code"] == "INVALID_CREDENTIALS"


async def test_failed_logins_are_throttled_per_email_and_address(team: Team, anonymous_client):
    for _ in range(5):
        payload = await anonymous_client.mutate(
            LOGIN_MUTATION, {"email": team.admin.email, "password": "wrong password"}
        )
        assert payload["errors"][0]["code"] == "INVALID_CREDENTIALS"

    blocked = await anonymous_client.mutate(
        LOGIN_MUTATION, {"email": team.admin.email, "password": PASSWORD}
    )

    assert blocked["token"] is None
    assert blocked["errors"][0]["code"] == "RATE_LIMITED"
    assert blocked["errors"][0]["retryAfter"] > 0
    assert await LoginFailure.filter(email=team.admin.email).count() == 5, "refused ones do not"


def _client_at(app, address: str) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, client=(address, 4000))
    return httpx.AsyncClient(transport=transport, base_url="http://dealflow.test")


async def test_failed_logins_are_throttled_per_client_address(team: Team, app):
    async with _client_at(app, "198.51.100.9") as http:
        client = GraphQLClient(http)
        for n in range(30):
            await client.mutate(
                LOGIN_MUTATION, {"email": f"guess{n}@example.com", "password": "x" * 8}
            )
        blocked = await client.mutate(
            LOGIN_MUTATION, {"email": team.manager.email, "password": PASSWORD}
        )
    async with _client_at(app, "198.51.100.10") as http:
        elsewhere = await GraphQLClient(http).mutate(
            LOGIN_MUTATION, {"email": team.manager.email, "password": PASSWORD}
        )

    assert blocked["errors"][0]["code"] == "RATE_LIMITED"
    assert elsewhere["errors"] == [] and elsewhere["token"]


async def test_old_failures_fall_out_of_the_window(team: Team, anonymous_client):
    for _ in range(5):
        await LoginFailure.create(email=team.admin.email, address="203.0.113.7")
    await LoginFailure.all().update(at=datetime.now(UTC) - timedelta(hours=1))

    payload = await anonymous_client.mutate(
        LOGIN_MUTATION, {"email": team.admin.email, "password": PASSWORD}
    )

    assert payload["errors"] == [] and payload["token"]


async def test_logout_revokes_the_token(admin_client: GraphQLClient):
    payload = await admin_client.mutate(LOGOUT_MUTATION)
    assert payload == {"ok": True, "errors": []}

    after = await admin_client.post(ME_QUERY)

    assert after["data"]["me"] is None
    assert after["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_expired_token_is_refused(team: Team, admin_client: GraphQLClient):
    await AuthToken.filter(user=team.admin).update(
        expires_at=datetime.now(UTC) - timedelta(seconds=1)
    )

    body = await admin_client.post(ME_QUERY)

    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_missing_or_malformed_token_is_unauthenticated(http: httpx.AsyncClient, orm):
    for headers in ({}, {"authorization": "Bearer nonsense"}, {"authorization": "Basic abc"}):
        response = await http.post("/graphql", json={"query": ME_QUERY}, headers=headers)
        body = response.json()
        assert response.status_code == 200
        assert body["data"] == {"me": None}
        assert [e["extensions"]["code"] for e in body["errors"]] == ["UNAUTHENTICATED"]


async def test_deactivated_user_token_stops_working_at_once(team: Team, user_client: GraphQLClient):
    assert (await user_client.data(ME_QUERY))["me"]["email"] == team.user.email
    team.user.active = False
    await team.user.save()

    body = await user_client.post(ME_QUERY)

    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_a_failed_login_prunes_failures_older_than_the_window(team: Team, anonymous_client):
    await LoginFailure.create(email="someone@example.com", address="192.0.2.1")
    await LoginFailure.all().update(at=datetime.now(UTC) - timedelta(hours=1))

    await anonymous_client.mutate(LOGIN_MUTATION, {"email": team.admin.email, "password": "nope"})

    assert await LoginFailure.all().values_list("email", flat=True) == [team.admin.email]


async def test_parallel_guesses_cannot_slip_under_the_limit(team: Team, anonymous_client):
    guesses = [
        anonymous_client.mutate(
            LOGIN_MUTATION, {"email": team.manager.email, "password": f"guess {n}"}
        )
        for n in range(20)
    ]

    answers = await asyncio.gather(*guesses)

    codes = [a["errors"][0]["code"] for a in answers]
    assert codes.count("INVALID_CREDENTIALS") <= 5
    assert codes.count("RATE_LIMITED") >= 15
    assert await LoginFailure.filter(email=team.manager.email).count() <= 5


async def _login_from(app, address: str, email: str, password: str) -> dict:
    async with _client_at(app, address) as http:
        return await GraphQLClient(http).mutate(
            LOGIN_MUTATION, {"email": email, "password": password}
        )


async def test_an_attacker_cannot_lock_the_owner_out(team: Team, app, frozen_clock):
    attacker, owner = "198.51.100.66", "192.0.2.10"
    for n in range(20):
        await _login_from(app, attacker, team.admin.email, f"guess {n}")

    hammered = await _login_from(app, attacker, team.admin.email, PASSWORD)
    at_home = await _login_from(app, owner, team.admin.email, PASSWORD)

    assert hammered["errors"][0]["code"] == "RATE_LIMITED" and hammered["token"] is None
    assert at_home["errors"] == [] and at_home["token"]


async def test_refused_attempts_do_not_prolong_the_wait(team: Team, app, frozen_clock):
    address = "198.51.100.67"
    for n in range(5):
        await _login_from(app, address, team.manager.email, f"guess {n}")
    waits = []
    for _ in range(3):
        frozen_clock.now += timedelta(minutes=4)
        refused = await _login_from(app, address, team.manager.email, PASSWORD)
        assert refused["errors"][0]["code"] == "RATE_LIMITED"
        waits.append(refused["errors"][0]["retryAfter"])

    frozen_clock.now += timedelta(seconds=waits[-1])
    after_the_wait = await _login_from(app, address, team.manager.email, PASSWORD)

    assert waits == [660, 420, 180], "the wait counts down; refusals do not renew it"
    assert after_the_wait["errors"] == [] and after_the_wait["token"]


async def test_guessing_one_email_from_many_addresses_is_slowed(team: Team, app, frozen_clock):
    """Each address's first guess is checked (the owner's clean address is one such);
    after five failures of the email, an address that has failed waits before its next
    guess is checked, twice as long for each failure more."""
    email = team.user.email
    addresses = [f"198.51.100.{100 + n}" for n in range(10)]
    for address in addresses:
        first = await _login_from(app, address, email, "first guess")
        assert first["errors"][0]["code"] == "INVALID_CREDENTIALS"

    retries = []
    for address in addresses[:3]:
        again = await _login_from(app, address, email, "second guess")
        assert again["errors"][0]["code"] == "RATE_LIMITED", again
        retries.append(again["errors"][0]["retryAfter"])
        frozen_clock.now += timedelta(seconds=again["errors"][0]["retryAfter"])
        checked = await _login_from(app, address, email, "second guess")
        assert checked["errors"][0]["code"] == "INVALID_CREDENTIALS"
    owner = await _login_from(app, "192.0.2.11", email, PASSWORD)

    assert retries == [64, 128, 256]
    assert owner["errors"] == [] and owner["token"]


async def test_the_backoff_stops_at_its_maximum(team: Team, app, frozen_clock):
    for n in range(40):
        await LoginFailure.create(
            email=team.user.email, address=f"203.0.113.{n}", at=frozen_clock.now
        )

    refused = await _login_from(app, "203.0.113.1", team.user.email, PASSWORD)

    assert refused["errors"][0]["code"] == "RATE_LIMITED"
    assert refused["errors"][0]["retryAfter"] == 900


async def test_sockets_are_checked_by_the_same_rule_as_requests(team: Team, process_id: str):
    """`live_session_users` (what open sockets are checked with) keeps exactly the tokens
    `live_sessions` keeps, with each user's id and role as they are now."""
    live, _ = await auth.issue_token(team.user, timedelta(hours=1))
    revoked, _ = await auth.issue_token(team.user, timedelta(hours=1))
    expired, _ = await auth.issue_token(team.manager, timedelta(seconds=-1))
    inactive_user = await second_seller(team)
    inactive, _ = await auth.issue_token(inactive_user, timedelta(hours=1))
    promoted, _ = await auth.issue_token(team.manager, timedelta(hours=1))
    display, _ = await display_tokens.create_display_token(team.admin, pk(process_id), "Wall")
    await auth.logout(revoked)
    inactive_user.active = False
    await inactive_user.save(update_fields=["active"])
    team.manager.role = Role.ADMIN
    await team.manager.save(update_fields=["role"])
    tokens = {live, revoked, expired, inactive, promoted, display, "not a token", ""}

    full = await auth.live_sessions(tokens)
    light = await auth.live_session_users(tokens)

    assert set(light) == set(full) == {live, promoted, display}
    assert {t: (u.id, str(u.role)) for t, u in full.items()} == {
        t: (u.id, u.role) for t, u in light.items()
    }
    assert light[promoted] == (team.manager.id, "ADMIN")


async def test_tokens_asked_for_together_are_looked_up_in_one_statement(team: Team, monkeypatch):
    """`authenticate_together` (a burst of sockets' `connection_init`s): one lookup for
    every token asked for in the same turn of the event loop, each caller with its own
    answer, and a caller that leaves does not take the others' answers with it."""
    live, _ = await auth.issue_token(team.user, timedelta(hours=1))
    revoked, _ = await auth.issue_token(team.manager, timedelta(hours=1))
    await auth.logout(revoked)
    lookups: list[set[str]] = []
    look_up = auth.live_sessions

    async def counted(tokens):
        lookups.append(set(tokens))
        return await look_up(tokens)

    monkeypatch.setattr(auth, "live_sessions", counted)
    leaving = asyncio.ensure_future(auth.authenticate_together(live))
    asking = [auth.authenticate_together(t) for t in (live, revoked, live, "not a token", "")]
    answers_task = asyncio.gather(*asking)
    await asyncio.sleep(0)
    leaving.cancel()
    answers = await answers_task

    assert lookups == [{live, revoked, "not a token"}]
    ids = [a.id if a is not None else None for a in answers]
    assert ids == [team.user.id, None, team.user.id, None, None]
    assert leaving.cancelled()
