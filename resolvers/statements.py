"""Queries of a fixed shape whose SQL is rendered once, not on every call.

Tortoise builds a query's SQL anew each time it runs: a session's lookup (a token with
its user and workspace, two joins) takes some 0.5 ms to render, paid by every request
before anything else, and a board renders five statements. A `Statement` wraps a
function that makes a query from its arguments alone. The first time it runs on a
database dialect with a given layout of arguments (which are lists, and how long), it
renders the query twice with probe arguments of that layout, unlike each other and
any real value: the two texts must be the same, and where their parameters differ is
where each argument goes. Every call after that is that text with its own arguments in
those places, and its rows become instances as Tortoise makes them (the query's
`select_related` and annotations included).

What the query may depend on: its arguments, passed into its filters as they are, and
constants; never a choice made on a filled-in argument's value (`if workspace_id > 0`),
which the probes would make one way for every later call. Arguments are ints, strings and
datetimes, or lists of them (a list's length is part of the layout); a flag, an enum
member, None or a `Shaping` (a page size written into the text) is not filled in but
shapes the query (a viewer's kind): it is part of the layout, passed as it is. A
function with a closure or defaults is refused, since what it would carry would be
baked into the text of every later call. Whatever else varies between the renders (the
clock read inside, an argument written into the text or converted by Tortoise, a probe
a field refuses), or a first real call whose own rendering is not the text filled in
with its arguments, makes the layout uncacheable: its calls are rendered every time,
as Tortoise would, and `cached` tells a test so. A layout with a list longer than
`LONGEST_LIST` is always rendered. A statement keeps at most `MOST_LAYOUTS` layouts, the
most recently used: whatever layouts its callers make (a page size is one, and a
client chooses it), the cache stays small, and the layouts in use stay in it (a client
making hundreds of new ones costs a rendering each, not the others their cache).

A query that locks its rows (`select_for_update`) has its lock in its text (where the
dialect has one: PostgreSQL's FOR UPDATE; SQLite locks the whole database for a
transaction's first write), and runs on the connection Tortoise would give it (where
writes go, as for Tortoise): inside a transaction, the transaction's own.

`Statement.rendered` gives a call's filled-in SQL without running it, for a statement
made of several (a board's first pages, `resolvers.board.kanban`);
`resolvers.sql_union.fetch_union_over` finds where a key lands the same way
(`parameter_places`). A query's LIMIT is written into its text (`render`).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import Enum
from types import LambdaType
from typing import Any, Generic, TypeVar

from pypika_tortoise.terms import ValueWrapper
from tortoise.queryset import QuerySet, ValuesQuery
from tortoise.router import router

R = TypeVar("R")
T = TypeVar("T")

LONGEST_LIST = 32
MOST_LAYOUTS = 256
_NOT_KEPT: Any = object()

Rendered = tuple[str, list[Any]]  # a query's SQL and its parameters


def parameter_places(
    first: Rendered, second: Rendered, first_leaves: Sequence[Any], second_leaves: Sequence[Any]
) -> dict[int, int] | None:
    """Where each leaf lands among the parameters of two renderings of one query made
    with `first_leaves` and then `second_leaves` (alike in layout, unlike in value):
    parameter index → leaf index. None when the renderings are not one text whose
    parameters differ exactly at leaves (the query cannot be filled in by position)."""
    (sql, values), (other_sql, other_values) = first, second
    if sql != other_sql or len(values) != len(other_values):
        return None
    where = {
        (_key(a), _key(b)): index
        for index, (a, b) in enumerate(zip(first_leaves, second_leaves, strict=True))
    }
    if len(where) != len(first_leaves):
        return None  # two leaves alike: which is which cannot be told
    places: dict[int, int] = {}
    for index, (value, other) in enumerate(zip(values, other_values, strict=True)):
        if _key(value) == _key(other):
            continue  # a constant of the query
        leaf = where.get((_key(value), _key(other)))
        if leaf is None:
            return None  # it varies with something other than the arguments
        places[index] = leaf
    return places


def _key(value: Any) -> Hashable:
    """A value as compared here: its type counts (True is not 1); one that cannot be
    hashed (a list, a document) by its text."""
    return (type(value), value if isinstance(value, Hashable) else repr(value))


def render(query: Any) -> Rendered:
    """The query's SQL and parameters, its LIMIT written in the text: PostgreSQL keeps
    one generic plan for a prepared statement only if no parameter changes how it would
    plan, and a LIMIT does (as a parameter, a card statement was planned anew on every
    execution, some 1.5 ms of 3.5)."""
    query._choose_db_if_not_chosen()
    query._make_query()
    if getattr(query, "_limit", None) is not None:
        query.query._limit = ValueWrapper(int(query._limit), allow_parametrize=False)
    sql, values = query.query.get_parameterized_sql()
    return sql, list(values)


Run = Callable[[Any, str, list[Any]], Awaitable[Any]]  # a connection, SQL, parameters


@dataclass(frozen=True)
class _Template:
    sql: str
    values: list[Any]
    places: dict[int, int]
    run: Run  # what the query does with its rows, as Tortoise would


@dataclass(frozen=True)
class Shaping(Generic[T]):
    """An argument that shapes the query's text rather than fills it in (a page size,
    written into the text as its LIMIT): part of the layout, handed to `make` as its
    value. Only for values of a small range: each one is a layout of its own."""

    value: T


class Statement(Generic[R]):
    """`make`'s query, rendered once per dialect and layout (see the module's doc):
    a query of whole rows (its instances) or of `.values(...)` (its dictionaries)."""

    def __init__(self, make: Callable[..., Awaitable[R]]) -> None:
        if getattr(make, "__closure__", None) or getattr(make, "__defaults__", None):
            raise TypeError("a statement's query depends on its arguments alone")
        self.make = make
        self._model: Any = None  # the model of its queries, known from the first
        self._locks = False  # whether its queries lock their rows, known from the first
        # Least recently used first (`MOST_LAYOUTS`).
        self._templates: OrderedDict[tuple[str, Layout], _Template | None] = OrderedDict()

    async def all(self, *args: Any) -> R:
        """`await make(*args)`, with the SQL rendered once."""
        query, db, template, rendered = self._filled(args)
        found: R = await (query if template is None else template.run(db, *rendered))
        return found

    def rendered(self, *args: Any) -> Rendered | None:
        """`make(*args)`'s SQL and parameters from the kept text; None when its layout
        is not kept (then render the query itself)."""
        _, _, template, rendered = self._filled(args)
        return None if template is None else rendered

    def _filled(self, args: Sequence[Any]) -> tuple[Any, Any, _Template | None, Rendered]:
        """The call's query (made only if its layout is not kept yet), connection,
        template and filled-in SQL."""
        layout, leaves = _layout(args)
        query = None
        if self._model is None:
            query = self.make(*_values(args))
            self._model = query.model  # type: ignore[attr-defined]
            self._locks = bool(getattr(query, "_select_for_update", False))
        # As Tortoise's `_choose_db`: a query that locks goes where writes go.
        route = router.db_for_write if self._locks else router.db_for_read
        db = route(self._model) or self._model._meta.db
        key = (db.capabilities.dialect, layout)
        templates = self._templates
        template = templates.get(key, _NOT_KEPT)
        if template is not _NOT_KEPT:
            templates.move_to_end(key)  # used last: the last to go
        elif all(length <= LONGEST_LIST for length, _ in layout):
            query = query or self.make(*_values(args))
            template = templates[key] = self._template(layout, leaves, query)
            if len(templates) > MOST_LAYOUTS:
                templates.popitem(last=False)  # the layout used longest ago
        else:
            template = None
        if template is None:
            return query or self.make(*_values(args)), db, None, ("", [])
        values = list(template.values)
        for index, leaf in template.places.items():
            values[index] = leaves[leaf]
        return query, db, template, (template.sql, values)

    def cached(self, dialect: str, *args: Any) -> bool:
        """Whether calls with arguments like `args` on `dialect` use a kept rendering."""
        return self._templates.get((dialect, _layout(args)[0])) is not None

    def _template(self, layout: Layout, leaves: list[Any], query: Any) -> _Template | None:
        probes = [_probes(layout, which) for which in (0, 1)]
        try:
            first, second = (self.make(*_values(args)) for args, _ in probes)
            rendered, other = render(first), render(second)
        except Exception:  # a field that checks its values (an enum's) refuses a probe
            return None
        run = _runner(first)  # once rendered: what it selects related is known then
        if run is None:
            return None
        places = parameter_places(rendered, other, probes[0][1], probes[1][1])
        if places is None:
            return None
        # And the real call's own rendering must be the text filled in with its leaves
        # (a query that branches on an argument's value renders otherwise).
        sql, values = rendered[0], list(rendered[1])
        for index, leaf in places.items():
            values[index] = leaves[leaf]
        real_sql, real_values = render(query)
        if real_sql != sql or list(map(_key, real_values)) != list(map(_key, values)):
            return None
        return _Template(sql=rendered[0], values=rendered[1], places=places, run=run)


def _runner(query: Any) -> Run | None:
    """How Tortoise would run `query` given its SQL: whole rows into instances (with
    what it selects related and its annotations), or `.values()` rows into
    dictionaries with each field's conversion; None for any other kind of query."""
    if type(query) is QuerySet:
        if query._prefetch_map or query._single:
            return None  # prefetching, `.first()`: left to Tortoise
        model, related, annotations = (
            query.model,
            query._select_related_idx,
            list(query._annotations),
        )

        async def instances(db: Any, sql: str, values: list[Any]) -> Any:
            executor = db.executor_class(model=model, db=db, select_related_idx=related)
            return await executor.execute_select(sql, values, custom_fields=annotations)

        return instances
    if type(query) is ValuesQuery and not query._single:
        columns = [
            (alias, convert)
            for alias, field in query._fields_for_select.items()
            if not isinstance(
                convert := query.resolve_to_python_value(query.model, field), LambdaType
            )
        ]

        async def dictionaries(db: Any, sql: str, values: list[Any]) -> Any:
            rows = await db.execute_query_dict(sql, values)
            for row in rows:
                for alias, convert in columns:
                    row[alias] = convert(row[alias])
            return rows

        return dictionaries
    return None


