"""Reading an export file: its lines that are not blank, numbered for error messages;
the header, checked before anything else; each record as a JSON object."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from server.backup.format import FORMAT, KIND_NAMES, VERSION, BadBackup, kinds_in_version


@contextlib.contextmanager
def numbered_lines(source: Path) -> Iterator[Iterator[tuple[int, str]]]:
    """The file's lines that are not blank, with their numbers."""
    with source.open(encoding="utf-8") as handle:
        try:
            yield ((n, line) for n, line in enumerate(handle, 1) if line.strip())
        except UnicodeDecodeError:
            raise BadBackup(f"{source} is not UTF-8 text") from None


def _json(number: int, line: str) -> Any:
    try:
        return json.loads(line)
    except ValueError:
        raise BadBackup(f"line {number}: not JSON") from None


def read_header(first: tuple[int, str] | None) -> dict[str, Any]:
    if first is None:
        raise BadBackup("the file is empty")
    header = _json(*first)
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise BadBackup(f"not a Dealflow export: the first line is not a {FORMAT} header")
    version = header.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or not 1 <= version <= VERSION:
        raise BadBackup(
            f"the file is in version {version!r} of the format; "
            f"this Dealflow reads versions 1 to {VERSION}"
        )
    kinds = kinds_in_version(version)
    counts = header.get("counts")
    fine = (
        isinstance(header.get("migration"), str)
        and isinstance(header.get("last_event_id"), int)
        and isinstance(header.get("exported_at"), str)
        and isinstance(counts, dict)
        and set(counts) == set(kinds)
        and all(isinstance(n, int) and n >= 0 for n in counts.values())
    )
    if not fine:
        raise BadBackup(
            "the header lacks migration, exported_at, last_event_id or the counts of "
            f"every kind ({', '.join(kinds)})"
        )
    # An older file holds none of the kinds added since.
    assert isinstance(counts, dict)
    return {**header, "counts": {**dict.fromkeys(KIND_NAMES, 0), **counts}}


def read_record(number: int, line: str) -> dict[str, Any]:
    record = _json(number, line)
    if not isinstance(record, dict):
        raise BadBackup(f"line {number}: a record must be a JSON object")
    return record
