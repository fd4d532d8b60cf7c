"""DEALFLOW_ENV=production: introspection off, security headers, CORS for the named
origins only, and no start at all with settings unsafe to serve the internet with."""

from __future__ import annotations

import argon2
import httpx
import pytest
from starlette.datastructures import Secret

from server.app import InsecureSettings, create_app
from server.settings import Settings
from testkit.commands import dealflow

ORIGIN = "https://app.example.com"
SAFE = {
    "environment": "production",
    "allowed_origins": (ORIGIN,),
    "secret_key": Secret("s" * 40),
    "rate_limits": True,
    # the suite's own settings hash cheaply; production refuses that (tested below)
    "password_hash_time_cost": argon2.DEFAULT_TIME_COST,
    "password_hash_memory_kib": argon2.DEFAULT_MEMORY_COST,
}
INTROSPECTION = "{ __schema { queryType { name } } }"


async def test_production_hides_the_schema_unless_told(app_with):
    async with await app_with(**SAFE) as http:
        hidden = (await http.post("/graphql", json={"query": INTROSPECTION})).json()
        page = await http.get("/graphql", headers={"accept": "text/html"})
    async with await app_with(**SAFE, allow_introspection=True) as http:
        shown = (await http.post("/graphql", json={"query": INTROSPECTION})).json()
    async with await app_with() as http:
        development = (await http.post("/graphql", json={"query": INTROSPECTION})).json()

    assert "introspection" in hidden["errors"][0]["message"].lower()
    assert "graphiql" not in page.text.lower()
    assert shown["data"] == development["data"] == {"__schema": {"queryType": {"name": "Query"}}}


async def test_every_answer_carries_security_headers(app_with):
    async with await app_with(**SAFE) as http:
        answers = [
            await http.post("/graphql", json={"query": "{ me { id } }"}),
            await http.get("/healthz"),
            await http.get("/files/" + "0" * 64),
            await http.post("/graphql", content=b"not json", headers={"content-type": "x/y"}),
        ]
        plain = answers[1]
    application = create_app(Settings.from_env().replace(**SAFE), manage_orm=False)
    transport = httpx.ASGITransport(app=application)
    async with httpx.AsyncClient(transport=transport, base_url="https://dealflow.test") as tls:
        over_tls = await tls.get("/healthz")

    for answer in answers:
        assert answer.headers["x-content-type-options"] == "nosniff"
        assert answer.headers["referrer-policy"] == "no-referrer"
        assert answer.headers["content-security-policy"].startswith("default-src 'none'")
    assert "strict-transport-security" not in plain.headers, "HSTS only over TLS"
    assert over_tls.headers["strict-transport-security"].startswith("max-age=")


async def test_cors_answers_only_the_named_origins(app_with):
    preflight = {"access-control-request-method": "POST"}
    async with await app_with(**SAFE) as http:
        allowed = await http.options("/graphql", headers={"origin": ORIGIN, **preflight})
        other = await http.options(
            "/graphql", headers={"origin": "https://evil.example", **preflight}
        )

    assert allowed.headers["access-control-allow-origin"] == ORIGIN
    assert "access-control-allow-origin" not in other.headers


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"allowed_origins": ("*",)}, "ALLOWED_ORIGINS"),
        ({"allowed_origins": ()}, "ALLOWED_ORIGINS"),
        ({"allowed_origins": ("http://app.example.com",)}, "https://"),
        ({"debug": True}, "DEBUG"),
        ({"secret_key": None}, "SECRET_KEY"),
        ({"secret_key": Secret("short")}, "SECRET_KEY"),
        ({"forwarded_allow_ips": ("*",)}, "FORWARDED_ALLOW_IPS"),
        ({"rate_limits": False}, "RATE_LIMITS"),
        ({"password_hash_memory_kib": 8}, "PASSWORD_HASH"),
        ({"password_hash_time_cost": 1}, "PASSWORD_HASH"),
    ],
)
def test_production_refuses_insecure_settings(settings: Settings, change, named):
    with pytest.raises(InsecureSettings) as refused:
        create_app(settings.replace(**{**SAFE, **change}), manage_orm=False)

    assert any(named in problem for problem in refused.value.problems)


async def test_serve_will_not_start_insecure_in_production(settings: Settings):
    ran = await dealflow(
        settings.database_url,
        "serve",
        "--port",
        "9",
        DEALFLOW_ENV="production",
        ALLOWED_ORIGINS="*",
        DEBUG="true",
    )

    assert ran.code == 2
    assert "ALLOWED_ORIGINS" in ran.err and "DEBUG" in ran.err and "SECRET_KEY" in ran.err
    assert "Traceback" not in ran.err
