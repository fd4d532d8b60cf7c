"""Executing a live change once per group of subscribers and document, and handing
each socket its frame.

Each subscription wraps each change in its GraphQL type once per group of subscribers
(`shared_object`: the first subscriber of the group makes it, the rest wait for it).
`SharedEventExecution` then executes a document once per change and group, and encodes
the result's payload as JSON once: every other subscriber of the group with the same
document and variables gets the same text. What a group shares lives on the change
(`subscriptions.changes.GroupShare`); which change an object was made for is kept beside
it, by the object's identity (`change_of`), since graphql-core hands the executor only
the object.

The frame path: over a WebSocket, the handler gives the operation a `FrameSink`
(`use_frame_sink`, a context variable set in the operation's task; `server.frames` writes
them). Each event then goes from the source stream straight to the sink: the group's
payload text, spliced by the sink into its protocol's frame with the operation's id,
with none of the per-socket pipeline of a streamed result (no executor copy, no
Strawberry result or extension hooks, no message dict, no JSON encoding). Errors in a
shared result are logged and masked once, for the group (`schema.errors.process_errors`).
Once the feed writes a subscription's frames itself (`live_delivery`), its stream is
handed over (`subscriptions.feeds.HandedOver`) and its execution unwinds: one executor
per document and variables renders for every such subscription (`_renderers`; the
payload encoded by the sink, once per group, as its frames carry it), and
what makes each change's object keeps the socket's context, not the resolver's `info`
(which keeps its executor). Whatever ends the stream (falling behind, an error in the
source) still ends it the usual way: the error as its last result, then `complete`
(`server.websocket_handlers`). Without a sink (the schema called directly), events
stream as graphql-core's results, shared the same way.

What a document's selections collect, and their plans (`schema.plain_fields`), are worked
out at its first event and kept for the next under the document's own nodes
(`_Selections`): graphql-core collects them anew for every event, as lists of its own.

graphql-core is pinned (pyproject.toml): this subclasses its executor, overrides its
`collect_subfields` and touches one of its internals (`_relevant_sub_fields`).
"""

from __future__ import annotations

import asyncio
import json
import weakref
from collections.abc import (
    AsyncIterable,
    AsyncIterator,
    Awaitable,
    Callable,
    Hashable,
    Sequence,
)
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, Protocol

import orjson
from graphql import (
    ExecutionResult,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLObjectType,
    OperationType,
    VariableNode,
)
from graphql.execution.collect_fields import CollectedFields, FieldDetailsList, GroupedFieldSet

from resolvers.futures import shared_result
from schema.context import Context
from schema.errors import process_errors
from schema.kept import KEPT_DOCUMENTS, KeptByIdentity
from schema.plain_fields import PlainFieldExecution
from subscriptions.changes import Change
from subscriptions.feeds import Delivery

# The change each shared GraphQL object was made for, by the object's identity. Weak: an
# entry goes with its change, and while the change lives its object does (the group's
# `made` holds it), so an identity is never reused under a live entry.
_changes_by_object: weakref.WeakValueDictionary[int, Change] = weakref.WeakValueDictionary()


class FrameSink(Protocol):
    """Where one operation's events go over its socket (`server.frames`)."""

    async def next(self, payload: str) -> None:
        """Send a result frame whose payload is `payload`, a JSON object's text."""

    @property
    def writes_now(self) -> bool:
        """Whether `next_now` can write to this socket (else its task sends)."""

    def encoded(self, payload: str) -> bytes:
        """A payload as `next_now` takes it (the same for every sink of its protocol)."""

    def next_now(self, payloads: Sequence[bytes], frames: dict[bytes, bytes] | None = None) -> bool:
        """Write their frames (payloads `encoded`) at once, in order and together, from
        any task: True written (or the operation is over), False the socket cannot take
        them now (too far behind). `frames` (one payload for many sockets): the whole
        frames made so far for it, by the sink's head, to reuse and add to."""


