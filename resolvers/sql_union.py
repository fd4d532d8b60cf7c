"""Several ORM queries of one model in one SQL round trip (UNION ALL).

Tortoise has no union; a board needs the first cards of every column at once, each
column ordered and limited on its own, without a statement per column. Each query keeps
its own ORDER BY and LIMIT inside a derived table, which both SQLite and PostgreSQL
accept, and the parameters keep their order (PostgreSQL's numbered placeholders are
shifted so they stay distinct). Each row carries the number of its query, since a
union keeps no order of its own. A query's annotations are set on its instances, as
Tortoise does for a query of its own.

SQLite hands datetimes back as text, which Tortoise parses with a pure-Python ISO 8601
parser (some 6 us each: a board's cards have six datetimes, 4-5 ms a board); they are
decoded here with `datetime.fromisoformat` first (0.1 us: SQLite's are all written by
`server.database` in one ISO format), and Tortoise gets datetimes to check.
"""

from __future__ import annotations

import re
from contextlib import suppress
from datetime import datetime
from functools import cache, partial
from typing import Any, TypeVar

from tortoise.expressions import RawSQL
from tortoise.fields import DatetimeField
from tortoise.models import Model
from tortoise.queryset import QuerySet

M = TypeVar("M", bound=Model)
_NUMBERED_PLACEHOLDER = re.compile(r"\$(\d+)")


def _shifted(offset: int, match: re.Match[str]) -> str:
    return f"${int(match.group(1)) + offset}"


async def fetch_union(queries: list[QuerySet[M]]) -> list[list[M]]:
    """The rows of each query, as model instances, a list per query."""
    if not queries:
        return []
    parts: list[str] = []
    params: list[object] = []
    for index, query in enumerate(queries):
        query = query.annotate(union_part=RawSQL(str(index)))
        query._choose_db_if_not_chosen()
        query._make_query()
        sql, values = query.query.get_parameterized_sql()
        if query._db.capabilities.dialect == "postgres":
            sql = _NUMBERED_PLACEHOLDER.sub(partial(_shifted, len(params)), sql)
        parts.append(f'SELECT * FROM ({sql}) AS "part{index}"')
        params.extend(values)
    _, rows = await query._db.execute_query(" UNION ALL ".join(parts), params)
    annotations = [name for name in query._annotations if name != "union_part"]
    as_text = _datetime_columns(query.model) if query._db.capabilities.dialect == "sqlite" else ()
    found: list[list[M]] = [[] for _ in queries]
    for row in rows:
        columns = dict(row)
        if as_text:
            _decode_datetimes(columns, as_text)
        instance = query.model._init_from_db(**columns)
        for name in annotations:
            setattr(instance, name, columns[name])
        found[int(columns["union_part"])].append(instance)
    return found


@cache
def _datetime_columns(model: type[Model]) -> tuple[str, ...]:
    """The columns of `model`'s datetime fields."""
    return tuple(
        key for key, _, field in model._meta.db_complex_fields if isinstance(field, DatetimeField)
    )


def _decode_datetimes(columns: dict[str, Any], keys: tuple[str, ...]) -> None:
    for key in keys:
        value = columns[key]
        if isinstance(value, str):
            with suppress(ValueError):  # not ours: Tortoise's parser has its say
                columns[key] = datetime.fromisoformat(value)
