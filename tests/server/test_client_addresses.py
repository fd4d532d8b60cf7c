"""The client address `dealflow serve` counts (login throttling, rate limits): the peer's,
unless the peer is a proxy `FORWARDED_ALLOW_IPS` names. uvicorn on its own trusts
127.0.0.1; the command turns that off, so the setting is the one place."""

from __future__ import annotations

import httpx

from models.account import LoginFailure
from server.settings import Settings
from testkit.documents import LOGIN_MUTATION
from testkit.servers import dealflow_server, env_of
from testkit.teams import Team


async def _wrong_login_forwarded_for(url: str, email: str, forwarded_for: str) -> None:
    async with httpx.AsyncClient() as http:
        response = await http.post(
            url,
            json={"query": LOGIN_MUTATION, "variables": {"email": email, "password": "wrong"}},
            headers={"x-forwarded-for": forwarded_for},
        )
    assert response.json()["data"]["login"]["errors"][0]["code"] == "INVALID_CREDENTIALS"


async def test_serve_trusts_no_forwarded_header_unless_told(settings: Settings, team: Team):
    async with dealflow_server(**env_of(settings)) as server:
        await _wrong_login_forwarded_for(server.http_url, team.user.email, "10.1.2.3")
    async with dealflow_server(**env_of(settings, FORWARDED_ALLOW_IPS="127.0.0.1")) as proxied:
        await _wrong_login_forwarded_for(proxied.http_url, team.user.email, "10.4.5.6")

    addresses = await LoginFailure.filter(email=team.user.email).values_list("address", flat=True)
    assert sorted(addresses) == ["10.4.5.6", "127.0.0.1"]
