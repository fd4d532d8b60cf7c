"""What every text and amount a client sends must be, in one place: the limits, and the
validators that note a problem (`Problems`) instead of raising, so that one answer lists
every problem of an input.

Whether text is well-formed (no control characters, valid Unicode) is checked before
any resolver runs, by the schema's string scalars (`schema.input_text`)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import TypeVar

from resolvers.errors import Problems

T = TypeVar("T")
MAX_AMOUNT = Decimal("99999999999999.99")
MAX_NAME_LENGTH = 200  # names, titles, companies, contact people, sources
MAX_SEARCH_LENGTH = 200
MAX_REASON_LENGTH = 2000
MAX_NOTE_LENGTH = 10_000
MAX_KEY_LENGTH = 200  # idempotency keys
MAX_EMAIL_LENGTH = 254  # RFC 5321's limit on a path
MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 256
# Linear: the domain's labels exclude the dots between them, so nothing backtracks.
_EMAIL = re.compile(r"^[^@\s]+@[^@\s.]+(?:\.[^@\s.]+)+$")

# Text that may not be stored (`schema.input_text` applies it to every GraphQL input;
# the form and CSV routes to theirs): control characters other than tab and line
# breaks, lone surrogates, Unicode noncharacters.
UNSTORABLE_MESSAGE = (
    "Text may not contain control characters (other than tab and line breaks) or invalid Unicode."
)
_NONCHARACTERS = "".join(
    f"\\U{plane << 16 | 0xFFFE:08x}\\U{plane << 16 | 0xFFFF:08x}" for plane in range(17)
)
_UNSTORABLE = re.compile(
    "[\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f-\\x9f\\ud800-\\udfff\\ufdd0-\\ufdef"
    + _NONCHARACTERS
    + "]"
)


def storable(text: str) -> bool:
    """Whether `text` may be stored (see `schema.input_text` for why each is refused)."""
    return _UNSTORABLE.search(text) is None


class Keep:
    """Marks an optional input that was left out, where `None` means "clear it"."""

    def __repr__(self) -> str:
        return "KEEP"


KEEP = Keep()


def distinct(values: Iterable[T]) -> list[T]:
    """Each value once, in the order first given: a filter's list of choices (statuses)
    may repeat them 40,000 times in a request, and each repeat would be one more
    parameter of its statement (PostgreSQL's driver takes at most 32,767)."""
    return list(dict.fromkeys(values))


def kept(value: T | Keep, current: T) -> T:
    return current if isinstance(value, Keep) else value


def required_text(
    problems: Problems,
    raw: str,
    field: Iterable[str],
    label: str = "Name",
    max_length: int = MAX_NAME_LENGTH,
) -> str:
    """`raw` without surrounding spaces, noting a problem when empty or too long."""
    text = raw.strip()
    if not text:
        problems.invalid(f"{label} must not be empty.", field)
    elif len(text) > max_length:
        problems.invalid(f"{label} must be at most {max_length} characters.", field)
    return text


def optional_text(
    problems: Problems, raw: str | None, field: list[str], max_length: int = MAX_NAME_LENGTH
) -> str | None:
    """Trimmed text, None when empty."""
    if raw is None:
        return None
    text = raw.strip()
    if len(text) > max_length:
        problems.invalid(f"At most {max_length} characters.", field)
    return text or None


def amount(problems: Problems, raw: Decimal, field: list[str]) -> Decimal:
    """A money amount: finite, not negative, at most two decimal places."""
    try:
        valid = raw.is_finite() and raw >= 0 and raw <= MAX_AMOUNT
        exact = valid and raw == raw.quantize(Decimal("0.01"))
    except InvalidOperation:
        valid = exact = False
    if not valid:
        problems.invalid(f"Enter an amount from 0 to {MAX_AMOUNT}.", field)
        return Decimal(0)
    if not exact:
        problems.invalid("Amounts have at most two decimal places.", field)
        return Decimal(0)
    return raw.quantize(Decimal("0.01"))


def reason(problems: Problems, raw: str, field: Iterable[str]) -> str:
    """Why a deal was lost or cancelled: required."""
    text = raw.strip()
    if not text:
        problems.invalid("Give a reason.", field)
    elif len(text) > MAX_REASON_LENGTH:
        problems.invalid(f"Reasons have at most {MAX_REASON_LENGTH} characters.", field)
    return text


def note(problems: Problems, raw: str | None, field: Iterable[str]) -> str | None:
    """A note on a completed step: optional, None when empty."""
    text = (raw or "").strip() or None
    if text is not None and len(text) > MAX_NOTE_LENGTH:
        problems.invalid(f"Notes have at most {MAX_NOTE_LENGTH} characters.", field)
    return text


def search_text(problems: Problems, raw: str | None, field: Iterable[str]) -> None:
    """Search text (GraphQL's is checked for storable text before; a URL's is not)."""
    if raw is not None and len(raw) > MAX_SEARCH_LENGTH:
        problems.invalid(f"At most {MAX_SEARCH_LENGTH} characters.", field)
    elif raw is not None and not storable(raw):
        problems.invalid(UNSTORABLE_MESSAGE, field)


def idempotency_key(problems: Problems, key: str | None) -> None:
    if key is not None and not 1 <= len(key) <= MAX_KEY_LENGTH:
        problems.invalid(
            f"idempotencyKey must have 1 to {MAX_KEY_LENGTH} characters.",
            ["input", "idempotencyKey"],
        )


def email(problems: Problems, address: str, field: Iterable[str]) -> None:
    """An address (already normalised) a user can log in with."""
    if len(address) > MAX_EMAIL_LENGTH or not _EMAIL.match(address):
        problems.invalid("Enter a valid email address.", field)


def password(problems: Problems, raw: str, field: Iterable[str]) -> None:
    if not MIN_PASSWORD_LENGTH <= len(raw) <= MAX_PASSWORD_LENGTH:
        problems.invalid(
            f"Password must have {MIN_PASSWORD_LENGTH} to {MAX_PASSWORD_LENGTH} characters.",
            field,
        )
