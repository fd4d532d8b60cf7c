"""Rows straight into model instances, with each column's conversion worked out once.

Tortoise makes an instance of every row by calling each complex field's
`to_python_value`, which for a datetime reads the `USE_TZ` environment variable, looks
the default time zone up and, on SQLite, parses the text with a pure-Python ISO 8601
parser (some 6 us a datetime; a board's 126 cards hold seven each); an enum is found by
calling its class. `RowReader` decides per model, once, how each column
becomes a value: as Tortoise would for everything but datetimes (`fromisoformat`, then
the same time zone rule, settled when the reader is made) and enums (their value map),
and makes the instance as `Model._init_from_db` does. Read by name (`read`), a row
that is not one of the model's whole rows (a column missing) goes through
`_init_from_db` itself; read by position (`at`), the rows of a statement of some of
the model's columns (`QuerySet.only`) become partial instances as Tortoise makes them. Readers are
made once per model and process, after the ORM is set up: the time zone rule is the
one Tortoise was configured with then (`use_tz`, UTC, for every entry point).

A row another model's rows refer to (a card's owner) can come in the same statement
(`Related`: its columns joined in as annotations) and be read from them as well.

`tests/resolvers/test_row_reader.py` checks, field by field on both backends, that a
reader's instances are Tortoise's own, related ones too. Tortoise is pinned below 1.2
(pyproject.toml): this mirrors `_init_from_db`.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from enum import Enum
from functools import cache, cached_property
from operator import itemgetter
from typing import Any, Generic, Protocol, TypeVar

from tortoise import timezone
from tortoise.expressions import F
from tortoise.fields import DatetimeField, Field
from tortoise.models import Model

M = TypeVar("M", bound=Model)


class Row(Protocol):
    """A row as the drivers hand it over (asyncpg's `Record`, sqlite3's `Row`): its
    values by position, and its columns' names."""

    def keys(self) -> Iterable[str]: ...

    def __getitem__(self, index: int, /) -> Any: ...


Convert = Callable[[Any], Any] | None  # None: the value as the driver gave it


class RowReader(Generic[M]):
    """Instances of `model` from its rows (see the module's doc)."""

    def __init__(self, model: type[M]) -> None:
        meta = model._meta
        self.model = model
        self.custom_pk = meta.db_pk_column not in meta.generated_db_fields
        columns: list[tuple[str, str, Convert]] = [
            (key, name, None) for key, name, _ in meta.db_native_fields
        ]
        columns += [(key, name, _default(field)) for key, name, field in meta.db_default_fields]
        columns += [(key, name, _complex(field)) for key, name, field in meta.db_complex_fields]
        self.columns = tuple(columns)
        self.keys = frozenset(key for key, _, _ in columns)
        # Values go straight into the instance's dictionary only where no attribute of
        # the class stands in the way (a property or other descriptor of that name).
        self.plain_dict = not any(
            hasattr(type(inspect.getattr_static(model, name, None)), "__set__")
            for _, name, _ in columns
        )

    def read(self, row: Mapping[str, Any]) -> M:
        if not self.keys <= row.keys():
            return self.model._init_from_db(**row)
        instance = self.model.__new__(self.model)
        set_ = object.__setattr__  # as `_init_from_db`: past the model's own __setattr__
        set_(instance, "_partial", False)
        set_(instance, "_saved_in_db", True)
        set_(instance, "_custom_generated_pk", self.custom_pk)
        set_(instance, "_await_when_save", {})
        for key, name, convert in self.columns:
            value = row[key]
            set_(instance, name, value if convert is None or value is None else convert(value))
        return instance

    def at(self, names: Sequence[str]) -> Callable[[Row], M] | None:
        """A reader of the rows of one statement, whose columns are `names` in that
        order: each value taken by its position (no mapping made of the row, no lookup
        by name), the plain ones put in the instance's dictionary in one step; None
        when the model has a descriptor of a column's name (then `read` each row).

        A statement of only some of the model's columns (`QuerySet.only`) makes partial
        instances, as Tortoise does: they hold those columns alone (reading another is
        an AttributeError) and cannot be saved."""
        place = {name: index for index, name in enumerate(names)}
        if not self.plain_dict:
            return None
        present = [column for column in self.columns if column[0] in place]
        plain = [(place[key], name) for key, name, convert in present if not convert]
        converted = tuple((place[key], name, convert) for key, name, convert in present if convert)
        model, custom_pk = self.model, self.custom_pk
        names_of_plain = tuple(name for _, name in plain)
        # The plain columns' values in one step (a tuple of them, however many).
        values_of_plain = itemgetter(*(index for index, _ in plain)) if len(plain) > 1 else None
        flags = {
            "_partial": len(present) < len(self.columns),
            "_saved_in_db": True,
            "_custom_generated_pk": custom_pk,
        }

        def read(row: Row) -> M:
            instance = model.__new__(model)
            fields = instance.__dict__  # as `_init_from_db` sets them: past __setattr__
            fields.update(flags)
            fields["_await_when_save"] = {}
            if values_of_plain is not None:
                fields.update(zip(names_of_plain, values_of_plain(row), strict=True))
            else:
                for index, name in plain:
                    fields[name] = row[index]
            for index, name, convert in converted:
                value = row[index]
                fields[name] = value if value is None else convert(value)
            return instance

        return read


