"""Plain fields, completed without graphql-core's and Strawberry's per-field machinery.

Most of what a long list shows (a board's cards, a page of deals) is plain: a scalar or
enum read straight off the object, as an attribute or a method that takes nothing but
`self`. graphql-core executes each of them as any other field: a path, a resolve info
(and Strawberry's own around it), the resolver call through Strawberry's wrappers
(arguments converted, extensions chained), then `complete_value` down the type's
wrappers; for the board's 120 cards that was most of the execution's time.

`PlainFieldExecution.execute_fields` does what the spec asks of such fields directly:
- a plain field (`PlainField`: no arguments, a scalar or enum read by Strawberry's
  default resolver, an attribute) is read and coerced with its type's
  `coerce_output_value`; `__typename` is the parent type's name;
- a simple resolver (`DirectField`: no arguments, synchronous, taking `self` and
  perhaps `info`, no field extension) is called once, as Strawberry would call it (with
  a resolve info of its own path when it takes `info`); a scalar it returns is coerced
  in place, anything else (objects, lists, an awaitable, a value its type refuses) is
  completed by graphql-core with what the call returned;
- an object held by its parent (`HeldObjects`: no arguments, Strawberry's default
  resolver, an object type or a list of one) has its selection executed on the object,
  or on each item, straight away: graphql-core's `complete_value` steps (non-null, list,
  object, per item) are what this skips; the type's `is_type_of` is still asked;
- every other field goes through graphql-core and Strawberry as before.

A simple resolver that takes `info` gets a resolve info built only if it reads more
than its context (`_DeferredResolveInfo`): a card's owner and task dot read only that.

What a selection set's fields are is worked out once per selection set and executor
(`FieldPlan`), over the fields graphql-core has already collected (fragments spread,
`@skip`/`@include` applied, aliases merged), so a document means what it meant:
response names and their order are the collected ones. A plain field whose value cannot
be completed (null for a non-null type, a value its scalar refuses, an exception) is
executed again the general way, which gives the error its message, locations, path and
null propagation exactly as graphql-core would; reading an attribute has no side
effects, so reading it twice is harmless (a resolver is never called twice). A held
object or list that is not what its type needs as it is (null where it may not be, an
awaitable, something `is_type_of` refuses, a list that is not a list or tuple) goes the
general way before any of its selection is executed; errors within its selection are
located and propagated as `complete_list_item_value` and `execute_field` do. With
graphql-core middleware (a Strawberry extension with a `resolve` hook), every field
runs through the general path; with Strawberry exception handlers, every resolver.

The tests compare this path's answers with the general path's over random documents
(`tests/schema/test_plain_fields.py`). graphql-core is pinned (pyproject.toml): this
overrides `Executor.execute_fields`, whose shape it keeps, and mirrors `execute_field`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable, Hashable, Mapping
from dataclasses import dataclass, field
from enum import Enum
from functools import cached_property, lru_cache
from operator import attrgetter
from typing import Any

from graphql import (
    GraphQLBoolean,
    GraphQLEnumType,
    GraphQLField,
    GraphQLID,
    GraphQLInt,
    GraphQLLeafType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLString,
    Undefined,
    is_leaf_type,
)
from graphql.execution.collect_fields import FieldDetailsList, GroupedFieldSet
from graphql.pyutils import Path, gather_with_cancel
from strawberry import Info
from strawberry.schema.schema_converter import CustomGraphQLEnumType
from strawberry.types.field import StrawberryField

from schema.input_text import CheckedExecution
from schema.kept import known_by_identity

# Strawberry keeps its field beside graphql-core's under this key.
_STRAWBERRY_FIELD = "strawberry-definition"


@dataclass(frozen=True, slots=True)
class LeafOutput:
    """How a leaf type serializes a value, with the answers known without asking it:
    a `str` as String or ID, a `bool` as Boolean and an `int` within 32 bits as Int
    are themselves (as graphql-core's serializers answer), and a Strawberry enum's
    member is the name of its first value equal to the member's (as Strawberry's enum
    type answers, by a loop over its values); anything else is the type's to say."""

    leaf: GraphQLLeafType
    same: type | None  # values of this exact type serialize as themselves
    member_type: type | None  # a Strawberry enum's class, its members' names in `names`
    names: Mapping[Any, str]


