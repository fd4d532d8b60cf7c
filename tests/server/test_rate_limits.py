"""Rate limits through the real app: operations per token and per address (HTTP 429),
logins per address, uploads and subscriptions per user, open sockets per user (4429),
counted in Redis across app instances when the bus is Redis, and the client address
they count taken from a forwarded header only when its sender is trusted."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack, asynccontextmanager

import httpx
import pytest
from starlette.applications import Starlette
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed
from websockets.typing import Subprotocol

from models.account import LoginFailure
from models.deal import Deal
from resolvers.rate_limits import Limit, RateLimits, RateLimitSettings
from server.app import create_app
from server.settings import Settings
from testkit.clients import GraphQLClient
from testkit.deals import complete_with_file, create_deal, steps_by_name
from testkit.documents import CREATE_DEAL_MUTATION, LOGIN_MUTATION, ME_QUERY
from testkit.live import NOTIFICATIONS, PROTOCOLS, live_client, served_app, subscribed
from testkit.teams import PASSWORD, Team

TYPENAME = "{ __typename }"
USES_REDIS = os.environ.get("BROADCAST_URL", "").startswith("redis://")

# Every limit off but the ones a test turns on.
NO_LIMITS = {
    "rate_limits": True,
    "rate_limit_per_token": "",
    "rate_limit_per_address": "",
    "rate_limit_logins_per_address": "",
    "rate_limit_uploads_per_user": "",
    "rate_limit_subscriptions_per_user": "",
    "max_sockets_per_user": 0,
}

AppAt = Callable[..., AsyncIterator[Callable[[str], httpx.AsyncClient]]]


@pytest.fixture
async def limited(settings: Settings, orm: None) -> AsyncIterator[Callable[..., object]]:
    """`limited(**settings)`: an app over the suite's database with those limits on (the
    others off), its lifespan open; it answers `client(address)`, an HTTP client whose
    requests come from `address`."""
    async with AsyncExitStack() as stack:

        async def build(**changes: object) -> Callable[[str], httpx.AsyncClient]:
            app = create_app(settings.replace(**{**NO_LIMITS, **changes}), manage_orm=False)
            await stack.enter_async_context(app.router.lifespan_context(app))
            return lambda address: _client(app, address)

        yield build


def _client(app: Starlette, address: str) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, client=(address, 4000))
    return httpx.AsyncClient(transport=transport, base_url="http://dealflow.test")


def _address() -> str:
    """An address of its own per test: with Redis, windows outlive a test run."""
    tag = uuid.uuid4().int
    return f"10.{tag % 250}.{tag // 250 % 250}.{tag // 62500 % 250 + 1}"


def _rate_limited(response: httpx.Response) -> int:
    """The wait a 429 answer asks for (checked to be a well-formed refusal)."""
    assert response.status_code == 429, response.text
    (error,) = response.json()["errors"]
    assert error["extensions"]["code"] == "RATE_LIMITED"
    wait = error["extensions"]["retryAfter"]
    assert isinstance(wait, int) and wait >= 1
    assert response.headers["retry-after"] == str(wait)
    return wait


async def _post(http: httpx.AsyncClient, token: str | None = None, **headers: str):
    if token:
        headers["authorization"] = f"Bearer {token}"
    return await http.post("/graphql", json={"query": TYPENAME}, headers=headers)


async def test_one_token_cannot_run_thousands_of_operations_by_default(
    settings: Settings, team: Team, orm
):
    """The defaults, with only the per-address limit out of the way (an office shares
    one address): a client sending as fast as it can is stopped well before 3,000."""
    defaults = Settings()
    app = create_app(
        settings.replace(
            rate_limits=True,
            rate_limit_per_token=defaults.rate_limit_per_token,
            rate_limit_per_address="",
        ),
        manage_orm=False,
    )
    async with app.router.lifespan_context(app), _client(app, _address()) as http:
        sent = 0
        while (response := await _post(http, team.tokens["admin"])).status_code == 200:
            sent += 1
            assert sent < 1000, "3,000 operations would have run unchecked"
        _rate_limited(response)
        other = await _post(http, team.tokens["manager"])

    assert sent >= 30, "a person at work is far from the limit"
    assert other.status_code == 200, "the limit is per token"


async def test_operations_per_token(limited, team: Team):
    client = await limited(rate_limit_per_token="5/minute")
    async with client(_address()) as http:
        answers = [await _post(http, team.tokens["user"]) for _ in range(6)]
        other_token = await _post(http, team.tokens["manager"])
        anonymous = await _post(http)
        get = await http.get(
            "/graphql",
            params={"query": ME_QUERY},
            headers={"authorization": f"Bearer {team.tokens['user']}"},
        )

    assert [a.status_code for a in answers] == [200] * 5 + [429]
    assert 1 <= _rate_limited(answers[5]) <= 60
    assert other_token.status_code == 200 and anonymous.status_code == 200
    _rate_limited(get)


async def test_operations_per_address(limited, team: Team):
    client = await limited(rate_limit_per_address="4/minute")
    address = _address()
    async with client(address) as http:
        answers = [await _post(http, team.tokens[who]) for who in ("admin", "manager", "user")]
        answers += [await _post(http), await _post(http)]
    async with client(_address()) as elsewhere:
        other_address = await _post(elsewhere)

    assert [a.status_code for a in answers] == [200, 200, 200, 200, 429]
    _rate_limited(answers[4])
    assert other_address.status_code == 200


async def test_graphiql_page_and_health_checks_are_not_operations(limited, orm):
    client = await limited(rate_limit_per_address="1/minute", debug=True)
    async with client(_address()) as http:
        pages = [await http.get("/graphql", headers={"accept": "text/html"}) for _ in range(3)]
        health = [await http.get("/healthz") for _ in range(3)]

    assert {r.status_code for r in pages + health} == {200}


async def test_a_forged_forwarded_for_does_not_change_the_address(limited, team: Team):
    peer = _address()
    untrusting = await limited(rate_limit_per_address="2/minute")
    trusting = await limited(rate_limit_per_address="2/minute", forwarded_allow_ips=(peer,))
    async with untrusting(peer) as http:
        await _wrong_login(http, team.user.email, "10.0.0.1")
        forged = [await _post(http, **{"x-forwarded-for": _address()}) for _ in range(2)]
    async with trusting(peer) as http:
        await _wrong_login(http, team.user.email, "192.0.2.77")
        forwarded = [await _post(http, **{"x-forwarded-for": _address()}) for _ in range(3)]

    assert [r.status_code for r in forged] == [200, 429], "one address: the peer's"
    assert [r.status_code for r in forwarded] == [200] * 3, "each its forwarded address"
    addresses = await LoginFailure.filter(email=team.user.email).values_list("address", flat=True)
    assert sorted(addresses) == sorted([peer, "192.0.2.77"])


async def _wrong_login(http: httpx.AsyncClient, email: str, forwarded_for: str) -> None:
    response = await http.post(
        "/graphql",
        json={"query": LOGIN_MUTATION, "variables": {"email": email, "password": "wrong"}},
        headers={"x-forwarded-for": forwarded_for},
    )
    assert response.json()["data"]["login"]["errors"][0]["code"] == "INVALID_CREDENTIALS"


async def test_logins_per_address(limited, team: Team):
    client = await limited(rate_limit_logins_per_address="3/minute")
    login = {
        "query": LOGIN_MUTATION,
        "variables": {"email": team.admin.email, "password": PASSWORD},
    }
    async with client(_address()) as http:
        responses = [await http.post("/graphql", json=login) for _ in range(4)]
    answers = [r.json()["data"]["login"] for r in responses]

    assert [a["errors"] for a in answers[:3]] == [[], [], []]
    (refusal,) = answers[3]["errors"]
    assert refusal["code"] == "RATE_LIMITED" and refusal["retryAfter"] >= 1
    assert answers[3]["token"] is None
    assert responses[3].status_code == 200
    assert responses[3].headers["retry-after"] == str(refusal["retryAfter"])


async def test_uploads_per_user(limited, team: Team):
    client = await limited(rate_limit_uploads_per_user="1/hour")
    async with client(_address()) as http:
        admin = GraphQLClient(http, team.tokens["admin"])
        deal = await create_deal(admin)
        first, second = list((await steps_by_name(admin)).values())[:2]
        accepted = await complete_with_file(admin, deal["id"], first, b"%PDF-1.4 one")
        refused = await complete_with_file(admin, deal["id"], second, b"%PDF-1.4 two")
        without_file = await admin.mutate(
            "mutation ($input: CompleteStepInput!) { completeStep(input: $input) "
            "{ errors { code } } }",
            {"input": {"dealId": deal["id"], "stepId": second, "note": "no file"}},
        )

    assert accepted["errors"] == []
    assert [e["code"] for e in refused["errors"]] == ["RATE_LIMITED"]
    assert without_file["errors"] == []


@asynccontextmanager
async def _served(settings: Settings, **changes: object) -> AsyncIterator[str]:
    async with served_app(settings.replace(**{**NO_LIMITS, **changes})) as served:
        yield served.url


async def test_subscriptions_started_per_user(settings: Settings, team: Team):
    limited = settings.replace(**{**NO_LIMITS, "rate_limit_subscriptions_per_user": "2/minute"})
    async with (
        served_app(limited) as served,
        live_client(served.url, team.tokens["user"]) as live,
    ):
        for op in ("a", "b"):
            await live.subscribe(op, NOTIFICATIONS)
        # The two are counted (and registered) before the third starts: operations of
        # one socket run concurrently, and with Redis counting, in no fixed order.
        await subscribed(served.app, team.workspace.id, 2)
        await live.subscribe("c", NOTIFICATIONS)
        refused = await live.message("c")
        await live.nothing("a", within=0.3)

    assert refused["type"] in ("next", "error")
    errors = refused["payload"]["errors"] if refused["type"] == "next" else refused["payload"]
    assert errors[0]["extensions"]["code"] == "RATE_LIMITED"
    assert errors[0]["extensions"]["retryAfter"] >= 1


def _errors_of(message: dict[str, object]) -> list[dict[str, object]]:
    """A refused operation's errors in either sub-protocol's message."""
    payload = message["payload"]
    if message["type"] == "error":  # graphql-transport-ws: a list; graphql-ws: one error
        return payload if isinstance(payload, list) else [payload]
    assert message["type"] in ("next", "data") and isinstance(payload, dict), message
    return list(payload.get("errors") or [])


async def test_every_operation_a_socket_starts_counts_as_one_of_its_tokens(
    settings: Settings, team: Team
):
    """A query, a mutation or a subscription sent over a WebSocket counts against the
    same limits as a request over HTTP (here the token's, shared with its HTTP
    requests), before its document is read: the socket is no way around them."""
    limited = settings.replace(**{**NO_LIMITS, "rate_limit_per_token": "3/minute"})
    token = team.tokens["user"]
    async with served_app(limited) as served:
        root = served.url.replace("ws://", "http://").removesuffix("/graphql")
        async with httpx.AsyncClient(base_url=root) as http:
            over_http = await GraphQLClient(http, token).post(ME_QUERY)
        async with live_client(served.url, token) as live:
            await live.subscribe("s1", NOTIFICATIONS)
            await subscribed(served.app, team.workspace.id, 1)
            await live.subscribe("q1", ME_QUERY)
            answered = await live.message("q1")
            await live.subscribe(
                "m", CREATE_DEAL_MUTATION, input={"name": "Over the limit", "value": "1.00"}
            )
            mutation = await live.message("m")
            await live.subscribe("q2", ME_QUERY)
            query = await live.message("q2")
            await live.subscribe("s2", NOTIFICATIONS)
            subscription = await live.message("s2")

    assert over_http["data"]["me"]["email"] == team.user.email
    assert _errors_of(answered) == []
    for refused in (mutation, query, subscription):
        assert refused["type"] == "error"
        (error,) = _errors_of(refused)
        assert error["extensions"]["code"] == "RATE_LIMITED", error
        assert error["extensions"]["retryAfter"] >= 1
    assert not await Deal.filter(name="Over the limit").exists()


async def test_a_socket_counts_documents_that_do_not_even_parse(settings: Settings, team: Team):
    """Counted as they come, before their document is read: a flood of broken or
    oversized documents costs its sender as any operations do. (The legacy graphql-ws
    answers a syntax error with an error message; graphql-transport-ws closes the
    socket, so a flood there costs a new socket each time.)"""
    limited = settings.replace(**{**NO_LIMITS, "rate_limit_per_token": "2/minute"})
    broken = "subscription { " + "#" * 70_000
    async with (
        served_app(limited) as served,
        live_client(served.url, team.tokens["user"], "graphql-ws") as live,
    ):
        answers = []
        for n in range(4):
            await live.subscribe(f"b{n}", broken)
            answers.append(await live.message(f"b{n}"))

    codes = [str(_errors_of(answer)[0]["extensions"]["code"]) for answer in answers]
    assert codes == ["GRAPHQL_PARSE_FAILED"] * 2 + ["RATE_LIMITED"] * 2, codes


async def test_queries_over_sockets_count_against_their_address(settings: Settings, team: Team):
    limited = settings.replace(**{**NO_LIMITS, "rate_limit_per_address": "2/minute"})
    async with (
        served_app(limited) as served,
        live_client(served.url, team.tokens["user"]) as seller,
        live_client(served.url, team.tokens["manager"]) as manager,
    ):
        answers = []
        for live in (seller, manager, seller):
            await live.subscribe("me", ME_QUERY)
            answers.append(await live.message("me"))
            if answers[-1]["type"] != "error":  # the end of an answered one
                assert (await live.message("me"))["type"] == "complete"

    assert [len(_errors_of(a)) for a in answers[:2]] == [0, 0]
    assert _errors_of(answers[2])[0]["extensions"]["code"] == "RATE_LIMITED"


async def _closed(url: str, token: str, protocol: str) -> tuple[int | None, str]:
    """How the server closes a socket of `token`'s user at `connection_init`."""
    async with connect(url, subprotocols=[Subprotocol(protocol)]) as ws:
        init = {"type": "connection_init", "payload": {"authorization": f"Bearer {token}"}}
        await ws.send(json.dumps(init))
        with contextlib.suppress(ConnectionClosed):
            while True:
                await asyncio.wait_for(ws.recv(), 5)
        return ws.close_code, ws.close_reason or ""


