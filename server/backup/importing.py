"""`dealflow import`: a workspace from an export file into this database, empty or beside
other workspaces. Every row gets a new id and every reference is translated, those
inside history entries' data too.

It all happens in one transaction, checked as it goes: a file wrong anywhere (not JSON,
another format or version, an unknown kind or column, a missing column, a bad value, a
reference to a record not above it, an email already used on this server, an attached
file missing or not matching its hash) changes nothing.

History entries are written by `resolvers.events.history.write_history`, so each gets its id
from a replay event like every other entry. Those events are old news: marked announced
(the relay stays quiet) and without board facts. The workspace counts as purged through
the highest of those ids and of the source's last event id, and later event ids continue
above it: a cursor kept from the old server, or taken from imported history, is expired
(CURSOR_EXPIRED, reload) rather than a place in this server's log.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from tortoise.exceptions import IntegrityError, OperationalError

from models.account import Role, User, Workspace
from models.deal import Deal
from models.event import Notification
from models.history import HistoryEntry
from models.lead import Lead
from models.process import Process
from resolvers.accounts.workspaces import check_workspace_settings
from resolvers.clock import now_utc
from resolvers.deals.files import FileStore
from resolvers.deals.state import sync_amounts
from resolvers.errors import Problems
from resolvers.events.history import write_history
from resolvers.events.log import before_log_write, continue_event_ids_after
from resolvers.transactions import in_transaction
from server.backup import attachments
from server.backup.format import (
    BY_NAME,
    EMBEDDED,
    KIND_NAMES,
    RECORD,
    BadBackup,
    Kind,
    column_in_version,
    files_of,
    refusing_os_errors,
    summary,
)
from server.backup.reading import numbered_lines, read_header, read_record
from server.backup.values import BadValue, from_json
from server.database import migration_state


@dataclass(frozen=True)
class Imported:
    workspace: Workspace
    counts: dict[str, int]
    files: int  # referenced by the records
    copied: int | None  # copied into STORAGE_DIR with --files

    def __str__(self) -> str:
        title = f"Imported workspace {self.workspace.name!r} as id {self.workspace.id}:"
        return summary(title, self.counts, self.files, self.copied, "--files")


async def import_workspace(source: Path, files_from: Path | None, store: FileStore) -> Imported:
    with refusing_os_errors(), numbered_lines(source) as lines:
        header = read_header(next(lines, None))
        state = await migration_state()
        if header["migration"] not in state.known:
            raise BadBackup(
                f"the file comes from a database at {header['migration']}, a migration this "
                "Dealflow does not know: import it with the Dealflow that exported it"
            )
        if not state.up_to_date:
            raise BadBackup(
                "this database is not at this Dealflow's latest migration: "
                "run `dealflow migrate` first"
            )
        async with in_transaction():
            loader = _Loader(header)
            for number, line in lines:
                await loader.take(number, read_record(number, line))
            workspace = await loader.finish()
            copied = None
            if files_from is not None:
                # Every file is checked before any is copied; a failed commit after the
                # copy leaves only files nothing refers to.
                attachments.check_in(files_from, loader.digests)
                copied = attachments.copy_in(files_from, loader.digests, store)
    return Imported(workspace, loader.counts(), len(loader.digests), copied)


@dataclass
class _Loader:
    """Writes records as they come, keeping the new id of every source id it wrote."""

    header: dict[str, Any]
    ids: dict[str, dict[int, int]] = field(default_factory=lambda: {k: {} for k in KIND_NAMES})
    digests: set[str] = field(default_factory=set)
    workspace: Workspace | None = None
    deals: dict[int, Deal] = field(default_factory=dict)
    leads: dict[int, Lead] = field(default_factory=dict)
    emails: set[str] = field(default_factory=set)
    newest_entry: int = 0
    position: int = 0
    log_locked: bool = False
    announced_at: datetime = field(default_factory=now_utc)

    def counts(self) -> dict[str, int]:
        return {kind: len(ids) for kind, ids in self.ids.items()}

    async def take(self, number: int, record: dict[str, Any]) -> None:
        kind = self._kind(number, record)
        source_id = record.get("id")
        if isinstance(source_id, bool) or not isinstance(source_id, int):
            raise BadBackup(f"line {number}: a {kind.name} record without an integer id")
        where = f"line {number}: {kind.name} {source_id}"
        if source_id in self.ids[kind.name]:
            raise BadBackup(f"{where} comes twice")
        values = self._values(where, kind, record)
        self.digests.update(files_of(kind, values))
        try:
            new_id = await self._write(where, kind, values)
        except (IntegrityError, OperationalError) as error:
            reason = str(error).splitlines()[0] if str(error) else type(error).__name__
            raise BadBackup(f"{where}: the database refused it: {reason}") from None
        self.ids[kind.name][source_id] = new_id

    def _kind(self, number: int, record: dict[str, Any]) -> Kind:
        name = record.get(RECORD)
        if name not in BY_NAME:
            raise BadBackup(f"line {number}: unknown record kind {name!r}")
        position = KIND_NAMES.index(name)
        if position < self.position:
            raise BadBackup(
                f"line {number}: a {name} record after {KIND_NAMES[self.position]} records "
                f"(the order is {', '.join(KIND_NAMES)})"
            )
        if self.workspace is None and position > 0:
            raise BadBackup(f"line {number}: the workspace record must come first")
        if self.workspace is not None and position == 0:
            raise BadBackup(f"line {number}: a second workspace record")
        self.position = position
        return BY_NAME[name]

    def _values(self, where: str, kind: Kind, record: dict[str, Any]) -> dict[str, Any]:
        given = set(record) - {RECORD, "id"}
        version = self.header["version"]
        missing = [
            c for c in kind.columns if c not in given and column_in_version(kind, c, version)
        ]
        if missing:
            raise BadBackup(f"{where} lacks {', '.join(missing)}")
        unknown = sorted(given - set(kind.columns))
        if unknown:
            raise BadBackup(f"{where} has unknown columns: {', '.join(unknown)}")
        values: dict[str, Any] = {}
        for column in kind.columns:
            raw = record.get(column)
            try:
                value: Any
                if column in kind.references:
                    value = self._new_id(kind.references[column], raw, kind.field(column).null)
                else:
                    value = from_json(kind.field(column), raw)
                check = kind.checks.get(column)
                problem = check(value) if check else None
                if problem:
                    raise BadValue(problem)
            except BadValue as bad:
                given_value = "" if column in kind.references else f" (not {raw!r:.60})"
                raise BadBackup(f"{where}: {column} {bad}{given_value}") from None
            values[column] = value
        if kind.model is HistoryEntry:
            if (values["deal_id"] is None) == (values["lead_id"] is None):
                raise BadBackup(f"{where} must be about one deal or one lead")
            values["data"] = self._history_data(where, values["data"])
        return values

    def _new_id(self, kind_name: str, source_id: Any, nullable: bool) -> int | None:
        if source_id is None and nullable:
            return None
        if isinstance(source_id, bool) or not isinstance(source_id, int):
            raise BadValue(f"must be the id of a {kind_name} record")
        new_id = self.ids[kind_name].get(source_id)
        if new_id is None:
            raise BadValue(f"names {kind_name} {source_id}, which is not above it in the file")
        return new_id

    def _history_data(self, where: str, data: dict[str, Any]) -> dict[str, Any]:
        """The data with the ids it names translated (`{"step": {"id": 4, ...}}`)."""
        translated = dict(data)
        for key, kind_name in EMBEDDED.items():
            about = data.get(key)
            if about is None:
                continue
            try:
                if not isinstance(about, dict):
                    raise BadValue(f"must be an object with the id of a {kind_name} record")
                translated[key] = {**about, "id": self._new_id(kind_name, about.get("id"), False)}
            except BadValue as bad:
                raise BadBackup(f"{where}: data.{key}.id {bad}") from None
        return translated

    async def _write(self, where: str, kind: Kind, values: dict[str, Any]) -> int:
        if kind.model is Workspace:
            return await self._write_workspace(where, values)
        assert self.workspace is not None
        if kind.model is User:
            await self._check_email(where, values["email"])
        if kind.model in (HistoryEntry, Notification):
            await self._lock_log()
        if kind.model is HistoryEntry:
            deal_id, lead_id = values["deal_id"], values["lead_id"]
            entry = await write_history(
                self.deals[deal_id] if deal_id is not None else self.leads[lead_id],
                values["actor_id"],
                values["kind"],
                values["data"],
                facts={"before": None, "after": None},
                at=values["at"],
                published_at=self.announced_at,
            )
            entry_id: int = entry.id
            self.newest_entry = max(self.newest_entry, entry_id)
            return entry_id
        owner = {"workspace_id": self.workspace.id} if kind.in_workspace else {}
        row = kind.model(**values, **owner)
        if isinstance(row, Deal):
            sync_amounts(row)
        await row.save()
        if isinstance(row, Deal):
            self.deals[row.id] = row
        if isinstance(row, Lead):
            self.leads[row.id] = row
        # `auto_now` columns take the time of the save; the file's time is put back.
        kept = {
            column: values[column]
            for column in kind.columns
            if getattr(kind.field(column), "auto_now", False)
        }
        if kept:
            await kind.model.filter(id=row.pk).update(**kept)
        new_id: int = row.pk
        return new_id

    async def _write_workspace(self, where: str, values: dict[str, Any]) -> int:
        problems = Problems()
        check_workspace_settings(problems, values["timezone"], values["currency"])
        if problems.items:
            raise BadBackup(f"{where}: {' '.join(p.message for p in problems.items)}")
        self.workspace = await Workspace.create(**values)
        return self.workspace.id

    async def _check_email(self, where: str, email: str) -> None:
        """An email names one user across all workspaces (login takes only an email)."""
        if email in self.emails:
            raise BadBackup(f"{where}: the email {email} is in the file twice")
        if await User.filter(email=email).exists():
            raise BadBackup(
                f"{where}: the email {email} is already in use on this server "
                "(an email names one user across all workspaces)"
            )
        self.emails.add(email)

    async def _lock_log(self) -> None:
        if not self.log_locked:
            assert self.workspace is not None
            await before_log_write(self.workspace.id)
            self.log_locked = True

    async def finish(self) -> Workspace:
        """Check the whole, then set where the workspace's replay log starts."""
        for kind_name, expected in self.header["counts"].items():
            found = len(self.ids[kind_name])
            if found != expected:
                raise BadBackup(
                    f"the file has {found} {kind_name} record(s) where its header counts "
                    f"{expected}: it was cut short or edited"
                )
        workspace = self.workspace
        if workspace is None:
            raise BadBackup("the file holds no workspace record")
        live = Process.filter(workspace_id=workspace.id, deleted_at=None)
        if not await live.filter(is_default=True).exists():
            raise BadBackup("the workspace has no default process")
        if not await User.filter(workspace_id=workspace.id, role=Role.ADMIN, active=True).exists():
            raise BadBackup("the workspace has no active administrator")
        purged_through = max(self.newest_entry, self.header["last_event_id"])
        await continue_event_ids_after(purged_through)
        workspace.events_purged_through = purged_through
        await workspace.save(update_fields=["events_purged_through"])
        return workspace
