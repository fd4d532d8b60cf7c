"""CSV as spreadsheets write and read it: cells a spreadsheet would run as a formula are
escaped on the way out (and unescaped on the way in, so that a round trip keeps the
text), headers are matched loosely ("External ID", "external_id" and "externalId" are
one column), and a file is read row by row, never whole, up to a row cap.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import IO, TypeVar

from resolvers.validation import KEEP, UNSTORABLE_MESSAGE, Keep, storable

# A spreadsheet runs a cell that starts with one of these as a formula (OWASP's list:
# tab and carriage return too, which some applications strip before looking).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
ESCAPE = "'"
DELIMITERS = (",", ";", "\t")
MAX_EXTERNAL_ID_LENGTH = 100
# The headers that name no column, listed back to the importer: the first hundred.
MAX_IGNORED_LISTED = 100
T = TypeVar("T")


def _runs(text: str) -> bool:
    """Whether a spreadsheet would run the text, or it reads like text escaped so (an
    apostrophe, or several, before what would run): those get one apostrophe more, so
    that reading back takes exactly one off."""
    return text.lstrip(ESCAPE).startswith(FORMULA_STARTS)


def safe_cell(value: object) -> str:
    """A cell's text, with a leading apostrophe if a spreadsheet would run it."""
    if value is None:
        return ""
    text = str(value)
    return ESCAPE + text if _runs(text) else text


def unescaped(text: str) -> str:
    """A cell as `safe_cell` wrote it, back to the text it escaped."""
    if text.startswith(ESCAPE) and _runs(text):
        return text[1:]
    return text


def csv_line(cells: Iterable[object]) -> str:
    """One CSV record (RFC 4180 quoting, CRLF), every cell made safe."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerow([safe_cell(c) for c in cells])
    return buffer.getvalue()


def header_key(name: str) -> str:
    """A header as columns are matched: letters and digits only, lower case."""
    return re.sub(r"[^0-9a-z]", "", name.strip().lower())


def plain_decimal(value: Decimal) -> str:
    """2.5000 as 2.5, 3.00 as 3, 250.50 as 250.50 (money keeps its cents)."""
    if value == value.to_integral_value():
        return str(value.quantize(Decimal(1)))
    return format(value.normalize(), "f")


def money(value: Decimal) -> str:
    return str(value.quantize(Decimal("0.01")))


class FileProblem(Exception):
    """The file as a whole cannot be read: not UTF-8, not CSV, no header, too many rows."""


class CellProblem(Exception):
    """One cell cannot be read; the import reports it at its row and column."""

    def __init__(self, column: str, message: str) -> None:
        super().__init__(message)
        self.column, self.message = column, message


@dataclass(frozen=True)
class Row:
    """A data row: `number` as a spreadsheet shows it (the header is row 1)."""

    number: int
    cells: dict[str, str]  # by column name, only the file's known columns
    # Cells that cannot be stored (control characters, invalid Unicode): reported
    # before anything of the row is read.
    problems: tuple[CellProblem, ...] = ()

    def has(self, column: str) -> bool:
        return column in self.cells

    def text(self, column: str) -> str | None:
        """The cell without surrounding spaces; None when empty or not in the file."""
        value = self.cells.get(column, "").strip()
        return value or None

    def decimal(self, column: str) -> Decimal | None:
        text = self.text(column)
        if text is None:
            return None
        try:
            value = Decimal(text.replace(" ", ""))
        except InvalidOperation:
            raise CellProblem(column, f"Not a number: {text[:40]!r}.") from None
        if not value.is_finite():
            raise CellProblem(column, f"Not a number: {text[:40]!r}.")
        return value

    def date(self, column: str) -> date | None:
        text = self.text(column)
        if text is None:
            return None
        try:
            return date.fromisoformat(text)
        except ValueError:
            raise CellProblem(column, f"Not a date (YYYY-MM-DD): {text[:40]!r}.") from None

    def boolean(self, column: str) -> bool | None:
        text = (self.text(column) or "").lower()
        if not text:
            return None
        if text in ("true", "yes", "1"):
            return True
        if text in ("false", "no", "0"):
            return False
        raise CellProblem(column, "true or false.")

    def lines(self, column: str, max_lines: int, max_length: int) -> list[str]:
        """A multi-line cell's non-empty lines (at most `max_lines` of `max_length`)."""
        found = [line.strip() for line in self.cells.get(column, "").splitlines() if line.strip()]
        if len(found) > max_lines:
            raise CellProblem(column, f"At most {max_lines} lines.")
        if any(len(line) > max_length for line in found):
            raise CellProblem(column, f"Lines of at most {max_length} characters.")
        return found


