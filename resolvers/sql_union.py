"""Several ORM queries of one model in one SQL round trip (UNION ALL).

Tortoise has no union; a board needs the first cards of every column at once, each
column ordered and limited on its own, without a statement per column. Each query keeps
its own ORDER BY and LIMIT inside a derived table, which both SQLite and PostgreSQL
accept, and the parameters keep their order (PostgreSQL's numbered placeholders are
shifted so they stay distinct). Each row carries the number of its query, since a
union keeps no order of its own. A query's annotations are set on its instances, as
Tortoise does for a query of its own.
"""

from __future__ import annotations

import re
from functools import partial
from typing import TypeVar

from tortoise.expressions import RawSQL
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
    found: list[list[M]] = [[] for _ in queries]
    for row in rows:
        columns = dict(row)
        instance = query.model._init_from_db(**columns)
        for name in annotations:
            setattr(instance, name, columns[name])
        found[int(columns["union_part"])].append(instance)
    return found
