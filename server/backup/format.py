"""The export file: JSON lines, a header first, then one record per line.

    {"format": "dealflow-workspace", "version": 1, "migration": "models.0008_...",
     "exported_at": "2026-12-03T10:00:00+00:00", "last_event_id": 812,
     "counts": {"workspace": 1, "user": 5, ...}}
    {"record": "workspace", "id": 3, "name": "Acme", "timezone": "UTC", ...}
    {"record": "user", "id": 7, "email": "anna@acme.example", "password_hash": "...", ...}

The header says which migration the source database was at (a reader refuses one it
does not know), the highest event id the source's clients may hold as a cursor (the
import expires them all), and how many records of each kind follow (a file cut short
is refused).

A record is one row: its kind (the table's name), its id in the source database, and
the columns `KINDS` lists, under their own names. References are source ids of records
*above* it: kinds come in `KINDS` order, each after every kind it refers to, so a reader
resolves them as it goes. The workspace is implied. Ids written inside history entries'
data (`data["step"]["id"]`...) are references too (`EMBEDDED`).

`VERSION` changes whenever what a file holds changes. A reader takes its own version
and the earlier ones whose records it still reads: a kind added since (`ADDED_IN`) is
simply absent from an older file, and so is a column added since (`COLUMNS_ADDED_IN`),
read as null.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from tortoise.fields.base import Field
from tortoise.fields.relational import RelationalField
from tortoise.models import Model

from models.account import AuthToken, DisplayToken, LoginFailure, User, Workspace
from models.deal import (
    AccessRequest,
    Deal,
    DealCost,
    DealParticipant,
    LineItem,
    StepCompletion,
)
from models.event import Event, IdempotencyRecord, Notification
from models.history import HistoryEntry
from models.lead import Lead
from models.lead_form import LeadForm, LeadFormSubmission
from models.process import NotifyAudience, Process, Stage, Step, StepNotifyUser, StepPerformer
from models.product import Product
from models.task import Task
from models.webhook import Webhook, WebhookDelivery
from resolvers.accounts.auth import normalise_email
from resolvers.deals.files import is_digest

FORMAT = "dealflow-workspace"
VERSION = 4
RECORD = "record"  # the key that names a record's kind (no model has such a column)


class BadBackup(Exception):
    """Why a file cannot be read or written, in one line; nothing was changed."""


@contextlib.contextmanager
def refusing_os_errors() -> Iterator[None]:
    """A file or folder that cannot be read or written is told in one line too."""
    try:
        yield
    except OSError as error:
        raise BadBackup(f"{error.filename or 'a file'}: {error.strerror or error}") from None


def _email(value: Any) -> str | None:
    return None if normalise_email(value) == value else "must be a lower-case email address"


def _audiences(value: Any) -> str | None:
    allowed = {audience.value for audience in NotifyAudience}
    if isinstance(value, list) and all(item in allowed for item in value):
        return None
    return f"must be a list of {', '.join(sorted(allowed))}"


def _digest(value: Any) -> str | None:
    if value is None or (isinstance(value, str) and is_digest(value)):
        return None
    return "must be a SHA-256 in hex"


def _history_data(value: Any) -> str | None:
    if not isinstance(value, dict):
        return "must be an object"
    if not isinstance(value.get("changes", []), list):
        return "must hold its changes as a list"
    return _digest(value.get("fileHash"))


@dataclass(frozen=True)
class Kind:
    """One table as the file carries it: which columns, and how to find the workspace's
    rows (`scope`, a filter from the model to the workspace id)."""

    model: type[Model]
    columns: tuple[str, ...]
    scope: str
    # Rules beyond the column's type, from the code that owns them: (column, problem).
    checks: Mapping[str, Callable[[Any], str | None]] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.model._meta.db_table

    def field(self, column: str) -> Field[Any]:
        return self.model._meta.fields_map[column]

    @cached_property
    def references(self) -> dict[str, str]:
        """Each reference column and the kind whose ids it holds (`owner_id`: `user`)."""
        meta = self.model._meta
        found = {}
        for relation in meta.fk_fields:
            foreign = meta.fields_map[relation]
            assert isinstance(foreign, RelationalField)
            if foreign.source_field in self.columns:
                found[foreign.source_field] = foreign.related_model._meta.db_table
        return found

    @property
    def in_workspace(self) -> bool:
        """Whether the rows carry `workspace_id` (set to the new workspace on import)."""
        return "workspace_id" in self.model._meta.db_fields and self.model is not Workspace


KINDS: tuple[Kind, ...] = (
    Kind(Workspace, ("name", "timezone", "currency", "created_at"), "id"),
    Kind(
        User,
        ("email", "name", "role", "password_hash", "active", "created_at"),
        "workspace_id",
        {"email": _email},
    ),
    Kind(Process, ("name", "is_default", "created_at", "updated_at", "deleted_at"), "workspace_id"),
    Kind(
        Product,
        ("name", "code", "unit_price", "active", "created_at", "updated_at"),
        "workspace_id",
    ),
    Kind(
        Stage,
        ("process_id", "name", "position", "archived_at", "rotten_after_days"),
        "process__workspace_id",
    ),
    Kind(
        Step,
        (
            "stage_id",
            "name",
            "position",
            "weight",
            "mandatory",
            "who_can_perform",
            "require_note",
            "notify",
            "task_title",
            "task_due_in_days",
            "task_assignee",
            "archived_at",
        ),
        "stage__process__workspace_id",
        {"notify": _audiences},
    ),
    Kind(StepPerformer, ("step_id", "user_id"), "step__stage__process__workspace_id"),
    Kind(StepNotifyUser, ("step_id", "user_id"), "step__stage__process__workspace_id"),
    Kind(
        Deal,
        (
            "process_id",
            "owner_id",
            "created_by_id",
            "name",
            "external_id",
            "company",
            "contact_person",
            "value",
            "currency",
            "source",
            "expected_close_date",
            "status",
            "is_public",
            "stage_id",
            "probability",
            "stage_entered_at",
            "lost_reason",
            "lost_at_stage_id",
            "closed_at",
            "last_activity_at",
            "rots_at",
            "version",
            "created_at",
            "updated_at",
            "deleted_at",
        ),
        "workspace_id",
    ),
    Kind(
        Lead,
        (
            "owner_id",
            "created_by_id",
            "name",
            "external_id",
            "company",
            "contact_person",
            "email",
            "phone",
            "source",
            "note",
            "status",
            "disqualified_reason",
            "deal_id",
            "version",
            "created_at",
            "updated_at",
        ),
        "workspace_id",
    ),
    Kind(DealParticipant, ("deal_id", "user_id", "created_at"), "deal__workspace_id"),
    Kind(DealCost, ("deal_id", "name", "amount", "position"), "deal__workspace_id"),
    Kind(
        LineItem,
        (
            "deal_id",
            "product_id",
            "name",
            "quantity",
            "unit_price",
            "discount_percent",
            "amount",
            "position",
        ),
        "deal__workspace_id",
    ),
    Kind(
        StepCompletion,
        (
            "deal_id",
            "step_id",
            "completed_by_id",
            "completed_at",
            "note",
            "file_hash",
            "file_name",
            "file_size",
            "file_content_type",
        ),
        "deal__workspace_id",
        {"file_hash": _digest},
    ),
    Kind(
        AccessRequest,
        ("deal_id", "requester_id", "status", "created_at", "answered_by_id", "answered_at"),
        "deal__workspace_id",
    ),
    Kind(
        Task,
        (
            "title",
            "due_at",
            "assignee_id",
            "deal_id",
            "created_by_id",
            "source_step_id",
            "done",
            "done_at",
            "created_at",
            "updated_at",
        ),
        "workspace_id",
    ),
    Kind(
        Notification,
        (
            "recipient_id",
            "kind",
            "message",
            "deal_id",
            "step_id",
            "actor_id",
            "access_request_id",
            "created_at",
            "read_at",
        ),
        "workspace_id",
    ),
    Kind(
        HistoryEntry,
        ("deal_id", "lead_id", "actor_id", "kind", "at", "data"),
        "workspace_id",
        {"data": _history_data},
    ),
)
KIND_NAMES = tuple(kind.name for kind in KINDS)
# Kinds added after the first version of the format, and the version that added each.
ADDED_IN = {"product": 2, "line_item": 2, "lead": 3}
# Columns added to a kind after the first version of the format, and the version that
# added each: an older file lacks them, and they read as null.
COLUMNS_ADDED_IN = {
    "stage.rotten_after_days": 3,
    "deal.last_activity_at": 3,
    "deal.rots_at": 3,
    "history_entry.lead_id": 3,
    "deal.external_id": 4,
    "lead.external_id": 4,
}


def column_in_version(kind: Kind, column: str, version: int) -> bool:
    """Whether a file of `version` carries `column` of `kind`."""
    return COLUMNS_ADDED_IN.get(f"{kind.name}.{column}", 1) <= version


def kinds_in_version(version: int) -> tuple[str, ...]:
    """The kinds a file of `version` counts in its header."""
    return tuple(name for name in KIND_NAMES if ADDED_IN.get(name, 1) <= version)


BY_NAME = {kind.name: kind for kind in KINDS}

# What a history entry's data names by id, and the kind of that id: {"step": {"id": 4}}.
EMBEDDED = {"step": "step", "task": "task", "request": "access_request", "user": "user"}

# Columns of exported tables left out on purpose, and why.
LEFT_OUT = {
    "workspace.events_purged_through": "set by the import: the replay log is not exported",
    "deal.value_cents": "an integer copy of the value (resolvers.deals.state.sync_amounts)",
    "deal.forecast_cents": "an integer copy of the forecast (sync_amounts)",
    "history_entry.file_hash": "a copy of data.fileHash (resolvers.events.history.write_history)",
    "history_entry.file_size": "a copy of data.fileSize (resolvers.events.history.write_history)",
}

# Tables not exported at all, and why.
NOT_EXPORTED: dict[type[Model], str] = {
    AuthToken: "sessions end with the move: everyone logs in again",
    DisplayToken: "wall screens get new tokens after the move (a token is shown only once)",
    LoginFailure: "login throttling is about the last minutes on one server",
    IdempotencyRecord: "retries are answered for a day, by the server that saw the first try",
    Event: "the replay log: live subscribers resume on the server they are connected to",
    Webhook: "set up again after the move: their secrets are sealed with the source's key",
    WebhookDelivery: "the delivery log of the source server's webhooks",
    LeadForm: "made again after the move (a new URL for the site's form): a token's digest "
    "names one form across a server, and an import may land beside its source",
    LeadFormSubmission: "client keys are answered for a day, by the server that saw them",
}


def summary(
    title: str, counts: Mapping[str, int], files: int, copied: int | None, copy_option: str
) -> str:
    """What `dealflow export` and `import` print: the records of each kind, and the
    attached files (copied, or not without `copy_option`)."""
    lines = [title, *(f"  {kind}: {count}" for kind, count in counts.items())]
    if copied is None:
        lines.append(f"  attached files: {files}, not copied (no {copy_option})")
    else:
        lines.append(f"  attached files: {files}, {copied} copied")
    return "\n".join(lines)


def files_of(kind: Kind, values: Mapping[str, Any]) -> Iterator[str]:
    """The stored files a record refers to, by content hash."""
    if kind.model is StepCompletion and values["file_hash"]:
        yield values["file_hash"]
    if kind.model is HistoryEntry and values["data"].get("fileHash"):
        yield values["data"]["fileHash"]