Layout = tuple[tuple[int, object], ...]  # per argument: see `_layout`
_FIXED = -2  # an argument that shapes the query: passed as it is, never a parameter


def _layout(args: Sequence[Any]) -> tuple[Layout, list[Any]]:
    """Per argument: its length (-1 for one value: 0 is an empty list) and the type of
    its values, or, for a flag, an enum member or None (what shapes a query rather than
    fills it in: a viewer's kind), `_FIXED` and itself. And every leaf in order."""
    layout: list[tuple[int, object]] = []
    leaves: list[Any] = []
    for arg in args:
        if arg is None or isinstance(arg, bool | Enum | Shaping):
            layout.append((_FIXED, arg))
            continue
        many = isinstance(arg, list | tuple)
        values = list(arg) if many else [arg]
        kinds = {type(value) for value in values}
        if len(kinds) > 1 or not kinds <= {int, str, datetime}:
            raise TypeError(f"a statement's arguments are ints, strings or datetimes: {arg!r}")
        layout.append((len(values) if many else -1, kinds.pop() if kinds else int))
        leaves.extend(values)
    return tuple(layout), leaves


_PROBE_EPOCHS = (datetime(1901, 1, 1, tzinfo=UTC), datetime(1902, 2, 2, tzinfo=UTC))


def _values(args: Sequence[Any]) -> list[Any]:
    """The arguments as `make` takes them (a `Shaping` by its value)."""
    return [arg.value if isinstance(arg, Shaping) else arg for arg in args]


def _probes(layout: Layout, which: int) -> tuple[list[Any], list[Any]]:
    """Arguments of `layout`, every leaf unlike any other and any real value, the
    second set (`which` 1) unlike the first; and their leaves in order."""
    args: list[Any] = []
    leaves: list[Any] = []
    for length, kind in layout:
        if length == _FIXED:
            args.append(kind)
            continue
        assert isinstance(kind, type)
        values = [_probe(kind, len(leaves) + i, which) for i in range(1 if length < 0 else length)]
        args.append(values if length >= 0 else values[0])
        leaves.extend(values)
    return args, leaves


def _probe(kind: type, index: int, which: int) -> Any:
    if kind is str:
        return f"\x00probe{which}:{index}"
    if kind is datetime:
        return _PROBE_EPOCHS[which] + timedelta(microseconds=index)
    return -(1_000_000_000 + 2 * index + which)
