"""Sales processes as the API shows them: stages of weighted steps."""

from __future__ import annotations

from datetime import datetime

import strawberry

from models import process as rows
from resolvers import access
from resolvers.processes.tree import ProcessTree, StageNode, StepNode
from schema.accounts.types import User
from schema.context import Info
from schema.errors import UserError
from schema.ids import global_id
from schema.node import Node, fetches
from schema.scalars import NoteRequirement, NotifyAudience, Performer, TaskAssignee


@strawberry.type(description="The task a step creates when it is completed.")
class TaskTemplate:
    title: str
    due_in_days: int
    assignee: TaskAssignee


@strawberry.type
class Step(Node):
    node: strawberry.Private[StepNode]
    name: str
    position: int
    weight: int = strawberry.field(description="How much completing it moves the deal on.")
    mandatory: bool = strawberry.field(description="A deal cannot be won until it is done.")
    who_can_perform: Performer
    require_note: NoteRequirement
    notify: list[NotifyAudience]
    trigger_task: TaskTemplate | None
    archived_at: datetime | None = strawberry.field(
        description="Set when the step was removed from its process; history still shows it."
    )

    @strawberry.field(
        description="The users who may complete it when whoCanPerform is SELECTED_USERS."
    )
    async def performers(self, info: Info) -> list[User]:
        return await _users(info, self.node.performer_ids)

    @strawberry.field
    async def notify_users(self, info: Info) -> list[User]:
        return await _users(info, self.node.notify_user_ids)

    @strawberry.field(
        description="Whether the step's own rule (whoCanPerform) lets you complete it; on a "
        "deal you may also need to be allowed to change the deal (Deal.canEdit)."
    )
    async def can_perform(self, info: Info) -> bool:
        return access.can_perform(await info.context.actor(), self.node)

    @classmethod
    def from_node(cls, node: StepNode) -> Step:
        row = node.row
        template = None
        if row.task_title is not None and row.task_assignee is not None:
            template = TaskTemplate(
                title=row.task_title,
                due_in_days=row.task_due_in_days or 0,
                assignee=row.task_assignee,
            )
        return cls(
            id=strawberry.ID(global_id("Step", row.id)),
            node=node,
            name=row.name,
            position=row.position,
            weight=row.weight,
            mandatory=row.mandatory,
            who_can_perform=row.who_can_perform,
            require_note=row.require_note,
            notify=[rows.NotifyAudience(a) for a in row.notify],
            trigger_task=template,
            archived_at=row.archived_at,
        )


async def _users(info: Info, ids: list[int]) -> list[User]:
    """The users a step names, as they are now (the tree keeps their ids)."""
    loaders = await info.context.loaders()
    return [User.from_row(row) for row in await loaders.users.load_many(ids) if row is not None]


def _steps_of(root: Stage) -> list[Step]:
    """A stage's steps, made when asked for: a board shows each of its columns' stage,
    rarely its steps."""
    return [Step.from_node(s) for s in root.node.steps]


@strawberry.type
class Stage(Node):
    node: strawberry.Private[StageNode]
    name: str
    position: int
    steps: list[Step] = strawberry.field(resolver=_steps_of)
    archived_at: datetime | None
    rotten_after_days: int | None = strawberry.field(
        description="An open deal here rots after this many days without a change; null: never."
    )

    @classmethod
    def from_node(cls, node: StageNode) -> Stage:
        return cls(
            id=strawberry.ID(global_id("Stage", node.row.id)),
            node=node,
            name=node.row.name,
            position=node.row.position,
            archived_at=node.row.archived_at,
            rotten_after_days=node.row.rotten_after_days,
        )


@strawberry.type(description="A sales process: ordered stages of weighted steps.")
class Process(Node):
    name: str
    is_default: bool
    total_weight: int = strawberry.field(description="The sum of its steps' weights.")
    stages: list[Stage]
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_tree(cls, tree: ProcessTree) -> Process:
        return cls(
            id=strawberry.ID(global_id("Process", tree.row.id)),
            name=tree.row.name,
            is_default=tree.row.is_default,
            total_weight=tree.total_weight,
            stages=[Stage.from_node(s) for s in tree.stages],
            created_at=tree.row.created_at,
            updated_at=tree.row.updated_at,
        )


@strawberry.type
class ProcessPayload:
    process: Process | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@fetches("Process")
async def _process_node(info: Info, pk: int) -> Process | None:
    tree = await (await info.context.loaders()).process_trees.load(pk)
    return Process.from_tree(tree) if tree else None


@fetches("Stage")
async def _stage_node(info: Info, pk: int) -> Stage | None:
    stage = await (await info.context.loaders()).stages.load(pk)
    return Stage.from_node(stage) if stage else None


@fetches("Step")
async def _step_node(info: Info, pk: int) -> Step | None:
    step = await (await info.context.loaders()).steps.load(pk)
    return Step.from_node(step) if step else None
