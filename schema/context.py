"""The per-request context every resolver reads through `strawberry.Info[Context, ...]`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from graphql import GraphQLError
from strawberry.dataloader import DataLoader

from models.account import User
from resolvers import auth
from resolvers.auth import LoginPolicy
from resolvers.process_tree import (
    ProcessTree,
    StageNode,
    StepNode,
    load_process_trees,
    load_stages,
    load_steps,
)
from resolvers.users import users_by_ids


class Loaders:
    """Batch loaders scoped to one workspace; built fresh for every operation, because a
    WebSocket reuses its context for every operation sent over it."""

    def __init__(self, workspace_id: int) -> None:
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

        self.process_trees = DataLoader(load_fn=process_trees)
        self.stages = DataLoader(load_fn=stages)
        self.steps = DataLoader(load_fn=steps)
        self.users = DataLoader(load_fn=users)


def unauthenticated() -> GraphQLError:
    return GraphQLError(
        "Authentication required: send a valid bearer token.",
        extensions={"code": "UNAUTHENTICATED"},
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
    user: User | None = None
    authenticated: bool = False
    connection_params: dict[str, Any] | None = None
    _loaders: Loaders | None = field(default=None, repr=False)

    async def actor(self) -> User:
        """The authenticated user, or an UNAUTHENTICATED GraphQL error."""
        if not self.authenticated:
            self.user = await auth.authenticate(self.token) if self.token else None
            self.authenticated = True
        if self.user is None:
            raise unauthenticated()
        return self.user

    async def loaders(self) -> Loaders:
        actor = await self.actor()
        if self._loaders is None:
            self._loaders = Loaders(actor.workspace_id)
        return self._loaders

    def reset_for_operation(self) -> None:
        self._loaders = None