def leaf_output(leaf: GraphQLLeafType) -> LeafOutput:
    found = _LEAF_OUTPUTS.get(leaf)
    if found is None:
        found = _LEAF_OUTPUTS[leaf] = _leaf_output(leaf)
    return found


def _leaf_output(leaf: GraphQLLeafType) -> LeafOutput:
    same = _SAME.get(leaf.name) if leaf is _BUILT_IN.get(leaf.name) else None
    wrapped = getattr(leaf, "wrapped_cls", None)
    if (
        isinstance(leaf, GraphQLEnumType)
        and isinstance(wrapped, type)
        and issubclass(wrapped, Enum)
        and type(leaf).coerce_output_value is _STRAWBERRY_ENUM_OUTPUT
    ):
        names: dict[Any, str] = {}
        for member in wrapped:
            for name, value in leaf.values.items():
                if member.value == value.value:
                    names[member] = name
                    break
        if len(names) == len(wrapped):
            return LeafOutput(leaf, same, wrapped, names)
    return LeafOutput(leaf, same, None, {})


_BUILT_IN = {t.name: t for t in (GraphQLString, GraphQLID, GraphQLBoolean, GraphQLInt)}
_SAME: dict[str, type] = {"String": str, "ID": str, "Boolean": bool, "Int": int}
# By type (identity): a process builds its schema once (the tests, a few dozen).
_LEAF_OUTPUTS: dict[GraphQLLeafType, LeafOutput] = {}
_INT_MIN, _INT_MAX = -(2**31), 2**31 - 1
_STRAWBERRY_ENUM_OUTPUT = CustomGraphQLEnumType.coerce_output_value


@dataclass(frozen=True, slots=True)
class PlainField:
    """How to complete one plain field: read it, then coerce it as its leaf type."""

    read: Callable[[Any], Any]
    leaf: LeafOutput | None  # None: `__typename`, whose value is `read`'s
    non_null: bool
    # Values of this exact type are complete as they are read (a `str` as String or ID,
    # a `bool`); ints are not among them, their range is checked (`_coerced`).
    same: type | None = field(init=False)

    def __post_init__(self) -> None:
        same = self.leaf.same if self.leaf is not None else None
        object.__setattr__(self, "same", same if same is not int else None)


@dataclass(frozen=True, slots=True)
class DirectField:
    """A simple resolver, called without Strawberry's wrappers."""

    field_def: GraphQLField
    field: StrawberryField
    call: Callable[..., Any]
    info_name: str | None  # the name of its `info` parameter, if it takes one
    leaf: LeafOutput | None  # its scalar or enum type, if it is one
    held: HeldObjects | None  # how to complete the object(s) it returns, if it does
    # Values of this exact type are complete as the resolver returns them, when it takes
    # only `self` (a cursor's text, a flag): `_execute_plan` calls it in place. (Its
    # `field` above hides dataclasses' in this class.)
    same: type | None = dataclasses.field(init=False)

    def __post_init__(self) -> None:
        same = self.leaf.same if self.leaf is not None and self.info_name is None else None
        object.__setattr__(self, "same", same if same is not int else None)


@dataclass(frozen=True, slots=True)
class HeldObjects:
    """An object, or a list of objects, of one object type held by its parent."""

    read: Callable[[Any], Any] | None  # None: a simple resolver's value, not read
    return_type: GraphQLOutputType
    object_type: GraphQLObjectType
    non_null: bool
    item_type: GraphQLOutputType | None  # a list's item type (its non-null wrapper too)


Planned = PlainField | DirectField | HeldObjects | None  # None: the general path


@dataclass(frozen=True, slots=True)
class FieldPlan:
    """A collected selection set of one object type: each field by its response name,
    with how it is completed."""

    fields: tuple[tuple[str, FieldDetailsList, Planned], ...]
    grouped_field_set: GroupedFieldSet  # kept alive: plans are keyed by its identity
    any_planned: bool


