"""Several ORM queries of one model in one SQL round trip (UNION ALL).

Tortoise has no union; a board needs the first cards of every column at once, each
column ordered and limited on its own, without a statement per column. Each query keeps
its own ORDER BY and LIMIT inside a derived table, which both SQLite and PostgreSQL
accept, and the parameters keep their order (PostgreSQL's numbered placeholders are
shifted so they stay distinct). Each row carries the number of its query, since a
union keeps no order of its own. A query's annotations are set on its instances, as
Tortoise does for a query of its own.

Rows become instances through `resolvers.row_reader` (Tortoise's conversions, worked
out once per model).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from functools import partial
from operator import itemgetter
from typing import TypeVar, cast

from tortoise.models import Model
from tortoise.queryset import QuerySet

from resolvers.row_reader import Row, row_reader
from resolvers.statements import Rendered, parameter_places, render

M = TypeVar("M", bound=Model)
K = TypeVar("K", bound=int)
_NUMBERED_PLACEHOLDER = re.compile(r"\$(\d+)")


def _shifted(offset: int, match: re.Match[str]) -> str:
    return f"${int(match.group(1)) + offset}"


async def fetch_union(queries: list[QuerySet[M]]) -> list[list[M]]:
    """The rows of each query, as model instances, a list per query."""
    if not queries:
        return []
    return await fetch_rendered(queries[0], [render(query) for query in queries])


async def fetch_union_over(make: Callable[[K], QuerySet[M]], keys: Sequence[K]) -> list[list[M]]:
    """`fetch_union([make(key) for key in keys])`, where `make` puts its key in its query
    as a parameter and nothing else changes with it (a column of cards per stage id).

    Tortoise renders a query's SQL anew each time (some 0.4 ms for a card query); here
    it renders two, and when they are the same text whose parameters differ exactly
    where each holds its own key (`statements.parameter_places`), every other key's
    query is that text with its key in those places. Anything else (the key elsewhere
    than in parameters, two keys alike) renders every query, as `fetch_union` does."""
    if len(keys) < 3 or len(set(keys)) != len(keys):
        return await fetch_union([make(key) for key in keys])
    first = make(keys[0])
    (sql, values), other = render(first), render(make(keys[1]))
    places = parameter_places((sql, values), other, keys[:1], keys[1:2])
    if not places:  # not only parameters, or not there at all
        return await fetch_union([make(key) for key in keys])
    rendered: list[Rendered] = [(sql, values), other]
    for key in keys[2:]:
        alike = list(values)
        for index in places:
            alike[index] = key
        rendered.append((sql, alike))
    return await fetch_rendered(first, rendered)


async def fetch_rendered(query: QuerySet[M], rendered: list[Rendered]) -> list[list[M]]:
    """One statement for the `rendered` queries (of `query`'s model and annotations,
    each its SQL and parameters, as `statements.render` gives them)."""
    query._choose_db_if_not_chosen()
    db = query._db
    postgres = db.capabilities.dialect == "postgres"
    parts: list[str] = []
    params: list[object] = []
    for index, (sql, values) in enumerate(rendered):
        if postgres:
            sql = _NUMBERED_PLACEHOLDER.sub(partial(_shifted, len(params)), sql)
        parts.append(f'SELECT *, {index} AS "union_part" FROM ({sql}) AS "part{index}"')
        params.extend(values)
    _, fetched = await db.execute_query(" UNION ALL ".join(parts), params)
    rows = cast(Sequence[Row], fetched)  # records or sqlite3 rows, not dictionaries
    found: list[list[M]] = [[] for _ in rendered]
    if not rows:
        return found
    names = list(rows[0].keys())  # every row of the statement has the same columns
    place = {name: index for index, name in enumerate(names)}
    annotated = list(query._annotations)
    part = place["union_part"]
    reader = row_reader(query.model)
    read = reader.at(names) or (lambda row: reader.read({n: row[i] for n, i in place.items()}))
    # The annotations' values in one step, into the instance's dictionary as the reader
    # sets columns (past the model's __setattr__), unless an attribute of the class has
    # one of their names.
    of_row = itemgetter(*(place[name] for name in annotated)) if len(annotated) > 1 else None
    in_dict = of_row is not None and not any(hasattr(query.model, n) for n in annotated)
    set_ = object.__setattr__
    for row in rows:
        instance = read(row)
        if in_dict:
            assert of_row is not None
            instance.__dict__.update(zip(annotated, of_row(row), strict=True))
        else:
            for name in annotated:
                set_(instance, name, row[place[name]])
        found[int(row[part])].append(instance)
    return found
