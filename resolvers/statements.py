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
constants; never a choice made on an argument's value (`if workspace_id > 0`), which
the probes would make one way for every later call. Arguments are ints, strings and
datetimes, or lists of them (a list's length is part of the layout). A function with a
closure or defaults is refused, since what it would carry would be baked into the text
of every later call. Whatever else varies between the renders (the clock read inside,
an argument written into the text or converted by Tortoise, a probe a field refuses),
or a first real call whose own rendering is not the text filled in with its arguments,
makes the layout uncacheable: its calls are rendered every time, as Tortoise would, and
`cached` tells a test so. A layout with a list longer than `LONGEST_LIST` is always
rendered (the cache stays small).

`resolvers.sql_union.fetch_union_over` finds where a key lands the same way
(`parameter_places`).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Generic, TypeVar

from tortoise.models import Model
from tortoise.queryset import QuerySet

M = TypeVar("M", bound=Model)

LONGEST_LIST = 32

Leaf = int | str | datetime
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
    """A value as compared here: its type counts (True is not 1)."""
    return (type(value), value)


def render(query: QuerySet[Any]) -> Rendered:
    query._choose_db_if_not_chosen()
    query._make_query()
    sql, values = query.query.get_parameterized_sql()
    return sql, list(values)


@dataclass(frozen=True)
class _Template:
    sql: str
    values: list[Any]
    places: dict[int, int]
    model: type[Model]
    select_related_idx: Any
    annotations: list[str]


class Statement(Generic[M]):
    """`make`'s query, rendered once per dialect and layout (see the module's doc)."""

    def __init__(self, make: Callable[..., QuerySet[M]]) -> None:
        if getattr(make, "__closure__", None) or getattr(make, "__defaults__", None):
            raise TypeError("a statement's query depends on its arguments alone")
        self.make = make
        self._templates: dict[tuple[str, Layout], _Template | None] = {}

    async def all(self, *args: Leaf | Sequence[Leaf]) -> list[M]:
        """`await make(*args)`, with the SQL rendered once."""
        layout, leaves = _layout(args)
        query = self.make(*args)  # not rendered: Tortoise renders only when it runs
        db = query._choose_db()
        key = (db.capabilities.dialect, layout)
        if key not in self._templates and all(n <= LONGEST_LIST for n, _ in layout):
            self._templates[key] = self._template(layout, leaves, query)
        template = self._templates.get(key)
        if template is None:
            return await query
        values = list(template.values)
        for index, leaf in template.places.items():
            values[index] = leaves[leaf]
        executor = db.executor_class(
            model=template.model, db=db, select_related_idx=template.select_related_idx
        )
        return await executor.execute_select(
            template.sql, values, custom_fields=template.annotations
        )

    def cached(self, dialect: str, *args: Leaf | Sequence[Leaf]) -> bool:
        """Whether calls with arguments like `args` on `dialect` use a kept rendering."""
        return self._templates.get((dialect, _layout(args)[0])) is not None

    def _template(self, layout: Layout, leaves: list[Any], query: QuerySet[M]) -> _Template | None:
        if query._prefetch_map or query._single or type(query) is not QuerySet:
            return None  # prefetching, `.first()`, values: not a list of whole rows
        probes = [_probes(layout, which) for which in (0, 1)]
        try:
            first, second = (self.make(*args) for args, _ in probes)
            rendered, other = render(first), render(second)
        except Exception:  # a field that checks its values (an enum's) refuses a probe
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
        return _Template(
            sql=rendered[0],
            values=rendered[1],
            places=places,
            model=first.model,
            select_related_idx=first._select_related_idx,
            annotations=list(first._annotations),
        )


Layout = tuple[tuple[int, type], ...]  # per argument: its length (-1: one value), leaf type


def _layout(args: Sequence[Any]) -> tuple[Layout, list[Any]]:
    """Each argument's length (-1 for one value: 0 is an empty list) and the type of
    its values, and every leaf in order."""
    layout: list[tuple[int, type]] = []
    leaves: list[Any] = []
    for arg in args:
        many = isinstance(arg, list | tuple)
        values = list(arg) if many else [arg]
        kinds = {type(value) for value in values}
        if len(kinds) > 1 or not kinds <= {int, str, datetime}:
            raise TypeError(f"a statement's arguments are ints, strings or datetimes: {arg!r}")
        layout.append((len(values) if many else -1, kinds.pop() if kinds else int))
        leaves.extend(values)
    return tuple(layout), leaves


_PROBE_EPOCHS = (datetime(1901, 1, 1, tzinfo=UTC), datetime(1902, 2, 2, tzinfo=UTC))


def _probes(layout: Layout, which: int) -> tuple[list[Any], list[Any]]:
    """Arguments of `layout`, every leaf unlike any other and any real value, the
    second set (`which` 1) unlike the first; and their leaves in order."""
    args: list[Any] = []
    leaves: list[Any] = []
    for length, kind in layout:
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
