"""Plain fields, completed without graphql-core's per-field machinery.

Most of what a long list shows (a board's cards, a page of deals) is plain: a scalar or
enum read straight off the object, as an attribute or a method that takes nothing but
`self`. graphql-core executes each of them as any other field: a path, a resolve info
(and Strawberry's own around it), the resolver call through Strawberry's wrappers, then
`complete_value` down the type's wrappers; for the board's 120 cards that is most of
the execution's time. `PlainFieldExecution.execute_fields` does what the spec asks of
a plain field directly: read the value, coerce it with the type's `coerce_output_value`.

What a selection set's fields are is worked out once per selection set and executor
(`FieldPlan`), over the fields graphql-core has already collected (fragments spread,
`@skip`/`@include` applied, aliases merged), so a document means what it meant:
aliases and field order are the collected ones, `__typename` is the parent type's name,
and every field that is not plain (arguments, `info`, async, objects, lists, field
extensions) goes through graphql-core as before. A plain field whose value cannot be
completed (null for a non-null type, a value its scalar refuses, an exception) is
executed again the general way, which gives the error its message, locations, path and
null propagation exactly as graphql-core would; reading a plain field has no side
effects, so reading it twice is harmless. With graphql-core middleware (a Strawberry
extension with a `resolve` hook), every field runs through the general path.

The tests compare this path's answers with the general path's over random documents
(`tests/schema/test_plain_fields.py`). graphql-core is pinned (pyproject.toml): this
overrides `Executor.execute_fields`, whose shape it keeps.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from operator import attrgetter
from typing import Any

from graphql import (
    GraphQLLeafType,
    GraphQLNonNull,
    GraphQLObjectType,
    Undefined,
    is_leaf_type,
)
from graphql.execution.collect_fields import FieldDetailsList, GroupedFieldSet
from graphql.pyutils import Path, gather_with_cancel
from strawberry.types.field import StrawberryField

from schema.input_text import CheckedExecution

# Strawberry keeps its field beside graphql-core's under this key.
_STRAWBERRY_FIELD = "strawberry-definition"


@dataclass(frozen=True, slots=True)
class PlainField:
    """How to complete one plain field: read it, then coerce it as its leaf type."""

    read: Callable[[Any], Any]
    leaf: GraphQLLeafType | None  # None: `__typename`, whose value is `read`'s
    non_null: bool


@dataclass(frozen=True, slots=True)
class FieldPlan:
    """A collected selection set of one object type: each field by its response name,
    with how to complete it when it is plain (None: the general path)."""

    fields: tuple[tuple[str, FieldDetailsList, PlainField | None], ...]
    grouped_field_set: GroupedFieldSet  # kept alive: plans are keyed by its identity
    any_plain: bool


def plain_field(parent_type: GraphQLObjectType, name: str) -> PlainField | None:
    """How to complete `parent_type.name` without graphql-core, if it is plain."""
    if name == "__typename":
        type_name = parent_type.name
        return PlainField(lambda _source: type_name, None, True)
    field_def = parent_type.fields.get(name)
    if field_def is None or field_def.args:
        return None
    return_type = field_def.type
    non_null = isinstance(return_type, GraphQLNonNull)
    leaf = return_type.of_type if non_null else return_type
    if not is_leaf_type(leaf):
        return None
    read = _reader((field_def.extensions or {}).get(_STRAWBERRY_FIELD))
    return PlainField(read, leaf, non_null) if read is not None else None


def _reader(field: object) -> Callable[[Any], Any] | None:
    """How Strawberry would read `field` when it has no arguments, takes no `info`, is
    synchronous and has no field extension; None otherwise."""
    if not isinstance(field, StrawberryField) or field.extensions:
        return None
    resolver = field.base_resolver
    if resolver is None:
        if field.default_resolver is getattr:
            return attrgetter(field.python_name)
        default, name = field.default_resolver, field.python_name
        return lambda source: default(source, name)
    parameters = resolver.signature.parameters
    if resolver.is_async or len(parameters) != 1 or resolver.self_parameter is None:
        return None
    function = resolver.wrapped_func
    return function if callable(function) else None


class PlainFieldExecution(CheckedExecution):
    """Executes plain fields directly (see the module's doc)."""

    # Off: every field the general way (the tests compare the two).
    plain_fields_enabled = True
    _plans: dict[tuple[str, int], FieldPlan] | None = None

    def build_per_event_executor(self, payload: Any) -> Any:
        executor = super().build_per_event_executor(payload)
        if isinstance(executor, PlainFieldExecution):
            # Plans are keyed by the identity of field sets collected anew for each event.
            executor._plans = None
        return executor

    def _has_middleware(self) -> bool:
        manager = self.middleware_manager  # Strawberry makes one, often empty
        return manager is not None and bool(manager.middlewares)

    def _plan(self, parent_type: GraphQLObjectType, fields: GroupedFieldSet) -> FieldPlan:
        plans = self._plans
        if plans is None:
            plans = self._plans = {}
        key = (parent_type.name, id(fields))
        plan = plans.get(key)
        if plan is None:
            planned = tuple(
                (name, details, plain_field(parent_type, details[0].node.name.value))
                for name, details in fields.items()
            )
            plan = plans[key] = FieldPlan(
                planned, fields, any(plain is not None for _, _, plain in planned)
            )
        return plan

    def execute_fields(
        self,
        parent_type: GraphQLObjectType,
        source_value: Any,
        path: Path | None,
        grouped_field_set: GroupedFieldSet,
        position_context: Any,
    ) -> Any:
        if not self.plain_fields_enabled or self._has_middleware():
            return super().execute_fields(
                parent_type, source_value, path, grouped_field_set, position_context
            )
        plan = self._plan(parent_type, grouped_field_set)
        if not plan.any_plain:
            return super().execute_fields(
                parent_type, source_value, path, grouped_field_set, position_context
            )
        results: dict[str, Any] = {}
        is_awaitable = self.is_awaitable
        awaitable_fields: list[str] = []
        try:
            for response_name, details, plain in plan.fields:
                if plain is not None:
                    value = _completed(plain, source_value)
                    if value is not _UNCOMPLETED:
                        results[response_name] = value
                        continue
                result = self.execute_field(
                    parent_type,
                    source_value,
                    details,
                    Path(path, response_name, parent_type.name),
                    position_context,
                )
                if result is not Undefined:
                    results[response_name] = result
                    if is_awaitable(result):
                        awaitable_fields.append(response_name)
        except Exception:
            if awaitable_fields:
                self.settle_in_background([results[field] for field in awaitable_fields])
            raise
        if not awaitable_fields:
            return results
        return self._awaited(results, awaitable_fields)

    @staticmethod
    async def _awaited(results: dict[str, Any], awaitable_fields: list[str]) -> dict[str, Any]:
        if len(awaitable_fields) == 1:
            (field,) = awaitable_fields
            results[field] = await results[field]
        else:
            awaited = await gather_with_cancel(*(results[field] for field in awaitable_fields))
            results.update(zip(awaitable_fields, awaited, strict=True))
        return results


_UNCOMPLETED = object()


def _completed(plain: PlainField, source: Any) -> Any:
    """The field's completed value, or `_UNCOMPLETED` when the general path must say
    what went wrong."""
    try:
        value = plain.read(source)
        if value is None:
            return _UNCOMPLETED if plain.non_null else None
        if plain.leaf is None:
            return value
        coerced = plain.leaf.coerce_output_value(value)
    except Exception:
        return _UNCOMPLETED
    if coerced is None or coerced is Undefined:
        return _UNCOMPLETED
    return coerced
