"""Stored files: a workspace's quota, and the files nothing refers to, swept away."""

from __future__ import annotations

import hashlib
import os
import time
from pathlib import Path

import httpx

from resolvers.deals.files import FileStore
from server.settings import Settings
from testkit.clients import GraphQLClient
from testkit.commands import dealflow
from testkit.deals import complete_with_file, create_deal, steps_by_name
from testkit.documents import DELETE_DEAL_MUTATION, UNCOMPLETE_STEP_MUTATION
from testkit.teams import Team

QUOTA = 100


def stored(settings: Settings, content: bytes) -> Path:
    return FileStore(Path(settings.storage_dir), 0).path_of(hashlib.sha256(content).hexdigest())


def age(path: Path, hours: float = 2) -> None:
    """Make a stored file look `hours` old (the sweep leaves younger ones alone)."""
    then = time.time() - hours * 3600
    os.utime(path, (then, then))


async def _first_step(client: GraphQLClient) -> str:
    return next(iter((await steps_by_name(client)).values()))


async def test_a_workspace_cannot_store_past_its_quota(team: Team, settings: Settings, app_with):
    async with await app_with(storage_quota_bytes=QUOTA) as http:
        client = team.client(http, "user")
        step = await _first_step(client)
        first, second, third = [await create_deal(client) for _ in range(3)]
        a, b = b"a" * 60, b"b" * 60

        kept = await complete_with_file(client, first["id"], step, a)
        again = await complete_with_file(client, second["id"], step, a)
        refused = await complete_with_file(client, third["id"], step, b)

    assert kept["errors"] == [] and again["errors"] == [], "one file, counted once"
    assert [e["code"] for e in refused["errors"]] == ["QUOTA_EXCEEDED"]
    assert refused["deal"] is None
    assert stored(settings, a).exists()
    assert not stored(settings, b).exists(), "a refused file is not kept"


async def test_an_uncompleted_file_still_counts_until_its_deal_is_purged(
    team: Team, settings: Settings, app_with
):
    async with await app_with(storage_quota_bytes=QUOTA) as http:
        client = team.client(http, "user")
        step = await _first_step(client)
        deal = await create_deal(client)
        await complete_with_file(client, deal["id"], step, b"c" * 60)
        undone = await client.mutate(
            UNCOMPLETE_STEP_MUTATION, {"input": {"dealId": deal["id"], "stepId": step}}
        )
        other = await create_deal(client)
        refused = await complete_with_file(client, other["id"], step, b"d" * 60)

    assert undone["errors"] == []
    assert [e["code"] for e in refused["errors"]] == ["QUOTA_EXCEEDED"]
    assert stored(settings, b"c" * 60).exists(), "the history keeps the file"


async def test_purge_trash_deletes_the_files_nothing_refers_to(
    team: Team, settings: Settings, user_client: GraphQLClient, http: httpx.AsyncClient
):
    step = await _first_step(user_client)
    purged, kept = await create_deal(user_client), await create_deal(user_client)
    only_purged, shared, fresh = b"only the purged deal's", b"on both deals", b"just stored"
    await complete_with_file(user_client, purged["id"], step, only_purged)
    other_step = list((await steps_by_name(user_client)).values())[1]
    await complete_with_file(user_client, purged["id"], other_step, shared)
    await complete_with_file(user_client, kept["id"], step, shared)
    await user_client.mutate(DELETE_DEAL_MUTATION, {"id": purged["id"]})
    half_written = Path(settings.storage_dir) / ".upload-crashed"
    half_written.write_bytes(b"partial")
    unreferenced_but_young = stored(settings, fresh)
    unreferenced_but_young.parent.mkdir(parents=True, exist_ok=True)
    unreferenced_but_young.write_bytes(fresh)
    for path in (stored(settings, only_purged), stored(settings, shared), half_written):
        age(path)

    ran = await dealflow(
        settings.database_url, "purge-trash", "--days", "0", STORAGE_DIR=settings.storage_dir
    )

    assert ran.code == 0, ran.err
    assert "Purged 1 deal(s)" in ran.out
    assert not stored(settings, only_purged).exists()
    assert not half_written.exists()
    assert stored(settings, shared).exists(), "another deal still carries it"
    assert unreferenced_but_young.exists(), "it may belong to a transaction in flight"
    response = await http.get(
        f"/files/{hashlib.sha256(shared).hexdigest()}",
        headers={"authorization": f"Bearer {user_client.token}"},
    )
    assert response.status_code == 200 and response.content == shared
