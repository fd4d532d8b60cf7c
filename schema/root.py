"""The root `Query` and `Mutation`, merged from each domain's fields, and `node(id:)`."""

from __future__ import annotations

import strawberry
from strawberry.tools import merge_types

from schema.account import AccountMutation, AccountQuery
from schema.board import BoardQuery
from schema.context import Info
from schema.deal_fields import DealMutation, DealQuery
from schema.ids import parse_global_id
from schema.node import NODE_LOADERS, Node
from schema.notification import NotificationMutation, NotificationQuery
from schema.process import ProcessMutation, ProcessQuery
from schema.stats import StatsQuery
from schema.task import AccessRequestMutation, AccessRequestQuery, TaskMutation, TaskQuery


async def resolve_node(info: Info, id: strawberry.ID) -> Node | None:
    """Whatever the id names in your workspace and you may see; anything else, null.
    Each `Node` type's loader lives with the type (`schema.node.fetches`)."""
    parsed = parse_global_id(id)
    if parsed is None:
        return None
    type_name, pk = parsed
    loader = NODE_LOADERS.get(type_name)
    found: Node | None = await loader(info, pk) if loader is not None else None
    return found


@strawberry.type
class NodeQuery:
    node: Node | None = strawberry.field(
        resolver=resolve_node, description="Fetch any object of your workspace by global id."
    )


Query = merge_types(
    "Query",
    (
        AccountQuery,
        NodeQuery,
        ProcessQuery,
        DealQuery,
        BoardQuery,
        TaskQuery,
        AccessRequestQuery,
        StatsQuery,
        NotificationQuery,
    ),
)
Mutation = merge_types(
    "Mutation",
    (
        AccountMutation,
        ProcessMutation,
        DealMutation,
        TaskMutation,
        AccessRequestMutation,
        NotificationMutation,
    ),
)