# The sink of the operation whose task this is (None: stream results instead). Weak, as
# the executor below: a copy of the task's context that outlives it (a database driver's
# timer, say: asyncpg's statement cache keeps one for minutes) must keep neither.
_frame_sink: ContextVar[weakref.ref[FrameSink] | None] = ContextVar(
    "dealflow_frame_sink", default=None
)


def use_frame_sink(sink: FrameSink) -> None:
    """Over a socket: this task's operation writes its events to `sink` (kept by the
    caller for as long as the operation runs)."""
    _frame_sink.set(weakref.ref(sink))


def frame_sink() -> FrameSink | None:
    """The sink of this task's operation, if any."""
    ref = _frame_sink.get()
    return ref() if ref is not None else None


# Called once the operation's stream is open (`stream_opened`): its socket's setup turn
# (`server.setup_turns`) goes to the next.
stream_opening: ContextVar[Callable[[], None] | None] = ContextVar(
    "dealflow_stream_opening", default=None
)
# The executor of the subscription being set up in this task (its source stream's
# resolver runs after the executor is built, in the same task).
_subscription: ContextVar[weakref.ref[SharedEventExecution] | None] = ContextVar(
    "dealflow_subscription", default=None
)


def stream_opened() -> None:
    """For a subscription's source resolver: its stream is open (registered with its
    feed) or refused; what it took to set it up is over."""
    opened = stream_opening.get()
    if opened is not None:
        stream_opening.set(None)
        opened()


def live_delivery(make: Callable[[Change], Awaitable[object]]) -> Delivery | None:
    """For a subscription's source resolver: how the feed may write this operation's
    frames itself (`subscriptions.feeds`), given how the resolver makes a change into
    its GraphQL object; None when it cannot (no socket behind it, or one that cannot be
    written at once)."""
    sink, building = frame_sink(), _subscription.get()
    executor = building() if building is not None else None
    if sink is None or executor is None or not sink.writes_now:
        return None
    _subscription.set(None)  # the operation's task keeps no executor of its own
    key = executor._result_key()
    shared = _renderers.get(key)
    if shared is None:
        _renderers[key] = shared = executor
    return _Delivery(sink, shared, make)


# One executor renders the frames of every subscription with the same document and
# variables (`SharedEventExecution._result_key`): what it renders depends on its change
# and the change's group, not on the subscription it was built for. Weak: an entry goes
# with the last subscription that renders with it, and while it lives so does its
# document, so the document's identity in the key is not reused meanwhile.
_renderers: weakref.WeakValueDictionary[tuple[int, str, str | None], SharedEventExecution] = (
    weakref.WeakValueDictionary()
)


class _Delivery:
    """`subscriptions.feeds.Delivery` for one operation: the group's payload made by the
    operation's executor (shared as in the task's path), encoded and written by its
    sink (`write` is the sink's own `next_now`: no call of ours between the feed and the
    socket)."""

    __slots__ = ("executor", "key", "make", "sink", "write")

    def __init__(
        self,
        sink: FrameSink,
        executor: SharedEventExecution,
        make: Callable[[Change], Awaitable[object]],
    ) -> None:
        self.sink = sink
        self.executor = executor
        self.make = make
        self.key = executor._result_key()
        self.write = sink.next_now

    async def render(self, change: Change) -> bytes:
        return self.sink.encoded(await self.executor._payload(await self.make(change)))


def compact_json(value: object) -> str:
    """JSON as responses and frames carry it: no spaces, UTF-8 as it is (orjson). Text
    that is not Unicode (a lone surrogate, as in a socket's operation id: JSON lets a
    client send one) is escaped by the standard library instead."""
    try:
        return orjson.dumps(value).decode()
    except TypeError:
        return json.dumps(value, separators=(",", ":"))


def payload_text(result: ExecutionResult) -> str:
    """A result frame's payload, as JSON (its errors already processed)."""
    payload: dict[str, Any] = {"data": result.data}
    if result.errors:
        payload["errors"] = [error.formatted for error in result.errors]
    return compact_json(payload)


