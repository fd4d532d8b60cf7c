"""What each root and list field's arguments mean, in one place: the same few names
(`first`, `after`, `input`, `filter`, `processId` ...) recur over the schema with one
meaning each, told once here by name, with the few fields where a name means more
said by field. Set on the built schema (`describe_arguments`) wherever the field's own
code gave none; a test holds every argument to having a description."""

from __future__ import annotations

from graphql import GraphQLInterfaceType, GraphQLObjectType, GraphQLSchema

from resolvers.pagination import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE

BY_NAME = {
    "input": "What the mutation takes: see the input type's fields.",
    "first": f"Page size: {DEFAULT_PAGE_SIZE} when left out, 0 to {MAX_PAGE_SIZE} "
    "(VALIDATION outside).",
    "after": "The `endCursor` (or an edge's `cursor`) of the page before: the page after "
    "it. A cursor of another list, or a forged one, is VALIDATION (Invalid cursor.).",
    "id": "A global id; an id you may not see answers null, as one that does not exist.",
    "processId": "Only this process's deals (every process when left out).",
    "filter": "Narrows the list (see the filter's fields); each id list holds at most 200.",
}
SUBSCRIPTION_AFTER = (
    "The `cursor` of the last event you had: what came after it is replayed first, then "
    "live events follow. Older than the log's retention: CURSOR_EXPIRED (load afresh)."
)
BY_FIELD = {
    "Subscription.notifications.after": "The `cursor` of the last notification you had: "
    "those after it are replayed first, then live ones follow.",
    "Subscription.boardEvents.processId": "The board's process (NOT_FOUND for a process you "
    "may not see, or, with a display token, any other board).",
    "Subscription.dealEvents.dealId": "The deal to follow (NOT_FOUND for a deal you may not see).",
    "Query.board.processId": "The board's process (NOT_FOUND for a process you may not see).",
    "Query.pipelineStats.processId": "That process only (NOT_FOUND for an unknown id); "
    "every live process when left out.",
    "Query.pipelineStats.from": "The period's first day (default: 29 days before `to`).",
    "Query.pipelineStats.to": "The period's last day, included (default: today, in the "
    "workspace's time zone).",
    "Query.finance.from": "The period's first day, included.",
    "Query.finance.to": "The period's last day, included.",
    "Query.finance.groupBy": "What each row adds up: months, products, owners or processes.",
    "Query.deals.status": "Only deals in these statuses (every status when left out).",
    "Query.deals.orderBy": "Default: UPDATED_AT, descending.",
    "Query.accessRequests.status": "PENDING when left out; null: every status.",
    "Query.myTasks.includeDone": "Done tasks too (default: open ones only).",
    "Query.notifications.unreadOnly": "Unread notifications only (default: all).",
    "Query.products.includeArchived": "Archived products too (default: active ones only).",
    "Query.node.id": "Any global id of your workspace; null for one you may not see.",
    "Board.column.stageId": "The column's stage (null for a stage not on the board).",
}


def describe_arguments(schema: GraphQLSchema) -> None:
    """Describe, in place, every argument the field's own code left undescribed."""
    for type_name, graphql_type in schema.type_map.items():
        if type_name.startswith("__") or not isinstance(
            graphql_type, GraphQLObjectType | GraphQLInterfaceType
        ):
            continue
        for field_name, field in graphql_type.fields.items():
            for name, argument in field.args.items():
                if argument.description:
                    continue
                specific = BY_FIELD.get(f"{type_name}.{field_name}.{name}")
                if specific is None and type_name == "Subscription" and name == "after":
                    specific = SUBSCRIPTION_AFTER
                argument.description = specific or BY_NAME.get(name)