@cache
def row_reader(model: type[M]) -> RowReader[M]:
    """The reader of `model` (made on first use, once the ORM is set up)."""
    return RowReader(model)


@dataclass(frozen=True)
class Related(Generic[M]):
    """The row of `model` that a query's rows refer to through their foreign key
    `relation`, read in the same statement: `annotations` join its columns (or only
    `columns`: a partial instance) in, as annotations named after the relation, and
    `read` makes the instance from what an instance of the query's rows holds of them
    (None when it refers to none)."""

    model: type[M]
    relation: str
    columns: tuple[str, ...] | None = None

    @cached_property
    def _names(self) -> list[tuple[str, str]]:
        """(annotation, column) of each column read (once the ORM is set up)."""
        return [
            (f"{self.relation}_row_{key}", key)
            for key, _, _ in row_reader(self.model).columns
            if self.columns is None or key in self.columns
        ]

    def annotations(self) -> dict[str, F]:
        fields = self.model._meta.fields_db_projection_reverse  # column -> field
        return {
            annotation: F(f"{self.relation}__{fields[column]}")
            for annotation, column in self._names
        }

    def read(self, instance: object) -> M | None:
        values = {column: getattr(instance, name) for name, column in self._names}
        if values[self.model._meta.db_pk_column] is None:
            return None
        related: M = row_reader(self.model).read(values)
        return related


@cache
def value_reader(model: type[Model], name: str) -> Callable[[Any], Any]:
    """How a value of `model`'s field `name` read by a driver becomes what an instance
    holds (as a reader converts its column; a value read beside the model's own, such as
    an annotation of one of its datetimes)."""
    convert = _complex(model._meta.fields_map[name])
    assert convert is not None  # a complex field always has its conversion
    return lambda value: value if value is None else convert(value)


def _default(field: Field[Any]) -> Convert:
    return field.field_type  # what `_init_from_db` does with a field of this kind


def _complex(field: Field[Any]) -> Convert:
    if isinstance(field, DatetimeField) and timezone.get_use_tz():
        return _aware_datetime(timezone.get_default_timezone(), field)
    enum_type = getattr(field, "enum_type", None)
    if isinstance(enum_type, type) and issubclass(enum_type, Enum):
        return _enum_member(enum_type, field)
    return field.to_python_value


def _aware_datetime(zone: tzinfo, field: Field[Any]) -> Convert:
    """Tortoise's rule with `use_tz`: an aware datetime in the default time zone. Text
    (SQLite) is read with `fromisoformat`; anything else unusual goes to Tortoise.

    When the default zone is UTC (as Dealflow configures it), a value already in UTC
    (asyncpg's, and SQLite's text with its `+00:00`) is kept as it is: the same instant,
    offset and zone name, its `tzinfo` `datetime.UTC` rather than Tortoise's
    `ZoneInfo("UTC")`, which no comparison, arithmetic or ISO text tells apart (a board
    reads some 900 datetimes, and converting them was half of reading its rows)."""
    in_utc = getattr(zone, "key", None) == "UTC"

    def convert(value: Any) -> Any:
        if type(value) is datetime and value.tzinfo is UTC:  # asyncpg's: aware, in UTC
            return value if in_utc else value.astimezone(zone)
        if type(value) is str:
            try:
                value = datetime.fromisoformat(value)
            except ValueError:
                return field.to_python_value(value)
        if type(value) is not datetime or value.utcoffset() is None:
            return field.to_python_value(value)
        return value if in_utc and value.tzinfo is UTC else value.astimezone(zone)

    return convert


def _enum_member(enum_type: type[Enum], field: Field[Any]) -> Convert:
    members = enum_type._value2member_map_

    def convert(value: Any) -> Any:
        member = members.get(value)
        return member if member is not None else field.to_python_value(value)

    return convert
