"""The root `Query` and `Mutation`, merged from each domain's fields, and `node(id:)`."""

from __future__ import annotations

import strawberry
from strawberry.tools import merge_types

from resolvers.events import notifications
from resolvers.tasks.editing import visible_task
from schema.account import AccountMutation, AccountQuery, User
from schema.board import BoardQuery
from schema.context import Context
from schema.deal import Deal
from schema.deal_fields import DealMutation, DealQuery
from schema.ids import parse_global_id
from schema.node import Node
from schema.notification import Notification, NotificationMutation, NotificationQuery
from schema.process import Process, ProcessMutation, ProcessQuery, Stage, Step
from schema.stats import StatsQuery
from schema.task import Task, TaskMutation, TaskQuery, load_access_request

Info = strawberry.Info[Context, None]


async def resolve_node(info: Info, id: strawberry.ID) -> Node | None:
    """Whatever the id names in your workspace; anything else, null."""
    loaders = await info.context.loaders()
    parsed = parse_global_id(id)
    if parsed is None:
        return None
    type_name, pk = parsed
    if type_name == "User":
        user = await loaders.users.load(pk)
        return User.from_row(user) if user else None
    if type_name == "Process":
        tree = await loaders.process_trees.load(pk)
        return Process.from_tree(tree) if tree else None
    if type_name == "Stage":
        stage = await loaders.stages.load(pk)
        return Stage.from_node(stage) if stage else None
    if type_name == "Step":
        step = await loaders.steps.load(pk)
        return Step.from_node(step) if step else None
    if type_name == "Deal":
        deal = await loaders.deals.load(pk)
        return Deal.from_row(deal) if deal and deal.deleted_at is None else None
    if type_name == "Notification":
        return await _own_notification(info, pk)
    if type_name == "Task":
        task = await visible_task(await info.context.actor(), pk)
        return Task.from_row(task) if task else None
    if type_name == "AccessRequest":
        return await load_access_request(info, pk)
    return None


async def _own_notification(info: Info, pk: int) -> Notification | None:
    row = await notifications.own_notification(await info.context.actor(), pk)
    return Notification.from_row(row) if row else None


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
        StatsQuery,
        NotificationQuery,
    ),
)
Mutation = merge_types(
    "Mutation",
    (AccountMutation, ProcessMutation, DealMutation, TaskMutation, NotificationMutation),
)
