"""The graphql-http audit (`serverAudits`: GraphQL over HTTP, every MUST, SHOULD and
MAY it checks) against a real `dealflow serve`, run by Node as a client would."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from server.settings import Settings
from testkit.servers import dealflow_server, env_of

HERE = Path(__file__).parent


async def test_the_graphql_over_http_audit_passes_with_no_warning(settings: Settings, orm: None):
    # The audit sends dozens of requests at once from one address: no rate limits here.
    async with dealflow_server(**env_of(settings, RATE_LIMITS="false")) as server:
        node = await asyncio.create_subprocess_exec(
            "node",
            str(HERE / "audit.mjs"),
            server.http_url,
            cwd=HERE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        out, err = await asyncio.wait_for(node.communicate(), 120)

    assert node.returncode == 0, err.decode()
    report = json.loads(out.decode().strip().splitlines()[-1])
    assert report["failures"] == []
    assert (report["warn"], report["error"]) == (0, 0)
    assert report["ok"] >= 61
