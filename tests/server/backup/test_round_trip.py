"""`dealflow export` and `dealflow import` as an operator runs them: a workspace built
through the API moves to another database, reads the same through the API there, and
exports again to the same file apart from its ids."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx

from models.account import Workspace
from models.event import Event
from models.history import HistoryEntry
from server.settings import Settings
from testkit.backup_files import apart_from_ids, read_lines, records
from testkit.backup_workspace import (
    BARN_BRIEF,
    BRIEF,
    DRAFT_OFFER,
    build_rich_workspace,
    log_in,
    log_in_all,
    what_the_api_says,
)
from testkit.clients import GraphQLClient
from testkit.commands import dealflow
from testkit.database import fresh_database
from testkit.documents import HISTORY_QUERY, ME_QUERY, UPDATE_DEAL_MUTATION
from testkit.live import event_id
from testkit.servers import dealflow_server
from testkit.teams import PASSWORD, Team


async def test_round_trip_through_an_empty_database(
    settings: Settings, rival: Team, team: Team, http: httpx.AsyncClient, tmp_path: Path
):
    """The rival's workspace stays behind; tokens do not travel, passwords do."""
    emails = await build_rich_workspace(team.client(http, "admin"), team.admin.email)
    before = await what_the_api_says(await log_in_all(http, emails))
    exported, files = tmp_path / "acme.jsonl", tmp_path / "files"
    storage = tmp_path / "storage"

    ran = await dealflow(
        settings.database_url,
        *("export", "--workspace", team.workspace.id, "--output", exported),
        *("--with-files", files),
        STORAGE_DIR=settings.storage_dir,
    )
    assert ran.code == 0, ran.err
    async with fresh_database() as target:
        assert (await dealflow(target, "migrate")).code == 0
        loaded = await dealflow(
            target, "import", "--input", exported, "--files", files, STORAGE_DIR=storage
        )
        again = await dealflow(
            target, "export", "--workspace", "Acme", "--output", tmp_path / "again.jsonl"
        )
        async with served(target, storage) as moved:
            clients = await log_in_all(moved, emails)
            after = await what_the_api_says(clients)
            served_files = await downloaded_attachments(moved, clients["seller"])
            newest = await cursor_of_a_change(clients["seller"])

    assert loaded.code == 0, loaded.err
    assert "Imported workspace 'Acme' as id" in loaded.out and "history_entry: " in loaded.out
    assert again.code == 0, again.err
    assert apart_from_ids(tmp_path / "again.jsonl") == apart_from_ids(exported)
    # The ids did change: the comparison above is not of two equal files.
    assert records(exported, "user")[0]["id"] != records(tmp_path / "again.jsonl", "user")[0]["id"]
    assert after == before
    assert served_files == [BRIEF, BARN_BRIEF]
    # The source's cursors are all below what the new server will ever hand out.
    assert newest > read_lines(exported)[0]["last_event_id"]
    assert stored(files) == stored(storage) == every_file