def held_objects(
    read: Callable[[Any], Any] | None, return_type: GraphQLOutputType, inner: Any, non_null: bool
) -> HeldObjects | None:
    """The plan of a field holding an object type or a list of one; None for anything
    else (abstract types, lists of lists or of leaves)."""
    if isinstance(inner, GraphQLObjectType):
        return HeldObjects(read, return_type, inner, non_null, None)
    if isinstance(inner, GraphQLList):
        item_type = inner.of_type
        item = item_type.of_type if isinstance(item_type, GraphQLNonNull) else item_type
        if isinstance(item, GraphQLObjectType):
            return HeldObjects(read, return_type, item, non_null, item_type)
    return None


@lru_cache(maxsize=4096)
def planned_field(parent_type: GraphQLObjectType, name: str, direct: bool = True) -> Planned:
    """How to complete `parent_type.name` without the general path, if it can be
    (`direct`: whether resolvers may be called directly). Worked out once per field of
    a schema (a schema's types and fields do not change once built), not on every
    request that selects it."""
    if name == "__typename":
        type_name = parent_type.name
        return PlainField(lambda _source: type_name, None, True)
    field_def = parent_type.fields.get(name)
    if field_def is None or field_def.args:
        return None
    field = (field_def.extensions or {}).get(_STRAWBERRY_FIELD)
    if not isinstance(field, StrawberryField) or field.extensions or field.is_subscription:
        return None
    return_type = field_def.type
    non_null = isinstance(return_type, GraphQLNonNull)
    leaf = return_type.of_type if non_null else return_type
    resolver = field.base_resolver
    if resolver is None:
        if field.default_resolver is getattr:
            read: Callable[[Any], Any] = attrgetter(field.python_name)
        else:
            default, attribute = field.default_resolver, field.python_name
            read = lambda source: default(source, attribute)  # noqa: E731
        if is_leaf_type(leaf):
            return PlainField(read, leaf_output(leaf), non_null)
        return held_objects(read, return_type, leaf, non_null)
    function = resolver.wrapped_func
    info = resolver.info_parameter
    parameters = resolver.signature.parameters
    if (
        not direct
        or resolver.is_async
        or not callable(function)
        or resolver.self_parameter is None
        or len(parameters) != (2 if info is not None else 1)
    ):
        return None
    return DirectField(
        field_def,
        field,
        function,
        info.name if info is not None else None,
        leaf_output(leaf) if is_leaf_type(leaf) else None,
        held_objects(None, return_type, leaf, non_null),
    )


