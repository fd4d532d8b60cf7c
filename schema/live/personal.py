"""Fields whose answer depends on who asks, beyond what a live group shares.

Subscribers who get the same answer to every event share one execution of it and one
frame (`subscriptions.changes.group_of`): every salesperson is a group of one, while
admins, managers and wall screens, who see every deal, share a group per topic. A few
fields answer for the asker alone (may *I* complete this step?): a subscription whose
document asks for one of them is a group of one too, whoever its viewer, so that it
is never answered as another subscriber would be.
"""

from __future__ import annotations

from collections.abc import Mapping

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    GraphQLSchema,
    OperationDefinitionNode,
    TypeInfo,
    TypeInfoVisitor,
    Visitor,
    visit,
)

from schema.kept import KEPT_DOCUMENTS, KeptByIdentity

# (type, field) by their GraphQL names. A field belongs here when its answer reads the
# asker's id or role beyond whether they see every deal (`access.sees_every_deal`):
# `Step.canPerform` reads both (steps for admins, steps for selected users).
PERSONAL_FIELDS = frozenset({("Step", "canPerform")})


def asks_who_is_asking(
    schema: GraphQLSchema,
    operation: OperationDefinitionNode,
    fragments: Mapping[str, FragmentDefinitionNode],
) -> bool:
    """Whether the operation selects a personal field anywhere, in its document's
    fragments included: one walk of each, kept for the document's next subscriptions
    (the operation is the parsed document's, which the parser's cache hands again)."""
    return _kept.get((schema, operation), None, lambda: _walk(schema, operation, fragments))


_kept: KeptByIdentity[bool] = KeptByIdentity(KEPT_DOCUMENTS)


def _walk(
    schema: GraphQLSchema,
    operation: OperationDefinitionNode,
    fragments: Mapping[str, FragmentDefinitionNode],
) -> bool:
    for definition in (operation, *fragments.values()):
        types = TypeInfo(schema)
        found = _Finder(types)
        visit(definition, TypeInfoVisitor(types, found))
        if found.personal:
            return True
    return False


class _Finder(Visitor):
    def __init__(self, types: TypeInfo) -> None:
        super().__init__()
        self.types = types
        self.personal = False

    def enter_field(self, node: FieldNode, *_args: object) -> object:
        parent = self.types.get_parent_type()
        if parent is not None and (parent.name, node.name.value) in PERSONAL_FIELDS:
            self.personal = True
            return self.BREAK
        return None