async def test_a_workspace_moves_from_sqlite_beside_another(
    settings: Settings, rival: Team, http: httpx.AsyncClient, tmp_path: Path
):
    """Across backends in the PostgreSQL pass: the source is always SQLite."""
    source = f"sqlite://{tmp_path / 'source.sqlite3'}"
    storage, exported, files = tmp_path / "storage", tmp_path / "solar.jsonl", tmp_path / "files"
    admin_email = f"boss-{rival.workspace.id}@solar.example"
    assert (await dealflow(source, "migrate")).code == 0
    made = await dealflow(
        source,
        *("create-workspace", "--name", "Solar Co", "--timezone", "Europe/Warsaw"),
        *("--currency", "PLN", "--admin-email", admin_email, "--admin-password", PASSWORD),
    )
    assert made.code == 0, made.err
    async with served(source, storage) as there:
        emails = await build_rich_workspace(await log_in(there, admin_email), admin_email)
        before = await what_the_api_says(await log_in_all(there, emails))
    ran = await dealflow(
        source,
        *("export", "--workspace", "Solar Co", "--output", exported, "--with-files", files),
        STORAGE_DIR=storage,
    )
    assert ran.code == 0, ran.err
    rival_before = await who_they_are(rival, http)

    loaded = await dealflow(
        settings.database_url,
        *("import", "--input", exported, "--files", files),
        STORAGE_DIR=settings.storage_dir,
    )

    assert loaded.code == 0, loaded.err
    workspace = await Workspace.get(name="Solar Co")
    assert workspace.id != rival.workspace.id
    assert await Event.filter(workspace_id=workspace.id, published_at=None).count() == 0
    clients = await log_in_all(http, emails)
    assert await what_the_api_says(clients) == before
    assert await who_they_are(rival, http) == rival_before
    assert await downloaded_attachments(http, clients["seller"]) == [BRIEF, BARN_BRIEF]
    newest_imported = await HistoryEntry.filter(workspace_id=workspace.id).order_by("-id").first()
    assert newest_imported is not None
    assert workspace.events_purged_through >= max(
        newest_imported.id, read_lines(exported)[0]["last_event_id"]
    )
    again = tmp_path / "again.jsonl"
    ran = await dealflow(
        settings.database_url, "export", "--workspace", workspace.id, "--output", again
    )
    assert ran.code == 0, ran.err
    assert apart_from_ids(again) == apart_from_ids(exported)
    assert await cursor_of_a_change(clients["seller"]) > workspace.events_purged_through
    assert every_file <= stored(Path(settings.storage_dir))


@asynccontextmanager
async def served(database_url: str, storage: Path) -> AsyncIterator[httpx.AsyncClient]:
    """`dealflow serve` on the database, and an HTTP client for it (rate limits off:
    building a rich workspace sends more than a client address may per second)."""
    async with (
        dealflow_server(
            DATABASE_URL=database_url,
            STORAGE_DIR=str(storage),
            BROADCAST_URL="memory://",
            RATE_LIMITS="false",
        ) as server,
        httpx.AsyncClient(base_url=server.http_url.removesuffix("/graphql")) as client,
    ):
        yield client


# The draft offer's file is named only by the history of the completion undone.
every_file = {hashlib.sha256(content).hexdigest() for content in (BRIEF, BARN_BRIEF, DRAFT_OFFER)}


def stored(folder: Path) -> set[str]:
    return {path.name for path in folder.rglob("*") if path.is_file()}


async def who_they_are(team: Team, http: httpx.AsyncClient) -> dict[str, object]:
    return {who: await team.client(http, who).data(ME_QUERY) for who in team.tokens}


async def downloaded_attachments(http: httpx.AsyncClient, seller: GraphQLClient) -> list[bytes]:
    """The files of the seller's completions, downloaded as the seller."""
    contents = []
    for deal_name in ("Solar roof", "Barn lights"):
        found = await seller.data(
            "query($s: String) { deals(filter: {search: $s}, "
            "status: [OPEN, WON]) { edges { node { completedSteps { fileUrl } } } } }",
            {"s": deal_name},
        )
        (edge,) = found["deals"]["edges"]
        for completion in edge["node"]["completedSteps"]:
            if completion["fileUrl"]:
                response = await http.get(
                    completion["fileUrl"], headers={"authorization": f"Bearer {seller.token}"}
                )
                assert response.status_code == 200
                contents.append(response.content)
    return contents


async def cursor_of_a_change(seller: GraphQLClient) -> int:
    """Change the roof after the move; the cursor (event id) of its history entry."""
    found = await seller.data(
        '{ deals(filter: {search: "Solar roof"}) { edges { node { id version } } } }'
    )
    deal = next(e["node"] for e in found["deals"]["edges"])
    payload = await seller.mutate(
        UPDATE_DEAL_MUTATION,
        {"input": {"id": deal["id"], "version": deal["version"], "source": "Referral"}},
    )
    assert payload["errors"] == [], payload["errors"]
    history = await seller.data(HISTORY_QUERY, {"id": deal["id"], "first": 1})
    (edge,) = history["deal"]["history"]["edges"]
    assert edge["node"]["kind"] == "DEAL_UPDATED"
    return event_id(edge["cursor"])
