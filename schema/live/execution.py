"""Executing a live change once per group of subscribers and document.

Each subscription wraps each change in its GraphQL type once per group of subscribers
(`shared_object`: the first subscriber of the group makes it, the rest wait for it).
`SharedEventExecution` then executes a document once per change and group: every other
subscriber of the group with the same document and variables gets the same result, so
fan-out costs a dictionary lookup per socket, not a GraphQL execution. What a group
shares lives on the change (`subscriptions.changes.GroupShare`); which change an object
was made for is kept beside it, by the object's identity (`change_of`), since
graphql-core hands the executor only the object.

graphql-core is pinned (pyproject.toml): this subclasses its execution context and
touches one of its internals (`_relevant_sub_fields`).
"""

from __future__ import annotations

import asyncio
import json
import weakref
from collections.abc import Awaitable, Callable
from typing import Any

from schema.context import Context, Info
from schema.input_text import CheckedExecution
from subscriptions.changes import Change

# The change each shared GraphQL object was made for, by the object's identity. Weak: an
# entry goes with its change, and while the change lives its object does (the group's
# `made` holds it), so an identity is never reused under a live entry.
_changes_by_object: weakref.WeakValueDictionary[int, Change] = weakref.WeakValueDictionary()


class SharedEventExecution(CheckedExecution):
    """Executes a live change once per group and document (see the module's doc)."""

    # Worked out once per subscription; per-event executors are copies that share it.
    _shared_result_key: tuple[int, str, str | None] | None = None

    def build_per_event_executor(self, payload: Any) -> Any:
        change = change_of(payload)
        if change is not None:
            found = change.shared.results.get(self._result_key())
            if found is not None:
                return _Answered(found)  # no executor copy for the group's later sockets
        executor = super().build_per_event_executor(payload)
        # graphql-core 3.3 makes the event's executor a shallow copy of the subscription's,
        # memo of collected subfields included, and keys that memo by the identity of field
        # lists collected anew for every event: shared, it gained entries with every event
        # for as long as the subscription lived (the soak's servers grew ~20 MB a minute).
        executor._relevant_sub_fields = {}
        return executor

    def _result_key(self) -> tuple[int, str, str | None]:
        """Which results a subscriber may share: same document, operation and variables.
        Worked out once per subscription (its variables do not change), not per event."""
        key = self._shared_result_key
        if key is None:
            variables = json.dumps(self.variable_values.coerced, sort_keys=True, default=str)
            name = self.operation.name.value if self.operation.name else None
            key = (id(self.operation), variables, name)
            self._shared_result_key = key
        return key

    def execute_operation(self, serially: bool | None = None) -> Any:
        change = change_of(self.root_value)
        if change is None:
            return super().execute_operation(serially)
        key = self._result_key()
        results = change.shared.results
        if key not in results:
            self.context_value = change.shared.context
            result = super().execute_operation(serially)
            results[key] = _shareable(result) if self.is_awaitable(result) else result
        return results[key]


class _Answered:
    """Stands in for a per-event executor whose result the group already has."""

    def __init__(self, result: Any) -> None:
        self.result = result

    def execute_operation(self, serially: bool | None = None) -> Any:
        return self.result


def _shareable(result: Awaitable[Any]) -> Awaitable[Any]:
    """One execution awaited by every subscriber of the group."""
    return asyncio.ensure_future(result)


async def shared_object(
    info: Info, change: Change, wrap: Callable[[Context], Awaitable[Any]]
) -> Any:
    """The change's GraphQL object, made once per group: the first subscriber of the
    group to get the change starts making it and the others, woken by the same change,
    wait for it (shielded: one leaving meanwhile does not stop it for the rest). It
    carries its change (not as a field) for `SharedEventExecution`."""
    made = change.shared.made
    if made is None:
        made = change.shared.made = asyncio.ensure_future(_make(info, change, wrap))
    if made.done():  # most of a large group: no waiting, no shield to make
        return made.result()
    return await asyncio.shield(made)


async def _make(info: Info, change: Change, wrap: Callable[[Context], Awaitable[Any]]) -> Any:
    context = info.context.for_viewer(change.viewer, change.event_shared.loaders)
    if change.event_shared.loaders is None:
        change.event_shared.loaders = await context.loaders()
    change.shared.context = context
    wrapped = await wrap(context)
    _changes_by_object[id(wrapped)] = change
    return wrapped


def change_of(value: object) -> Change | None:
    """The change a GraphQL object was made for, if it was made by `shared_object`."""
    change = _changes_by_object.get(id(value))
    if change is None or change.shared.made is None or not change.shared.made.done():
        return None
    return change if change.shared.made.result() is value else None