class PlainFieldExecution(CheckedExecution):
    """Executes plain fields and simple resolvers directly (see the module's doc)."""

    # Off: every field the general way (the tests compare the two).
    plain_fields_enabled = True
    _plans: dict[tuple[str, Hashable], FieldPlan] | None = None
    _subplans: (
        dict[tuple[GraphQLObjectType, Hashable], tuple[FieldDetailsList, FieldPlan | None]] | None
    ) = None
    # This executor's own front of the two: by the identity of the field set or of the
    # details (held beside their plan, so that an identity is not reused while it is in
    # here). The keys of the two above may cost more to make (`SharedEventExecution`
    # keys them by the document's nodes) than executing a card's plan.
    _plans_here: dict[tuple[GraphQLObjectType, int], tuple[GroupedFieldSet, FieldPlan]] | None = (
        None
    )
    _subplans_here: (
        dict[tuple[GraphQLObjectType, int], tuple[FieldDetailsList, FieldPlan | None]] | None
    ) = None

    def build_per_event_executor(self, payload: Any) -> Any:
        executor = super().build_per_event_executor(payload)
        if isinstance(executor, PlainFieldExecution):
            # Plans are keyed by the identity of field sets collected anew for each event.
            executor._plans = None
            executor._subplans = None
            executor._plans_here = None
            executor._subplans_here = None
        return executor

    @cached_property
    def _info_class(self) -> type[Info]:
        return self.schema._strawberry_schema.config.info_class  # type: ignore[attr-defined, no-any-return]

    @cached_property
    def _direct_calls(self) -> bool:
        """Whether resolvers may be called directly: not when the schema has exception
        handlers, which Strawberry's wrappers apply (none are configured today)."""
        converter = self.schema._strawberry_schema.schema_converter  # type: ignore[attr-defined]
        return not getattr(converter, "_exception_handler_specs", ())

    def _has_middleware(self) -> bool:
        manager = self.middleware_manager  # Strawberry makes one, often empty
        return manager is not None and bool(manager.middlewares)

    def _plan(self, parent_type: GraphQLObjectType, fields: GroupedFieldSet) -> FieldPlan:
        here = self._plans_here
        if here is None:
            here = self._plans_here = {}
        return known_by_identity(here, parent_type, fields, self._kept_plan)

    def _kept_plan(self, parent_type: GraphQLObjectType, fields: GroupedFieldSet) -> FieldPlan:
        plans = self._plans
        if plans is None:
            plans = self._plans = {}
        key = (parent_type.name, self._set_key(fields))
        plan = plans.get(key)
        if plan is None:
            planned = tuple(
                (name, details, self._planned(parent_type, details))
                for name, details in fields.items()
            )
            plan = plans[key] = FieldPlan(
                planned, fields, any(how is not None for _, _, how in planned)
            )
        return plan

    def _set_key(self, fields: GroupedFieldSet) -> Hashable:
        """What plans of a field set are kept under: its identity (the field set
        is kept alive with its plan)."""
        return id(fields)

    def _details_key(self, details: FieldDetailsList) -> Hashable:
        """What the plan of the selection a field makes is kept under: the identity of
        its field's details (kept alive with the plan)."""
        return id(details)

    def _planned(self, parent_type: GraphQLObjectType, details: FieldDetailsList) -> Planned:
        how = planned_field(parent_type, details[0].node.name.value, self._direct_calls)
        held = how if type(how) is HeldObjects else getattr(how, "held", None)
        lists = held is not None and held.item_type is not None
        if lists and any(d.node.directives for d in details):  # `@stream`: graphql-core's
            return None
        return how

    def _subplan(
        self, object_type: GraphQLObjectType, details: FieldDetailsList
    ) -> FieldPlan | None:
        """The plan of the selection that the field `details` makes on `object_type`,
        collected once per executor and field (graphql-core's `collect_subfields`, which
        `collect_and_execute_subfields` asks again for every object of a list); None
        when graphql-core must execute it itself (it defers fragments, or nothing in it
        is planned)."""
        here = self._subplans_here
        if here is None:
            here = self._subplans_here = {}
        return known_by_identity(here, object_type, details, self._kept_subplan)

    def _kept_subplan(
        self, object_type: GraphQLObjectType, details: FieldDetailsList
    ) -> FieldPlan | None:
        subplans = self._subplans
        if subplans is None:
            subplans = self._subplans = {}
        key = (object_type, self._details_key(details))
        found = subplans.get(key)
        if found is None:
            grouped_field_set, new_defer_usages, _ = self.collect_subfields(object_type, details)
            plan = None if new_defer_usages else self._plan(object_type, grouped_field_set)
            # `details` kept alive with its plan: the key is its identity.
            found = subplans[key] = (details, plan if plan and plan.any_planned else None)
        return found[1]

    def _execute_subfields(
        self,
        object_type: GraphQLObjectType,
        details: FieldDetailsList,
        path: Path,
        value: Any,
        position_context: Any,
    ) -> Any:
        """graphql-core's `collect_and_execute_subfields`, straight to the plan when
        nothing is deferred."""
        plan = self._subplan(object_type, details) if position_context is None else None
        if plan is None:
            return self.collect_and_execute_subfields(
                object_type, details, path, value, position_context
            )
        return self._execute_plan(plan, object_type, value, path, position_context)

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
        if not plan.any_planned:
            return super().execute_fields(
                parent_type, source_value, path, grouped_field_set, position_context
            )
        return self._execute_plan(plan, parent_type, source_value, path, position_context)

    def _execute_plan(
        self,
        plan: FieldPlan,
        parent_type: GraphQLObjectType,
        source_value: Any,
        path: Path | None,
        position_context: Any,
    ) -> Any:
        """`execute_fields` with the plan of its field set."""
        results: dict[str, Any] = {}
        is_awaitable = self.is_awaitable
        awaitable_fields: list[str] = []
        try:
            for response_name, details, how in plan.fields:
                if type(how) is PlainField:
                    try:
                        value = how.read(source_value)
                    except Exception:
                        value = _UNCOMPLETED
                    else:
                        if type(value) is how.same:  # most of a long list's fields
                            results[response_name] = value
                            continue
                        value = _completed(how, value)
                    if value is not _UNCOMPLETED:
                        results[response_name] = value
                        continue
                called: Any = _UNCOMPLETED  # a simple resolver's value, once it is called
                if type(how) is DirectField and how.same is not None:
                    # Called in place: most return what they answer (a cursor, a flag).
                    try:
                        called = how.call(source_value)
                    except Exception as raw_error:
                        called = _Failed(raw_error)
                    if type(called) is how.same:
                        results[response_name] = called
                        continue
                field_path = Path(path, response_name, parent_type.name)
                if type(how) is HeldObjects:
                    result = self._complete_held(
                        how, details, field_path, _read(how, source_value), position_context
                    )
                    if result is _UNCOMPLETED:
                        result = self.execute_field(
                            parent_type, source_value, details, field_path, position_context
                        )
                elif type(how) is DirectField and called is _UNCOMPLETED:
                    result = self._execute_direct(
                        parent_type, source_value, details, field_path, how, position_context
                    )
                elif type(how) is DirectField:
                    result = self._complete_direct(
                        parent_type, details, field_path, how, called, None, position_context
                    )
                else:
                    result = self.execute_field(
                        parent_type, source_value, details, field_path, position_context
                    )
                if result is not Undefined:
                    results[response_name] = result
                    if type(result) not in _NEVER_AWAITABLE and is_awaitable(result):
                        awaitable_fields.append(response_name)
        except Exception:
            if awaitable_fields:
                self.settle_in_background([results[field] for field in awaitable_fields])
            raise
        if not awaitable_fields:
            return results
        return _awaited(results, awaitable_fields)

    def _execute_direct(
        self,
        parent_type: GraphQLObjectType,
        source: Any,
        details: FieldDetailsList,
        path: Path,
        direct: DirectField,
        position_context: Any,
    ) -> Any:
        """graphql-core's `execute_field` for a simple resolver, called as Strawberry's
        wrappers would call it (`self` the object, `info` Strawberry's)."""
        deferred: _DeferredResolveInfo | None = None
        try:
            if direct.info_name is None:
                result = direct.call(source)
            else:
                deferred = _DeferredResolveInfo(self, direct, details, parent_type, path)
                strawberry_info = self._info_class(_raw_info=deferred, _field=direct.field)  # type: ignore[arg-type]
                result = direct.call(source, **{direct.info_name: strawberry_info})
        except Exception as raw_error:
            result = _Failed(raw_error)
        return self._complete_direct(
            parent_type, details, path, direct, result, deferred, position_context
        )

    def _complete_direct(
        self,
        parent_type: GraphQLObjectType,
        details: FieldDetailsList,
        path: Path,
        direct: DirectField,
        result: Any,
        deferred: _DeferredResolveInfo | None,
        position_context: Any,
    ) -> Any:
        """What a simple resolver returned (or `_Failed` with what it raised), completed
        as `execute_field` does past its call."""
        return_type = direct.field_def.type
        if type(result) is _Failed:
            self.handle_field_error(result.error, return_type, details, path)
            return None
        try:
            if result is not None:
                if direct.leaf is not None:
                    if not self.is_awaitable(result):
                        coerced = _coerced(direct.leaf, result)
                        if coerced is not _UNCOMPLETED:
                            return coerced
                elif direct.held is not None:  # refuses an awaitable itself
                    completed = self._complete_held(
                        direct.held, details, path, result, position_context
                    )
                    if completed is not _UNCOMPLETED:
                        return completed
            # The general completion says what a value means.
            info = (
                deferred.built()
                if deferred is not None
                else self._resolve_info(direct, details, parent_type, path)
            )
            if self.is_awaitable(result):
                return self.complete_awaitable_value(
                    return_type, details, info, path, result, position_context
                )
            completed = self.complete_value(
                return_type, details, info, path, result, position_context
            )
            if self.is_awaitable(completed):
                return self._completing(completed, return_type, details, path)
        except Exception as raw_error:
            self.handle_field_error(raw_error, return_type, details, path)
            return None
        return completed

    def _complete_held(
        self,
        held: HeldObjects,
        details: FieldDetailsList,
        path: Path,
        value: Any,
        position_context: Any,
    ) -> Any:
        """`value` (an object, or a list of them) completed with its selection, or
        `_UNCOMPLETED` if it is not as its type needs it (the general path then says
        why); nothing of its selection has run when it answers `_UNCOMPLETED`."""
        if value is None:
            return _UNCOMPLETED if held.non_null else None
        if value is _UNCOMPLETED:
            return value
        object_type = held.object_type
        if held.item_type is None:
            if not self._is_plain_object(object_type, value):
                return _UNCOMPLETED
            try:
                completed = self._execute_subfields(
                    object_type, details, path, value, position_context
                )
            except Exception as raw_error:
                self.handle_field_error(raw_error, held.return_type, details, path)
                return None
            if self.is_awaitable(completed):
                return self._completing(completed, held.return_type, details, path)
            return completed
        item_non_null = held.item_type is not object_type
        if type(value) is not list and type(value) is not tuple:
            return _UNCOMPLETED
        for item in value:
            if item is None:
                if item_non_null:
                    return _UNCOMPLETED
            elif not self._is_plain_object(object_type, item):
                return _UNCOMPLETED
        return self._complete_items(held, details, path, value, position_context)

    def _is_plain_object(self, object_type: GraphQLObjectType, value: Any) -> bool:
        """Whether `value` can be completed as `object_type` as it is: not awaitable,
        and of the type by its `is_type_of` if it has one (asked without a resolve
        info: Strawberry's ignore it; one that needs it fails here, and the general
        path asks it again with one)."""
        if self.is_awaitable(value):
            return False
        is_type_of = object_type.is_type_of
        if is_type_of is None:
            return True
        try:
            return is_type_of(value, None) is True  # type: ignore[arg-type]
        except Exception:
            return False

    def _complete_items(
        self,
        held: HeldObjects,
        details: FieldDetailsList,
        path: Path,
        items: list[Any] | tuple[Any, ...],
        position_context: Any,
    ) -> Any:
        """graphql-core's `complete_iterable_value` and `complete_list_item_value` for
        items already known to be objects of `held.object_type` (or allowed nulls)."""
        item_type = held.item_type
        assert item_type is not None
        object_type, is_awaitable = held.object_type, self.is_awaitable
        # The items' selection, worked out once for all of them.
        plan = self._subplan(object_type, details) if position_context is None else None
        completed: list[Any] = []
        awaitable_indices: list[int] = []
        try:
            for index, item in enumerate(items):
                if item is None:
                    completed.append(None)
                    continue
                item_path = path.add_key(index, None)
                try:
                    if plan is not None:
                        value = self._execute_plan(
                            plan, object_type, item, item_path, position_context
                        )
                    else:
                        value = self.collect_and_execute_subfields(
                            object_type, details, item_path, item, position_context
                        )
                except Exception as raw_error:
                    self.handle_field_error(raw_error, item_type, details, item_path)
                    value = None
                else:
                    if is_awaitable(value):
                        value = self._completing(value, item_type, details, item_path)
                        awaitable_indices.append(index)
                completed.append(value)
        except Exception as raw_error:
            if awaitable_indices:
                self.settle_in_background([completed[index] for index in awaitable_indices])
            self.handle_field_error(raw_error, held.return_type, details, path)
            return None
        if not awaitable_indices:
            return completed
        return self._completing(
            _items_awaited(completed, awaitable_indices), held.return_type, details, path
        )

    def _resolve_info(
        self,
        direct: DirectField,
        details: FieldDetailsList,
        parent_type: GraphQLObjectType,
        path: Path,
    ) -> Any:
        return self.build_resolve_info(
            direct.field_def, [d.node for d in details], parent_type, path
        )

    async def _completing(
        self,
        completed: Awaitable[Any],
        return_type: GraphQLOutputType,
        details: FieldDetailsList,
        path: Path,
    ) -> Any:
        try:
            return await completed
        except Exception as raw_error:
            self.handle_field_error(raw_error, return_type, details, path)
            return None


