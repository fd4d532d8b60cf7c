"""Conventions shared by the typed inputs resolvers take."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import TypeVar

from resolvers.errors import Problems

T = TypeVar("T")
MAX_AMOUNT = Decimal("99999999999999.99")


class Keep:
    """Marks an optional input that was left out, where `None` means "clear it"."""

    def __repr__(self) -> str:
        return "KEEP"


KEEP = Keep()


def kept(value: T | Keep, current: T) -> T:
    return current if isinstance(value, Keep) else value


def optional_text(
    problems: Problems, raw: str | None, field: list[str], max_length: int = 200
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
