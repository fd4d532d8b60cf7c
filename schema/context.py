"""The per-request context every resolver reads through `strawberry.Info[Context, ...]`."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, TypeVar

import strawberry
from graphql import GraphQLError
from strawberry.dataloader import DataLoader

from models.account import User, Workspace
from models.deal import Deal, DealCost, LineItem, StepCompletion
from models.lead import Lead
from models.product import Product
from models.task import Task
from resolvers import access, task_dot
from resolvers.accounts import auth
from resolvers.accounts.auth import LoginPolicy
from resolvers.accounts.users import users_by_ids
from resolvers.deals import reads
from resolvers.deals.files import FileStore
from resolvers.errors import ErrorCode, Refused
from resolvers.leads import lists as lead_lists
from resolvers.processes.tree import (
    ProcessTree,
    StageNode,
    StepNode,
    load_process_trees,
    load_stages,
    load_steps,
)
from resolvers.products import catalogue
from resolvers.rate_limits import Limit, RateLimits
from resolvers.webhooks.policy import WebhookPolicy
from subscriptions.live import LiveUpdates
from subscriptions.sessions import Socket

V = TypeVar("V")


def _by_key(found: Mapping[int, V], default: V) -> Callable[[list[int]], list[V]]:
    return lambda keys: [found.get(k, default) for k in keys]


_VIEWER_INDEPENDENT = (
    "process_trees",
    "stages",
    "steps",
    "users",
    "participants",
    "costs",
    "line_items",
    "products",
    "completions",
    "open_task_dues",
    "tasks",
)


class Loaders:
    """Batch loaders for one actor; built fresh for every operation, because a
    WebSocket reuses its context for every operation sent over it.

    Only `deals`, `leads`, `deal_leads` and `visible_tasks` depend on who asks (the
    visibility filters);
    the others read the
    workspace as it is. Live changes of one batch of events share those between every
    group of subscribers and event (`shared`; `subscriptions.changes.BatchReading`), so
    that an event's owner, stage or task dot is read once.
    """

    def __init__(self, actor: User, shared: Loaders | None = None) -> None:
        workspace_id = actor.workspace_id

        async def process_trees(ids: list[int]) -> list[ProcessTree | None]:
            found = {t.row.id: t for t in await load_process_trees(workspace_id, ids)}
            return [found.get(i) for i in ids]

        async def stages(ids: list[int]) -> list[StageNode | None]:
            found = await load_stages(workspace_id, ids)
            return [found.get(i) for i in ids]

        async def steps(ids: list[int]) -> list[StepNode | None]:
            found = await load_steps(workspace_id, ids)
            return [found.get(i) for i in ids]

        async def users(ids: list[int]) -> list[User | None]:
            found = await users_by_ids(workspace_id, ids)
            return [found.get(i) for i in ids]

        async def deals(ids: list[int]) -> list[Deal | None]:
            found = await reads.visible_deals_by_id(actor, ids)
            return [found.get(i) for i in ids]

        async def leads(ids: list[int]) -> list[Lead | None]:
            return _by_key(await lead_lists.visible_leads_by_id(actor, ids), None)(ids)

        async def deal_leads(ids: list[int]) -> list[Lead | None]:
            return _by_key(await lead_lists.first_leads_of(actor, ids), None)(ids)

        async def visible_tasks(ids: list[int]) -> list[Task | None]:
            found = {t.id: t for t in await access.visible_tasks(actor).filter(id__in=ids)}
            return [found.get(i) for i in ids]

        async def participants(ids: list[int]) -> list[list[int]]:
            return _by_key(await reads.participants_of(ids), [])(ids)

        async def costs(ids: list[int]) -> list[list[DealCost]]:
            return _by_key(await reads.costs_of(ids), [])(ids)

        async def line_items(ids: list[int]) -> list[list[LineItem]]:
            return _by_key(await reads.line_items_of(ids), [])(ids)

        async def products(ids: list[int]) -> list[Product | None]:
            found = await catalogue.products_by_ids(actor, ids)
            return [found.get(i) for i in ids]

        async def completions(ids: list[int]) -> list[list[StepCompletion]]:
            return _by_key(await reads.completions_of(ids), [])(ids)

        async def open_task_dues(ids: list[int]) -> list[list[datetime | None]]:
            return _by_key(await task_dot.open_dues_of(ids), [])(ids)

        async def tasks(ids: list[int]) -> list[list[Task]]:
            return _by_key(await reads.tasks_of(ids), [])(ids)

        self.process_trees = DataLoader(load_fn=process_trees)
        self.stages = DataLoader(load_fn=stages)
        self.steps = DataLoader(load_fn=steps)
        self.users = DataLoader(load_fn=users)
        self.deals = DataLoader(load_fn=deals)
        self.leads = DataLoader(load_fn=leads)
        self.deal_leads = DataLoader(load_fn=deal_leads)
        self.visible_tasks = DataLoader(load_fn=visible_tasks)
        self.participants = DataLoader(load_fn=participants)
        self.costs = DataLoader(load_fn=costs)
        self.line_items = DataLoader(load_fn=line_items)
        self.products = DataLoader(load_fn=products)
        self.completions = DataLoader(load_fn=completions)
        self.open_task_dues = DataLoader(load_fn=open_task_dues)
        self.tasks = DataLoader(load_fn=tasks)
        self.workspace_row: Workspace | None = None
        self._workspace_read: asyncio.Future[Workspace] | None = None
        self._workspace_id = workspace_id
        self._shared = shared
        if shared is not None:
            for name in _VIEWER_INDEPENDENT:
                setattr(self, name, getattr(shared, name))

    async def workspace(self) -> Workspace:
        """Read once, however many ask at the same time (the groups of one live event
        share it)."""
        if self._shared is not None:
            self.workspace_row = await self._shared.workspace()
        if self.workspace_row is None:
            if self._workspace_read is None:
                self._workspace_read = asyncio.ensure_future(Workspace.get(id=self._workspace_id))
            self.workspace_row = await asyncio.shield(self._workspace_read)
        return self.workspace_row


K = TypeVar("K")


class NotLoaded:
    """What `already_loaded` answers for a key its loader has not loaded yet."""


NOT_LOADED = NotLoaded()


def already_loaded(loader: DataLoader[K, V], key: K) -> V | NotLoaded:
    """The value `loader` has already loaded for `key`, else NOT_LOADED.

    Board cards are many: their owner and task dot are loaded for all cards at once,
    and a field that finds its value here answers synchronously instead of each card
    scheduling an asyncio task of its own (the difference is measured in bench/board.py).
    """
    future = loader.cache_map.get(key)
    if future is None or not future.done() or future.cancelled() or future.exception():
        return NOT_LOADED
    return future.result()


def unauthenticated() -> GraphQLError:
    return GraphQLError(
        "Authentication required: send a valid bearer token.",
        extensions={"code": str(ErrorCode.UNAUTHENTICATED)},
    )


@dataclass
class Context:
    """Who is asking, from where, and the loaders of the current operation.

    The user is looked up lazily, on the first field that needs one, so that `login`
    costs no token lookup.
    """

    request: Any
    token: str | None
    client_address: str
    login_policy: LoginPolicy
    file_store: FileStore
    webhook_policy: WebhookPolicy = field(default_factory=WebhookPolicy)
    import_max_rows: int = 5000
    user: User | None = None
    authenticated: bool = False
    connection_params: dict[str, Any] | None = None
    live: LiveUpdates | None = None
    rate_limits: RateLimits | None = None
    response: Any = None  # the HTTP answer's headers (a WebSocket has none)
    socket: Socket | None = None  # a WebSocket's, once authenticated
    _loaders: Loaders | None = field(default=None, repr=False)

    async def actor(self, together: bool = False) -> User:
        """The authenticated user, or an UNAUTHENTICATED GraphQL error. `together`: the
        token looked up with those of every operation that asks in the same turn of
        the event loop (`auth.authenticate_together`); only where no transaction can
        be open (a subscription's first step: the lookup runs outside it)."""
        if not self.authenticated:
            lookup = auth.authenticate_together if together else auth.authenticate
            self.user = await lookup(self.token) if self.token else None
            self.authenticated = True
        if self.user is None:
            raise unauthenticated()
        return self.user

    async def within_limit(self, limit: Limit, key: str, message: str) -> None:
        """Count one more `limit` for `key`: over it, a RATE_LIMITED refusal (and the
        HTTP answer's `Retry-After`)."""
        if self.rate_limits is not None:
            try:
                await self.rate_limits.check(limit, key, message)
            except Refused as refusal:
                self.tell_retry_after(refusal)
                raise

    def tell_retry_after(self, refusal: Refused) -> None:
        """A rate limit's wait as the `Retry-After` header too, over HTTP (the payload
        carries it as `retryAfter` either way)."""
        headers = getattr(self.response, "headers", None)
        if refusal.retry_after is not None and headers is not None:
            headers["Retry-After"] = str(refusal.retry_after)

    def ready_loaders(self) -> Loaders | None:
        """The operation's loaders if a field has already built them, without waiting."""
        return self._loaders if self.authenticated and self.user is not None else None

    async def loaders(self) -> Loaders:
        actor = await self.actor()
        if self._loaders is None:
            self._loaders = Loaders(actor)
            # Read with the token in this operation (`auth.authenticate`): as fresh.
            workspace = actor.workspace
            if isinstance(workspace, Workspace):
                self._loaders.workspace_row = workspace
        return self._loaders

    def for_viewer(self, viewer: User, shared: Loaders | None = None) -> Context:
        """A context of its own for executing one live change as `viewer`'s group sees
        it: fresh loaders (one batch of events, one snapshot; the workspace reads
        `shared` with the other groups and events of the batch), no token lookup."""
        return replace(self, user=viewer, authenticated=True, _loaders=Loaders(viewer, shared))

    def reset_for_operation(self) -> None:
        """Fresh loaders, and the token checked again: on a WebSocket that stays open
        for hours, a revoked or expired token or a deactivated or demoted user must
        take effect at the next operation."""
        self._loaders = None
        self.user = None
        self.authenticated = False


# The `info` every resolver takes: our context, no root value.
Info = strawberry.Info[Context, None]
