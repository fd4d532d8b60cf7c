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
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class Keep:
    """Marks an optional input that was left out, where `None` means "clear it"."""

    def __repr__(self) -> str:
        return "KEEP"


KEEP = Keep()


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
    if raw is not None and len(raw) > MAX_SEARCH_LENGTH:
        problems.invalid(f"At most {MAX_SEARCH_LENGTH} characters.", field)


def idempotency_key(problems: Problems, key: str | None) -> None:
    if key is not None and not 1 <= len(key) <= MAX_KEY_LENGTH:
        problems.invalid(
            f"idempotencyKey must have 1 to {MAX_KEY_LENGTH} characters.",
            ["input", "idempotencyKey"],
        )


def email(problems: Problems, address: str, field: Iterable[str]) -> None:
    """An address (already normalised) a user can log in with."""
    if not _EMAIL.match(address) or len(address) > MAX_EMAIL_LENGTH:
        problems.invalid("Enter a valid email address.", field)


def password(problems: Problems, raw: str, field: Iterable[str]) -> None:
    if not MIN_PASSWORD_LENGTH <= len(raw) <= MAX_PASSWORD_LENGTH:
        problems.invalid(
            f"Password must have {MIN_PASSWORD_LENGTH} to {MAX_PASSWORD_LENGTH} characters.",
            field,
        )