async def _awaited(results: dict[str, Any], awaitable_fields: list[str]) -> dict[str, Any]:
    if len(awaitable_fields) == 1:
        (field,) = awaitable_fields
        results[field] = await results[field]
    else:
        awaited = await gather_with_cancel(*(results[field] for field in awaitable_fields))
        results.update(zip(awaitable_fields, awaited, strict=True))
    return results


_UNCOMPLETED = object()


@dataclass(frozen=True, slots=True)
class _Failed:
    """What a resolver raised, held until its field's path is made."""

    error: Exception


async def _items_awaited(completed: list[Any], awaitable_indices: list[int]) -> list[Any]:
    if len(awaitable_indices) == 1:
        (index,) = awaitable_indices
        completed[index] = await completed[index]
        return completed
    awaited = await gather_with_cancel(*(completed[index] for index in awaitable_indices))
    for index, value in zip(awaitable_indices, awaited, strict=True):
        completed[index] = value
    return completed


def _read(held: HeldObjects, source: Any) -> Any:
    """The object(s) a parent holds, or `_UNCOMPLETED` if reading them fails."""
    assert held.read is not None
    try:
        return held.read(source)
    except Exception:
        return _UNCOMPLETED


class _DeferredResolveInfo:
    """Stands in for graphql-core's resolve info of a simple resolver: its context at
    once (most read nothing else), the rest from a real one built on first use."""

    __slots__ = ("_arguments", "_built", "context")

    def __init__(
        self,
        executor: PlainFieldExecution,
        direct: DirectField,
        details: FieldDetailsList,
        parent_type: GraphQLObjectType,
        path: Path,
    ) -> None:
        self.context = executor.context_value
        self._arguments = (executor, direct, details, parent_type, path)
        self._built: Any = None

    def built(self) -> Any:
        if self._built is None:
            executor, direct, details, parent_type, path = self._arguments
            self._built = executor._resolve_info(direct, details, parent_type, path)
        return self._built

    def __getattr__(self, name: str) -> Any:
        return getattr(self.built(), name)


# What execution's own answers are (an object's dictionary, a list, a leaf's value):
# never awaitable, whatever `is_awaitable` would take the time to find.
_NEVER_AWAITABLE = frozenset({dict, list, str, int, bool, float, type(None)})


def _completed(plain: PlainField, value: Any) -> Any:
    """The field's value read, completed, or `_UNCOMPLETED` when the general path must
    say what went wrong."""
    if value is None:
        return _UNCOMPLETED if plain.non_null else None
    if plain.leaf is None:
        return value
    return _coerced(plain.leaf, value)


def _coerced(output: LeafOutput, value: Any) -> Any:
    """`value` as its scalar or enum type serializes it, or `_UNCOMPLETED` when it
    cannot be (graphql-core's completion then says why)."""
    kind = type(value)
    if kind is output.same and (kind is not int or _INT_MIN <= value <= _INT_MAX):
        return value
    if kind is output.member_type:
        return output.names[value]
    try:
        coerced = output.leaf.coerce_output_value(value)
    except Exception:
        return _UNCOMPLETED
    if coerced is None or coerced is Undefined:
        return _UNCOMPLETED
    return coerced
