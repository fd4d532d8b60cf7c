"""The Relay `Node` interface, and the registry `node(id:)` answers from.

Every type that implements `Node` registers how to fetch one of its objects by primary
key for a viewer (`fetches`), in the module that defines it; `node(id:)` looks the
loader up by the id's type name. A test holds every `Node` type of the schema to having
one, so a new type cannot be left answering null.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import strawberry

from schema.context import Info

NodeLoader = Callable[[Info, int], Awaitable[Any]]

NODE_LOADERS: dict[str, NodeLoader] = {}
Loader = TypeVar("Loader", bound=Callable[..., Awaitable[Any]])


@strawberry.interface(description="An object with a global id, fetchable with `node(id:)`.")
class Node:
    id: strawberry.ID


def fetches(type_name: str) -> Callable[[Loader], Loader]:
    """Register the decorated `async (info, pk) -> object | None` as the way `node(id:)`
    fetches a `type_name`: the object if the viewer may see it, else None."""

    def register(loader: Loader) -> Loader:
        if type_name in NODE_LOADERS:
            raise RuntimeError(f"{type_name} has two node loaders")
        NODE_LOADERS[type_name] = loader
        return loader

    return register