class CellReader:
    """Reads a row's cells, collecting every problem before any is reported."""

    def __init__(self, row: Row) -> None:
        self.row = row
        self.problems: list[CellProblem] = []

    def get(self, column: str, read: Callable[[], T]) -> T | Keep:
        """`read()`, or KEEP for a column the file does not have (or whose cell could
        not be read: its problem is noted)."""
        if not self.row.has(column):
            return KEEP
        try:
            return read()
        except CellProblem as problem:
            self.problems.append(problem)
            return KEEP

    def external_id(self) -> str | None:
        found = self.row.text("externalId")
        if found is not None and len(found) > MAX_EXTERNAL_ID_LENGTH:
            message = f"At most {MAX_EXTERNAL_ID_LENGTH} characters."
            self.problems.append(CellProblem("externalId", message))
        return found


@dataclass(frozen=True)
class Table:
    """A CSV file's columns and a lazy iterator over its data rows."""

    columns: list[str]  # the known columns the file has, by their canonical names
    ignored: list[str]  # headers that name no column
    rows: Iterator[Row]


def read_table(
    binary: IO[bytes], columns: Sequence[str], aliases: dict[str, str], max_rows: int
) -> Table:
    """Open a CSV file (UTF-8, with or without a byte order mark; comma, semicolon or
    tab separated, as the header line shows) for reading row by row. Headers match
    `columns` (or an alias) loosely; `FileProblem` when the file cannot be read, has
    the same column twice, or (while iterating) more than `max_rows` rows."""
    text = io.TextIOWrapper(binary, encoding="utf-8-sig", newline="", errors="strict")
    try:
        first = text.readline()
    except UnicodeDecodeError:
        raise FileProblem("The file is not UTF-8 text.") from None
    if not first.strip():
        raise FileProblem("The file has no header row.")
    delimiter = max(DELIMITERS, key=first.count)
    known = {header_key(c): c for c in columns} | {header_key(a): c for a, c in aliases.items()}
    try:
        (headers,) = list(csv.reader([first], delimiter=delimiter))
    except (csv.Error, ValueError):
        raise FileProblem("The header row is not CSV.") from None
    found: list[tuple[int, str]] = []  # (place in a row, column): the columns read
    ignored: list[str] = []
    for index, header in enumerate(headers):
        if not storable(header):
            raise FileProblem(f"A header: {UNSTORABLE_MESSAGE}")
        column = known.get(header_key(header))
        if column is not None:
            if any(column == seen for _, seen in found):  # a few columns at most
                raise FileProblem(f"Column {column} is in the file twice.")
            found.append((index, column))
        elif header.strip() and len(ignored) < MAX_IGNORED_LISTED:
            ignored.append(header.strip()[:100])
    return Table(
        columns=[column for _, column in found],
        ignored=ignored,
        rows=_rows(text, delimiter, found, max_rows),
    )


def _rows(
    text: IO[str], delimiter: str, found: list[tuple[int, str]], max_rows: int
) -> Iterator[Row]:
    """The rows, each read at the places of the known columns only: a header of a
    million empty cells costs its own reading once, not once per row."""
    reader = csv.reader(text, delimiter=delimiter, strict=True)
    count = 0
    try:
        for number, record in enumerate(reader, start=2):
            if not any(cell.strip() for cell in record):
                continue
            count += 1
            if count > max_rows:
                raise FileProblem(f"The file has more than {max_rows} rows.")
            cells = {
                column: unescaped(record[index]) if index < len(record) else ""
                for index, column in found
            }
            unstorable = tuple(
                CellProblem(column, UNSTORABLE_MESSAGE)
                for column, text in cells.items()
                if not storable(text)
            )
            yield Row(number, cells, unstorable)
    except UnicodeDecodeError:
        raise FileProblem("The file is not UTF-8 text.") from None
    except csv.Error as error:
        raise FileProblem(
            f"The file is not valid CSV near row {reader.line_num}: {error}."
        ) from None
