"""`dealflow export`: one workspace to a file, read in one consistent snapshot so that a
server may keep running meanwhile (its counts, references and last event id all belong
to the same moment)."""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from tortoise import connections
from tortoise.queryset import QuerySet

from models.account import Workspace
from models.history import HistoryEntry
from resolvers.clock import now_utc
from resolvers.deals.files import FileStore
from resolvers.events.log import latest_event_id
from resolvers.transactions import in_transaction
from server.backup import attachments
from server.backup.format import (
    FORMAT,
    KINDS,
    RECORD,
    VERSION,
    BadBackup,
    Kind,
    files_of,
    refusing_os_errors,
    summary,
)
from server.backup.values import to_json
from server.database import migration_state

BATCH = 1000


@dataclass(frozen=True)
class Exported:
    workspace: Workspace
    output: Path
    counts: dict[str, int]
    files: int  # referenced by the records
    copied: int | None  # copied with --with-files (those not there already)

    def __str__(self) -> str:
        title = (
            f"Exported workspace {self.workspace.name!r} (id {self.workspace.id}) to {self.output}:"
        )
        return summary(title, self.counts, self.files, self.copied, "--with-files")


async def export_workspace(
    which: str, output: Path, files_to: Path | None, store: FileStore
) -> Exported:
    """Write the workspace named by id or name to `output` (and its files to
    `files_to`); the file appears whole or not at all."""
    state = await migration_state()
    if not state.up_to_date:
        raise BadBackup(
            "the database is not at this Dealflow's latest migration: "
            "run `dealflow migrate` first (or use the Dealflow that last migrated it)"
        )
    with refusing_os_errors():
        async with in_transaction():
            await _read_one_snapshot()
            workspace = await _find(which)
            counts = {kind.name: await _rows_of(kind, workspace.id).count() for kind in KINDS}
            header = {
                "format": FORMAT,
                "version": VERSION,
                "migration": state.latest,
                "exported_at": to_json(now_utc()),
                "last_event_id": await _last_event_id(workspace),
                "counts": counts,
            }
            digests: set[str] = set()
            with _written_whole(output) as out:
                _write(out, header)
                for kind in KINDS:
                    async for values in _rows(kind, workspace.id):
                        record = {c: to_json(values[c]) for c in kind.columns}
                        _write(out, {RECORD: kind.name, "id": values["id"], **record})
                        digests.update(files_of(kind, values))
                copied = attachments.copy_out(store, digests, files_to) if files_to else None
    return Exported(workspace, output, counts, len(digests), copied)


async def _read_one_snapshot() -> None:
    """PostgreSQL reads each statement's own moment unless told otherwise; SQLite (in
    WAL mode) reads from the moment of the transaction's first read anyway."""
    connection = connections.get("default")
    if connection.capabilities.dialect == "postgres":
        await connection.execute_script(
            "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY"
        )


async def _find(which: str) -> Workspace:
    if which.isdigit():
        found = await Workspace.get_or_none(id=int(which))
        if found is not None:
            return found
    named = await Workspace.filter(name=which).order_by("id")
    if not named:
        raise BadBackup(f"no workspace has the id or name {which!r}")
    if len(named) > 1:
        ids = ", ".join(str(w.id) for w in named)
        raise BadBackup(f"{len(named)} workspaces are named {which!r} (ids {ids}): give the id")
    return named[0]


async def _last_event_id(workspace: Workspace) -> int:
    """The highest event id the workspace's clients may hold as a cursor, purged or not."""
    newest_entry = await HistoryEntry.filter(workspace_id=workspace.id).order_by("-id").first()
    newest: int = max(
        workspace.events_purged_through,
        await latest_event_id(workspace.id),
        newest_entry.id if newest_entry else 0,
    )
    return newest


def _rows_of(kind: Kind, workspace_id: int) -> QuerySet[Any]:
    return kind.model.filter(**{kind.scope: workspace_id})


async def _rows(kind: Kind, workspace_id: int) -> AsyncIterator[dict[str, Any]]:
    """The workspace's rows of one kind, oldest id first, a batch at a time."""
    after = 0
    while True:
        batch = (
            await _rows_of(kind, workspace_id)
            .filter(id__gt=after)
            .order_by("id")
            .limit(BATCH)
            .values("id", *kind.columns)
        )
        for values in batch:
            yield values
        if len(batch) < BATCH:
            return
        after = batch[-1]["id"]


@contextlib.contextmanager
def _written_whole(output: Path) -> Iterator[IO[str]]:
    """A file beside `output` that takes its name only once everything was written."""
    handle, partial = tempfile.mkstemp(dir=output.parent, prefix=f".{output.name}.")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            yield out
        os.replace(partial, output)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(partial)


def _write(out: IO[str], line: dict[str, Any]) -> None:
    out.write(json.dumps(line, ensure_ascii=False, separators=(",", ":")) + "\n")
