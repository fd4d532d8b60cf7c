"""The root `Query` and `Mutation`, merged from each domain's fields, and `node(id:)`."""

from __future__ import annotations

import strawberry
from strawberry.tools import merge_types

from schema.accounts.display_tokens import DisplayTokenMutation, DisplayTokenQuery
from schema.accounts.mutations import AccountMutation
from schema.accounts.queries import AccountQuery
from schema.board.finance import FinanceQuery
from schema.board.queries import BoardQuery, StatsQuery
from schema.context import Info
from schema.deals.mutations import AccessRequestMutation, DealMutation
from schema.deals.queries import AccessRequestQuery, DealQuery
from schema.events.activity import ActivityQuery
from schema.events.mutations import NotificationMutation
from schema.events.queries import NotificationQuery
from schema.ids import parse_global_id
from schema.leads.forms import LeadFormMutation, LeadFormQuery
from schema.leads.mutations import LeadMutation
from schema.leads.queries import LeadQuery
from schema.node import NODE_LOADERS, Node
from schema.processes.mutations import ProcessMutation
from schema.processes.queries import ProcessQuery
from schema.products.mutations import ProductMutation
from schema.products.queries import ProductQuery
from schema.spreadsheets import ImportMutation
from schema.tasks.mutations import TaskMutation
from schema.tasks.queries import TaskQuery
from schema.webhooks.operations import WebhookMutation, WebhookQuery


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
        FinanceQuery,
        NotificationQuery,
        ProductQuery,
        LeadQuery,
        LeadFormQuery,
        ActivityQuery,
        DisplayTokenQuery,
        WebhookQuery,
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
        ProductMutation,
        LeadMutation,
        LeadFormMutation,
        DisplayTokenMutation,
        WebhookMutation,
        ImportMutation,
    ),
)
