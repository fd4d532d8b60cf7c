"""How domain enums appear in GraphQL (one `strawberry.enum` per Python enum, all
here), the DateTime scalar, always UTC, and the Decimal scalar, plain numbers only.

`strawberry.enum` marks the domain's own enum class, so types and inputs annotate
fields with the domain enums themselves, imported from here (which makes sure they are
marked before any type uses them)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal as PythonDecimal

import strawberry

from models.account import Role
from models.deal import AccessRequestStatus, DealStatus
from models.lead import LeadStatus
from models.process import NoteRequirement, NotifyAudience, Performer, TaskAssignee
from resolvers.task_dot import TaskStatus
from subscriptions.changes import BoardEventKind

strawberry.enum(Role, description="ADMIN configures, MANAGER sees every deal.")
strawberry.enum(Performer, description="Who may complete a step.")
strawberry.enum(NoteRequirement)
strawberry.enum(NotifyAudience)
strawberry.enum(TaskAssignee)
strawberry.enum(AccessRequestStatus)
strawberry.enum(DealStatus, description="CANCELLED: the project never happened (not lost).")
strawberry.enum(LeadStatus, description="QUALIFIED: became a deal; DISQUALIFIED: with a reason.")
strawberry.enum(
    TaskStatus, description="A card's dot: open tasks overdue, due today, later, or none."
)
strawberry.enum(
    BoardEventKind,
    description="PROCESS_CHANGED: the process's stages or weights changed; reload the board.",
)

__all__ = [
    "AccessRequestStatus",
    "BoardEventKind",
    "DealStatus",
    "LeadStatus",
    "NoteRequirement",
    "NotifyAudience",
    "Performer",
    "Role",
    "TaskAssignee",
    "TaskStatus",
]


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _parse_datetime(raw: object) -> datetime:
    if not isinstance(raw, str) or not raw.isascii() or len(raw) > 40:
        raise ValueError("DateTime must be an ISO 8601 string.")
    try:
        return _utc(datetime.fromisoformat(raw))
    except OverflowError:  # a moment that is out of range once in UTC
        raise ValueError("DateTime out of range.") from None


# Python's Decimal() also takes "1_000", "١٢", " 1e3 ", "NaN" and "Infinity": a
# client's typo or trick would become a number. Only the plain form is a Decimal here.
_PLAIN_DECIMAL = re.compile(r"-?[0-9]{1,20}(?:\.[0-9]{1,20})?")


def _parse_decimal(raw: object) -> PythonDecimal:
    """A plain decimal number: a string (or a JSON integer) of ASCII digits with an
    optional sign and fraction. Negative zero is zero."""
    text = str(raw) if isinstance(raw, int) and not isinstance(raw, bool) else raw
    if not isinstance(text, str) or not _PLAIN_DECIMAL.fullmatch(text):
        raise ValueError('Decimal must be a plain number as a string, like "1234.50".')
    value = PythonDecimal(text)
    return value.copy_abs() if value.is_zero() else value


DateTime = strawberry.scalar(
    name="DateTime",
    description="ISO 8601, answered in UTC. An input's offset is honoured; none means UTC.",
    serialize=lambda moment: _utc(moment).isoformat(),
    parse_value=_parse_datetime,
)


Decimal = strawberry.scalar(
    name="Decimal",
    description=(
        'A decimal number as a string, like "1234.50": ASCII digits, an optional minus '
        "sign and fraction; no exponent, digit separators or spaces. -0 is 0."
    ),
    serialize=str,
    parse_value=_parse_decimal,
)


# Custom scalars with a published specification (`@specifiedBy`); Decimal has none.
SPECIFIED_BY = {
    "DateTime": "https://scalars.graphql.org/andimarek/date-time.html",
    "Date": "https://scalars.graphql.org/andimarek/local-date.html",
    "Upload": "https://github.com/jaydenseric/graphql-multipart-request-spec",
}
