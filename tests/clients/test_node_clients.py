"""Apollo Client and urql, in Node, against a real `dealflow serve`: a query, a mutation,
an upload, a subscription whose events update the cache, a resume after a reconnect,
and a board that InMemoryCache and Graphcache update from `boardEvents` with no
configuration (`apollo.test.mjs`, `urql.test.mjs`, run with `node --test`)."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest

from server.settings import Settings
from testkit.clients import GraphQLClient
from testkit.deals import steps_by_name
from testkit.servers import dealflow_server, env_of
from testkit.teams import Team

HERE = Path(__file__).parent


@pytest.mark.parametrize("suite", ["apollo.test.mjs", "urql.test.mjs"])
async def test_node_clients_work_with_no_glue(
    settings: Settings, team: Team, manager_client: GraphQLClient, process_id: str, suite: str
):
    (step_id, *_) = (await steps_by_name(manager_client)).values()
    async with dealflow_server(**env_of(settings, RATE_LIMITS="false")) as server:
        node = await asyncio.create_subprocess_exec(
            "node",
            "--test",
            "--test-reporter=spec",
            suite,
            cwd=HERE,
            env={
                **os.environ,
                "DEALFLOW_HTTP_URL": server.http_url,
                "DEALFLOW_WS_URL": server.ws_url,
                "DEALFLOW_TOKEN": team.tokens["manager"],
                "DEALFLOW_EMAIL": team.manager.email,
                "DEALFLOW_STEP_ID": step_id,
                "DEALFLOW_PROCESS_ID": process_id,
            },
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        out, _ = await asyncio.wait_for(node.communicate(), 120)

    assert node.returncode == 0, out.decode()