class SharedEventExecution(PlainFieldExecution):
    """Executes a live change once per group and document, and writes its frames (see
    the module's doc)."""

    # Worked out once per subscription; per-event executors are copies that share it.
    _shared_result_key: tuple[int, str, str | None] | None = None
    # What every event's executor keeps of the document's selections (`_Selections`):
    # None until the first event, False for a document whose selections cannot be known
    # by their nodes alone.
    _selections: _Selections | bool | None = None

    @classmethod
    def build(cls, *args: Any, **kwargs: Any) -> list[GraphQLError] | Any:
        built = super().build(*args, **kwargs)
        if isinstance(built, SharedEventExecution):
            _subscription.set(weakref.ref(built))  # for `live_delivery`, if a subscription
            if built.operation.operation is not OperationType.SUBSCRIPTION:
                selections = _kept_selections_of(built)
                if selections is not None:
                    built._selections = selections
                    built._plans, built._subplans = selections.plans, selections.subplans
        return built

    def build_per_event_executor(self, payload: Any) -> Any:
        change = change_of(payload)
        if change is not None:
            found = change.shared.results.get(self._result_key())
            if found is not None:
                return _Answered(found)  # no executor copy for the group's later sockets
        if self._selections is None:
            self._selections = _Selections() if _known_by_nodes(self) else False
        executor = super().build_per_event_executor(payload)
        # graphql-core 3.3 makes the event's executor a shallow copy of the subscription's,
        # memo of collected subfields included, and keys that memo by the identity of field
        # lists collected anew for every event: shared, it gained entries with every event
        # for as long as the subscription lived (the soak's servers grew ~20 MB a minute).
        executor._relevant_sub_fields = {}
        selections = self._selections
        if isinstance(selections, _Selections):
            executor._plans, executor._subplans = selections.plans, selections.subplans
        return executor

    def collect_subfields(
        self, return_type: GraphQLObjectType, field_details_list: FieldDetailsList
    ) -> CollectedFields:
        selections = self._selections
        if not isinstance(selections, _Selections):
            return super().collect_subfields(return_type, field_details_list)
        key = (return_type, _nodes(field_details_list))
        found = selections.subfields.get(key)
        if found is None:
            found = super().collect_subfields(return_type, field_details_list)
            selections.subfields[key] = found
        return found

    def _set_key(self, fields: GroupedFieldSet) -> Hashable:
        if not isinstance(self._selections, _Selections):
            return super()._set_key(fields)
        return tuple((name, _nodes(details)) for name, details in fields.items())

    def _details_key(self, details: FieldDetailsList) -> Hashable:
        if not isinstance(self._selections, _Selections):
            return super()._details_key(details)
        return _nodes(details)

    def cancellable_iterable(self, iterable: AsyncIterable[Any]) -> AsyncIterable[Any]:
        """The subscription's source stream: over a socket with a sink, consumed here,
        each event written to the sink; graphql-core then maps a stream that never
        yields, and ends when the source does (or raises what the source raised)."""
        source = super().cancellable_iterable(iterable)
        sink = frame_sink()
        if sink is None:
            return source
        return self._framed(source, sink)

    async def _framed(self, source: AsyncIterable[Any], sink: FrameSink) -> AsyncIterator[Any]:
        async for payload in source:
            await sink.next(await self._payload(payload))
        return
        yield  # an async generator that yields nothing

    async def _payload(self, payload: Any) -> str:
        """The event's frame payload for this document: made once per group (the first
        socket of the group starts it, the rest wait for the same text)."""
        change = change_of(payload)
        if change is None:
            return await self._encoded(payload)
        payloads = change.shared.payloads
        key = self._result_key()
        made = payloads.get(key)
        if made is None:
            made = payloads[key] = asyncio.ensure_future(self._encoded(payload))
        return await shared_result(made)

    async def _encoded(self, payload: Any) -> str:
        result = self.build_per_event_executor(payload).execute_operation(False)
        if self.is_awaitable(result):
            result = await result
        if result.errors:
            # Once for every socket that shares the result (each result is its own
            # list: a shared one's errors are processed here, and only here).
            process_errors(result.errors)
        return payload_text(result)

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


