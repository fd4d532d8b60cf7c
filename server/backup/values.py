"""One column's value in an export file: written as JSON, and read back only if the
model's field would take it (type, null, length, range, choices, digits), so that the
database's own rules decide what a file may say and nothing repeats them."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from enum import Enum
from typing import Any

from tortoise import fields
from tortoise.fields.base import Field
from tortoise.fields.data import CharEnumFieldInstance


class BadValue(ValueError):
    """The value does not fit its field; the message says what would."""


def to_json(value: Any) -> Any:
    """Times in UTC with their offset, dates as ISO dates, decimals as text (never a
    float), choices by their value."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Enum):
        return value.value
    return value


def from_json(field: Field[Any], value: Any) -> Any:
    """The Python value the field stores, or `BadValue`."""
    if value is None:
        if not field.null:
            raise BadValue("must not be null")
        return None
    if isinstance(field, fields.DatetimeField):
        return _datetime(value)
    if isinstance(field, fields.DateField):
        return _date(value)
    if isinstance(field, fields.DecimalField):
        return _decimal(field, value)
    if isinstance(field, fields.BooleanField):
        if not isinstance(value, bool):
            raise BadValue("must be true or false")
        return value
    if isinstance(field, fields.IntField):
        return _integer(field, value)
    if isinstance(field, CharEnumFieldInstance):
        choices = [member.value for member in field.enum_type]
        if value not in choices:
            raise BadValue(f"must be one of {', '.join(choices)}")
        return field.enum_type(value)
    if isinstance(field, fields.CharField):
        if not isinstance(value, str) or len(value) > field.max_length:
            raise BadValue(f"must be text of at most {field.max_length} characters")
        return _storable(value)
    if isinstance(field, fields.TextField):
        if not isinstance(value, str):
            raise BadValue("must be text")
        return _storable(value)
    if isinstance(field, fields.JSONField):
        for text in _texts(value):
            _storable(text)
        return value
    raise TypeError(f"no rule for {type(field).__name__}")


def _storable(text: str) -> str:
    """SQLite keeps NUL characters; PostgreSQL refuses them, in text and in JSON."""
    if "\x00" in text:
        raise BadValue("must not contain NUL characters (PostgreSQL cannot store them)")
    return text


def _texts(value: Any) -> Iterator[str]:
    """Every string in a JSON value, keys included."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _texts(item)
    elif isinstance(value, list):
        for item in value:
            yield from _texts(item)


def _datetime(value: Any) -> datetime:
    if isinstance(value, str):
        with contextlib.suppress(ValueError):
            moment = datetime.fromisoformat(value)
            if moment.tzinfo is not None:
                return moment.astimezone(UTC)
    raise BadValue("must be an ISO 8601 time with its offset")


def _date(value: Any) -> date:
    if isinstance(value, str):
        with contextlib.suppress(ValueError):
            return date.fromisoformat(value)
    raise BadValue("must be an ISO 8601 date")


def _decimal(field: fields.DecimalField[Any], value: Any) -> Decimal:
    places, digits = field.decimal_places, field.max_digits
    problem = BadValue(f"must be a decimal in text, {digits} digits, {places} after the point")
    if not isinstance(value, str):
        raise problem
    try:
        amount = Decimal(value)
        exact = amount.is_finite() and amount == amount.quantize(Decimal(1).scaleb(-places))
    except InvalidOperation:
        raise problem from None
    if not exact or abs(amount) >= Decimal(10) ** (digits - places):
        raise problem
    return amount


def _integer(field: fields.IntField[Any], value: Any) -> int:
    low, high = field.constraints["ge"], field.constraints["le"]
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise BadValue(f"must be an integer from {low} to {high}")
    return value