@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_sockets_per_user(settings: Settings, team: Team, protocol: str):
    async with _served(settings, max_sockets_per_user=2) as url, AsyncExitStack() as stack:
        for _ in range(2):
            await stack.enter_async_context(live_client(url, team.tokens["user"], protocol))
        refused = await _closed(url, team.tokens["user"], protocol)
        async with live_client(url, team.tokens["manager"], protocol):
            pass  # another user is not counted against them
        await stack.aclose()
        async with live_client(url, team.tokens["user"], protocol):
            pass  # closed sockets give their slots back

    assert refused == (4429, "Too many open connections for this user: close one first.")


@pytest.mark.skipif(not USES_REDIS, reason="the shared store is Redis (BROADCAST_URL)")
async def test_two_app_instances_share_the_counts_in_redis(limited, settings, team: Team):
    one = await limited(rate_limit_per_token="4/minute")
    two = await limited(rate_limit_per_token="4/minute")
    async with one(_address()) as first, two(_address()) as second:
        answers = [await _post(http, team.tokens["user"]) for http in (first, second) * 3]

    assert [a.status_code for a in answers] == [200, 200, 200, 200, 429, 429]


@pytest.mark.skipif(not USES_REDIS, reason="the shared store is Redis (BROADCAST_URL)")
async def test_two_app_instances_share_the_socket_count_in_redis(settings: Settings, team: Team):
    async with (
        _served(settings, max_sockets_per_user=1) as first,
        _served(settings, max_sockets_per_user=1) as second,
        live_client(first, team.tokens["user"]),
    ):
        refused = await _closed(second, team.tokens["user"], PROTOCOLS[0])

    assert refused[0] == 4429


async def test_limits_let_requests_through_while_their_store_is_away(
    caplog: pytest.LogCaptureFixture,
):
    limits = RateLimits(
        RateLimitSettings(
            storage_url="redis://127.0.0.1:1", rules={Limit.OPERATIONS_PER_TOKEN: "1/minute"}
        )
    )

    with caplog.at_level(logging.WARNING):
        waits = [await limits.retry_after(Limit.OPERATIONS_PER_TOKEN, "t") for _ in range(3)]

    assert waits == [None, None, None]
    assert len([r for r in caplog.records if "rate limits" in r.getMessage()]) == 1
    assert not [r for r in caplog.records if r.exc_info]
