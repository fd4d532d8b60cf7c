"""What a wall screen's display token may ask: its board and its board's live events,
and of them only what a card and a column show. Checked with the document, before
anything runs, by a validation rule added for requests that carry a display token
(`schema.extensions.DocumentChecks`); which board it is (the token's own process) is
checked where a board is read (`access.reads_board`).

The fields are listed, not inferred: a field added to `Deal` tomorrow (its history, its
files, its costs) stays closed to wall screens until it is added here on purpose.
"""

from __future__ import annotations

from typing import Any

from graphql import FieldNode, GraphQLError, ValidationContext, ValidationRule, get_named_type
from graphql.language.visitor import SKIP, VisitorAction

from resolvers.errors import ErrorCode

# Type name: the fields a display token may read of it ("*": all of them).
DISPLAY_FIELDS: dict[str, frozenset[str]] = {
    "Query": frozenset({"board"}),
    "Subscription": frozenset({"boardEvents"}),
    "Board": frozenset({"*"}),
    "BoardColumn": frozenset({"*"}),
    "BoardEvent": frozenset({"*"}),
    "DealConnection": frozenset({"*"}),
    "DealEdge": frozenset({"*"}),
    "PageInfo": frozenset({"*"}),
    "Process": frozenset({"id", "name", "isDefault", "totalWeight", "stages"}),
    "Stage": frozenset({"id", "name", "position", "rottenAfterDays"}),
    "User": frozenset({"id", "name"}),
    "Deal": frozenset(
        {
            "id",
            "name",
            "company",
            "value",
            "currency",
            "status",
            "probability",
            "forecastValue",
            "expectedCloseDate",
            "isPublic",
            "owner",
            "stage",
            "stageEnteredAt",
            "taskStatus",
            "isRotten",
            "rottenSince",
            "createdAt",
            "updatedAt",
        }
    ),
}
REFUSAL = "A display token reads its board and nothing else."


class DisplayScopeRule(ValidationRule):
    """Every field of the document is one a display token may read."""

    def __init__(self, context: ValidationContext) -> None:
        super().__init__(context)
        self.reported: set[str] = set()

    def enter_field(self, node: FieldNode, *_args: Any) -> VisitorAction:
        """A refused field is told once, and what it selects is not looked into."""
        name = node.name.value
        if name == "__typename":
            return None
        parent = self.context.get_parent_type()
        type_name = get_named_type(parent).name if parent is not None else "?"
        allowed = DISPLAY_FIELDS.get(type_name, frozenset())
        if "*" in allowed or name in allowed:
            return None
        where = f"{type_name}.{name}"
        if where not in self.reported:
            self.reported.add(where)
            self.report_error(
                GraphQLError(
                    f"{REFUSAL} ({where})",
                    node,
                    extensions={"code": str(ErrorCode.FORBIDDEN)},
                )
            )
        return SKIP
