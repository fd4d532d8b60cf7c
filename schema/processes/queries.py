"""Reading processes."""

from __future__ import annotations

import strawberry

from resolvers.processes.tree import load_process_trees
from schema.context import Info
from schema.ids import pk_of
from schema.processes.types import Process


@strawberry.type
class ProcessQuery:
    @strawberry.field(description="The live processes of your workspace, the default first.")
    async def processes(self, info: Info) -> list[Process]:
        actor = await info.context.actor()
        return [Process.from_tree(t) for t in await load_process_trees(actor.workspace_id)]

    @strawberry.field
    async def process(self, info: Info, id: strawberry.ID) -> Process | None:
        loaders = await info.context.loaders()
        pk = pk_of(id, "Process")
        tree = await loaders.process_trees.load(pk) if pk is not None else None
        return Process.from_tree(tree) if tree else None
