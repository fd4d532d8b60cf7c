"""Importing a CSV file, all or nothing: every row is applied inside one transaction,
each in a savepoint of its own, through the same resolvers the API's mutations use (so
every rule holds, and every change has its history, events and webhooks). A row that is
refused is rolled back to its savepoint and its errors noted; the others go on, so that
one pass reports every row's errors. At the end, with any error or with `dry_run`, the
whole transaction is rolled back: nothing was written, and the report says what would
have been created and updated. Otherwise it commits, and the log's announcement is made
as for any mutation.

Rows are read one by one (`resolvers.spreadsheets.cells.read_table`), never the whole
file; the row cap bounds the transaction.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import IO

from tortoise.exceptions import IntegrityError

from models.account import User
from resolvers.errors import ErrorCode, Problem, Refused
from resolvers.events.log import collecting_writes, note_writes
from resolvers.spreadsheets.cells import CellProblem, FileProblem, Row, Table, read_table
from resolvers.transactions import in_transaction

# Errors listed in one report (each row's are counted beyond it: `error_count`).
MAX_REPORTED_ERRORS = 1000


class Action(StrEnum):
    CREATE = "CREATE"
    UPDATE = "UPDATE"
    UNCHANGED = "UNCHANGED"


@dataclass(frozen=True)
class RowOutcome:
    row: int
    action: Action
    external_id: str | None
    object_id: int


@dataclass(frozen=True)
class RowError:
    row: int
    column: str | None
    code: str
    message: str


@dataclass
class ImportReport:
    dry_run: bool
    ignored_columns: list[str]
    applied: bool = False
    outcomes: list[RowOutcome] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    error_count: int = 0

    def count(self, action: Action) -> int:
        return sum(1 for outcome in self.outcomes if outcome.action == action)

    def note(self, error: RowError) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_REPORTED_ERRORS:
            self.errors.append(error)


class RowProblems(Exception):
    """Cells of one row that cannot be read (collected before anything is written)."""

    def __init__(self, problems: list[CellProblem]) -> None:
        super().__init__(f"{len(problems)} problems")
        self.problems = problems


class _Undo(Exception):
    """Leaves the import's transaction rolled back."""


ApplyRow = Callable[[Row], Awaitable[RowOutcome]]


def first_in_file(seen: dict[str, int], external_id: str | None, row: int) -> None:
    """One row per externalId: a second one is an error, not a second update."""
    if external_id is None:
        return
    earlier = seen.setdefault(external_id, row)
    if earlier != row:
        raise CellProblem("externalId", f"Row {earlier} has this externalId too.")


async def active_users_by_email(workspace_id: int) -> dict[str, int]:
    """The workspace's active users by email (lower case): how a file names people."""
    users = await User.filter(workspace_id=workspace_id, active=True).values_list("email", "id")
    return {str(email).lower(): int(pk) for email, pk in users}


def file_refusal(problem: FileProblem) -> Refused:
    return Refused.one(ErrorCode.VALIDATION, str(problem), ("input", "file"))


async def run_import(
    table: Table, apply_row: ApplyRow, columns_of: dict[str, str], dry_run: bool
) -> ImportReport:
    """Apply each row of `table`; `columns_of` names the column a resolver's input
    field comes from, so that its refusals are reported at their column. A file that
    turns out unreadable midway is a refusal of the whole import (`Refused`)."""
    report = ImportReport(dry_run=dry_run, ignored_columns=table.ignored)
    with collecting_writes() as written:
        try:
            async with in_transaction():
                await _apply_rows(table, apply_row, columns_of, report)
                if report.error_count or dry_run:
                    raise _Undo
        except _Undo:
            pass
        except FileProblem as problem:
            raise file_refusal(problem) from None
        else:
            report.applied = True
    if report.applied:
        note_writes(written)
    return report


async def _apply_rows(
    table: Table, apply_row: ApplyRow, columns_of: dict[str, str], report: ImportReport
) -> None:
    for row in table.rows:
        for cell in row.problems:
            report.note(RowError(row.number, cell.column, "VALIDATION", cell.message))
        if row.problems:
            continue
        try:
            async with in_transaction():
                report.outcomes.append(await apply_row(row))
        except RowProblems as problems:
            for cell in problems.problems:
                report.note(RowError(row.number, cell.column, "VALIDATION", cell.message))
        except CellProblem as cell:
            report.note(RowError(row.number, cell.column, "VALIDATION", cell.message))
        except Refused as refusal:
            for problem in refusal.problems:
                report.note(_row_error(row.number, problem, columns_of))
        except IntegrityError:
            # Another import (or change) took the row's key meanwhile.
            message = "Another change used this externalId meanwhile: import again."
            report.note(RowError(row.number, "externalId", str(ErrorCode.CONFLICT), message))


def _row_error(number: int, problem: Problem, columns_of: dict[str, str]) -> RowError:
    path = list(problem.field or ())
    name = path[1] if len(path) > 1 and path[0] == "input" else (path[-1] if path else None)
    column = columns_of.get(name) if name is not None else None
    return RowError(number, column, str(problem.code), problem.message)


def open_table(
    upload: object, columns: Sequence[str], aliases: dict[str, str], max_rows: int
) -> Table:
    """The uploaded file's table (`read_table`), or a refusal of the whole import."""
    try:
        return read_table(_readable(upload), columns, aliases, max_rows)
    except FileProblem as problem:
        raise file_refusal(problem) from None


def _readable(upload: object) -> IO[bytes]:
    """The upload's file, read where it was spooled (memory, or disk when large)."""
    file = getattr(upload, "file", None)
    if file is None or not hasattr(file, "read"):
        raise Refused.one(
            ErrorCode.VALIDATION, "Send the CSV file as an upload.", ("input", "file")
        )
    file.seek(0)
    return file  # type: ignore[no-any-return]
