"""Reading export files in tests, and comparing two of them apart from their ids.

The references below are the tests' own account of the format, written independently
of `server.backup.format`: a reference the import forgot to translate shows up as a
difference, and a new `*_id` column nobody listed here fails the comparison.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

REFERENCES = {
    "workspace": {},
    "user": {},
    "process": {},
    "product": {},
    "stage": {"process_id": "process"},
    "step": {"stage_id": "stage"},
    "step_performer": {"step_id": "step", "user_id": "user"},
    "step_notify_user": {"step_id": "step", "user_id": "user"},
    "deal": {
        "process_id": "process",
        "owner_id": "user",
        "created_by_id": "user",
        "stage_id": "stage",
        "lost_at_stage_id": "stage",
    },
    "lead": {"owner_id": "user", "created_by_id": "user", "deal_id": "deal"},
    "deal_participant": {"deal_id": "deal", "user_id": "user"},
    "deal_cost": {"deal_id": "deal"},
    "line_item": {"deal_id": "deal", "product_id": "product"},
    "step_completion": {"deal_id": "deal", "step_id": "step", "completed_by_id": "user"},
    "access_request": {"deal_id": "deal", "requester_id": "user", "answered_by_id": "user"},
    "task": {
        "assignee_id": "user",
        "deal_id": "deal",
        "created_by_id": "user",
        "source_step_id": "step",
    },
    "notification": {
        "recipient_id": "user",
        "deal_id": "deal",
        "step_id": "step",
        "actor_id": "user",
        "access_request_id": "access_request",
    },
    "history_entry": {"deal_id": "deal", "lead_id": "lead", "actor_id": "user"},
}
IN_HISTORY_DATA = {"step": "step", "task": "task", "request": "access_request", "user": "user"}
# The header's fields that belong to the moment and the database, not to the workspace.
OF_THE_MOMENT = {"exported_at", "last_event_id"}


def read_lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def write_lines(path: Path, lines: list[Any]) -> Path:
    """Lines as JSON (strings as they are: a test may write a broken line)."""
    text = "".join((line if isinstance(line, str) else json.dumps(line)) + "\n" for line in lines)
    path.write_text(text)
    return path


def records(path: Path, kind: str) -> list[dict[str, Any]]:
    return [line for line in read_lines(path)[1:] if line["record"] == kind]


# Columns named like references that hold no id of ours.
NOT_REFERENCES = {"external_id"}


def apart_from_ids(path: Path) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The header without the moment's fields, and every record with each id (its own,
    its references, those in history data) replaced by the record's rank among its kind:
    two files of the same workspace compare equal whatever ids two databases gave."""
    header, *rows = read_lines(path)
    rank: dict[tuple[str, int], int] = {}
    seen: Counter[str] = Counter()
    for row in rows:
        seen[row["record"]] += 1
        rank[(row["record"], row["id"])] = seen[row["record"]]

    def ranked(kind: str, source_id: int | None) -> int | None:
        return None if source_id is None else rank[(kind, source_id)]

    normalised = []
    for row in rows:
        kind = row["record"]
        refs = REFERENCES[kind]
        unlisted = [c for c in row if c.endswith("_id") and c not in {*refs, *NOT_REFERENCES}]
        assert not unlisted, f"{kind} has reference columns the tests do not know: {unlisted}"
        same: dict[str, Any] = {
            c: ranked(refs[c], v) if c in refs else v for c, v in row.items() if c != "id"
        }
        same["id"] = ranked(kind, row["id"])
        if kind == "history_entry":
            data = dict(same["data"])
            for key, target in IN_HISTORY_DATA.items():
                if isinstance(data.get(key), dict):
                    data[key] = {**data[key], "id": ranked(target, data[key]["id"])}
            same["data"] = data
        normalised.append(same)
    return {k: v for k, v in header.items() if k not in OF_THE_MOMENT}, normalised