@dataclass(eq=False)
class _Selections:
    """What a live document's executors keep from event to event: the subfields each
    selection collects (graphql-core's `collect_subfields`) and their plans
    (`schema.plain_fields`), each worked out at the first event and kept under the
    document's own nodes, which are the same objects for every event (graphql-core
    collects the lists of them anew for each). As many entries as the document has
    selections, however many events."""

    subfields: dict[tuple[GraphQLObjectType, tuple[int, ...]], CollectedFields] = field(
        default_factory=dict
    )
    plans: dict[tuple[str, Hashable], Any] = field(default_factory=dict)
    subplans: dict[tuple[GraphQLObjectType, Hashable], Any] = field(default_factory=dict)


def _kept_selections_of(executor: SharedEventExecution) -> _Selections | None:
    """The selections of a query or mutation, kept from one request of its document to
    the next (`schema.kept`): the same few documents come all day (a board reloads),
    and their executors would each collect every selection and work out its plan anew
    (a few per cent of a board). Kept under the operation's node, and only for an
    operation whose selections are the same for any variables (`_known_by_nodes` with
    no `@include` or `@skip` that reads one)."""
    return _kept_selections.get(
        (executor.schema, executor.operation),
        None,
        lambda: _Selections() if _known_by_nodes(executor, for_any_variables=True) else None,
    )


_kept_selections: KeptByIdentity[_Selections | None] = KeptByIdentity(KEPT_DOCUMENTS)


def _nodes(details: FieldDetailsList) -> tuple[int, ...]:
    """A field's details as the document's nodes they stand for (held by the document,
    so an identity is not reused while its executors live)."""
    return tuple(id(detail.node) for detail in details)


def _known_by_nodes(executor: SharedEventExecution, for_any_variables: bool = False) -> bool:
    """Whether a document's selections collect the same for every event, given their
    nodes: not with `@defer`/`@stream` (each collection makes its own defer usages) nor
    with fragment arguments (their values are made per collection); and, asked
    `for_any_variables` (for every request of a query, not every event of one
    subscription), not with an `@include` or `@skip` whose condition is a variable."""
    if any(f.variable_signatures for f in executor.fragments.values()):
        return False
    pending = [executor.operation.selection_set]
    pending += [f.definition.selection_set for f in executor.fragments.values()]
    while pending:
        selection_set = pending.pop()
        for selection in selection_set.selections:
            directives = selection.directives or ()
            if any(d.name.value in ("defer", "stream") for d in directives):
                return False
            if for_any_variables and any(
                isinstance(argument.value, VariableNode)
                for d in directives
                for argument in d.arguments or ()
            ):
                return False
            if isinstance(selection, FragmentSpreadNode) and getattr(selection, "arguments", None):
                return False
            inner = getattr(selection, "selection_set", None)  # fields and inline fragments
            if inner is not None:
                pending.append(inner)
    return True


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
    context: Context, change: Change, wrap: Callable[[Context], Awaitable[Any]]
) -> Any:
    """The change's GraphQL object, made once per group: the first subscriber of the
    group to get the change starts making it and the others, woken by the same change,
    wait for it (shielded: one leaving meanwhile does not stop it for the rest). It
    carries its change (not as a field) for `SharedEventExecution`."""
    made = change.shared.made
    if made is None:
        made = change.shared.made = asyncio.ensure_future(_make(context, change, wrap))
    return await shared_result(made)


async def _make(asking: Context, change: Change, wrap: Callable[[Context], Awaitable[Any]]) -> Any:
    shared = change.event_shared
    context = asking.for_viewer(change.viewer, shared.loaders)
    if shared.loaders is None:
        shared.loaders = await context.loaders()
        if shared.workspace is not None:
            shared.loaders.workspace_row = shared.workspace  # as the feed read it
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
