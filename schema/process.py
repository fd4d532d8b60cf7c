"""Sales processes: their stages and weighted steps, and the administrators' configuration."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime

import strawberry
from strawberry import UNSET

from models import process as rows
from resolvers.processes import configuration
from resolvers.processes.specs import (
    ProcessSpec,
    StageSpec,
    StepSpec,
    TaskTemplateSpec,
)
from resolvers.processes.tree import ProcessTree, StageNode, StepNode, load_process_trees
from resolvers.validation import KEEP
from schema.account import User
from schema.context import Info
from schema.errors import UserError, payload_of
from schema.ids import decode_id, global_id, pk_of
from schema.node import Node, fetches

Performer = strawberry.enum(rows.Performer, description="Who may complete a step.")
NoteRequirement = strawberry.enum(rows.NoteRequirement)
NotifyAudience = strawberry.enum(rows.NotifyAudience)
TaskAssignee = strawberry.enum(rows.TaskAssignee)


@strawberry.type(description="The task a step creates when it is completed.")
class TaskTemplate:
    title: str
    due_in_days: int
    assignee: TaskAssignee  # type: ignore[valid-type]


@strawberry.type
class Step(Node):
    name: str
    position: int
    weight: int = strawberry.field(description="How much completing it moves the deal on.")
    mandatory: bool = strawberry.field(description="A deal cannot be won until it is done.")
    who_can_perform: Performer  # type: ignore[valid-type]
    performers: list[User] = strawberry.field(
        description="The users who may complete it when whoCanPerform is SELECTED_USERS."
    )
    require_note: NoteRequirement  # type: ignore[valid-type]
    notify: list[NotifyAudience]  # type: ignore[valid-type]
    notify_users: list[User]
    trigger_task: TaskTemplate | None
    archived_at: datetime | None = strawberry.field(
        description="Set when the step was removed from its process; history still shows it."
    )

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
            name=row.name,
            position=row.position,
            weight=row.weight,
            mandatory=row.mandatory,
            who_can_perform=row.who_can_perform,
            performers=[User.from_row(u) for u in node.performers],
            require_note=row.require_note,
            notify=[rows.NotifyAudience(a) for a in row.notify],
            notify_users=[User.from_row(u) for u in node.notify_users],
            trigger_task=template,
            archived_at=row.archived_at,
        )


@strawberry.type
class Stage(Node):
    name: str
    position: int
    steps: list[Step]
    archived_at: datetime | None

    @classmethod
    def from_node(cls, node: StageNode) -> Stage:
        return cls(
            id=strawberry.ID(global_id("Stage", node.row.id)),
            name=node.row.name,
            position=node.row.position,
            steps=[Step.from_node(s) for s in node.steps],
            archived_at=node.row.archived_at,
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


@strawberry.input
class TaskTemplateInput:
    title: str
    due_in_days: int
    assignee: TaskAssignee  # type: ignore[valid-type]


@strawberry.input(description="Optional fields left out keep their current value.")
class StepInput:
    id: strawberry.ID | None = strawberry.field(
        default=UNSET, description="An existing step keeps its id; without id a step is new."
    )
    name: str
    weight: int
    mandatory: bool | None = UNSET
    who_can_perform: Performer | None = UNSET  # type: ignore[valid-type]
    performer_ids: list[strawberry.ID] | None = UNSET
    require_note: NoteRequirement | None = UNSET  # type: ignore[valid-type]
    notify: list[NotifyAudience] | None = UNSET  # type: ignore[valid-type]
    notify_user_ids: list[strawberry.ID] | None = UNSET
    trigger_task: TaskTemplateInput | None = strawberry.field(
        default=UNSET, description="Left out: kept. null: removed."
    )


@strawberry.input
class StageInput:
    id: strawberry.ID | None = UNSET
    name: str
    steps: list[StepInput]


@strawberry.input
class ProcessInput:
    name: str
    is_default: bool | None = UNSET
    stages: list[StageInput]


@strawberry.input(description="The whole configuration: stages and steps left out are archived.")
class UpdateProcessInput:
    id: strawberry.ID
    name: str
    stages: list[StageInput]


@strawberry.input
class IdInput:
    id: strawberry.ID
    idempotency_key: str | None = strawberry.field(
        default=UNSET,
        description="requestDealAccess only: a retry with the same key within 24 hours "
        "returns the first request.",
    )


@strawberry.type
class ProcessPayload:
    process: Process | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


def _optional(value: object) -> object:
    return None if value is UNSET else value


def _ids(raw: list[strawberry.ID] | None, type_name: str, path: list[str]) -> list[int] | None:
    if raw is UNSET or raw is None:
        return None
    return [decode_id(r, type_name, [*path, str(i)]) for i, r in enumerate(raw)]


def _step_spec(step: StepInput, path: list[str]) -> StepSpec:
    template = step.trigger_task
    return StepSpec(
        name=step.name,
        weight=step.weight,
        id=decode_id(step.id, "Step", [*path, "id"]) if step.id else None,
        mandatory=_optional(step.mandatory),  # type: ignore[arg-type]
        who_can_perform=_optional(step.who_can_perform),  # type: ignore[arg-type]
        performer_ids=_ids(step.performer_ids, "User", [*path, "performerIds"]),
        require_note=_optional(step.require_note),  # type: ignore[arg-type]
        notify=_optional(step.notify),  # type: ignore[arg-type]
        notify_user_ids=_ids(step.notify_user_ids, "User", [*path, "notifyUserIds"]),
        trigger_task=KEEP
        if template is UNSET
        else None
        if template is None
        else TaskTemplateSpec(template.title, template.due_in_days, template.assignee),
    )


def _stage_specs(stages: list[StageInput]) -> list[StageSpec]:
    specs = []
    for i, stage in enumerate(stages):
        path = ["input", "stages", str(i)]
        steps = [_step_spec(s, [*path, "steps", str(j)]) for j, s in enumerate(stage.steps)]
        stage_id = decode_id(stage.id, "Stage", [*path, "id"]) if stage.id else None
        specs.append(StageSpec(name=stage.name, steps=steps, id=stage_id))
    return specs


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


async def _answer(action: Callable[[], Awaitable[ProcessTree]]) -> ProcessPayload:
    async def act() -> ProcessPayload:
        return ProcessPayload(process=Process.from_tree(await action()))

    return await payload_of(act, lambda errors: ProcessPayload(errors=errors))


def _input_id(raw: strawberry.ID) -> int:
    return decode_id(raw, "Process", ("input", "id"))


@strawberry.type
class ProcessMutation:
    @strawberry.mutation(description="Administrators only.")
    async def create_process(self, info: Info, input: ProcessInput) -> ProcessPayload:
        actor = await info.context.actor()
        return await _answer(
            lambda: configuration.create_process(
                actor,
                ProcessSpec(
                    name=input.name,
                    stages=_stage_specs(input.stages),
                    is_default=_optional(input.is_default),  # type: ignore[arg-type]
                ),
            )
        )

    @strawberry.mutation(
        description="Replace the whole configuration atomically. Administrators only."
    )
    async def update_process(self, info: Info, input: UpdateProcessInput) -> ProcessPayload:
        actor = await info.context.actor()
        return await _answer(
            lambda: configuration.update_process(
                actor,
                _input_id(input.id),
                ProcessSpec(name=input.name, stages=_stage_specs(input.stages)),
            )
        )

    @strawberry.mutation(description="Refused for the default process and while any deal uses it.")
    async def delete_process(self, info: Info, input: IdInput) -> ProcessPayload:
        actor = await info.context.actor()
        return await _answer(lambda: configuration.delete_process(actor, _input_id(input.id)))

    @strawberry.mutation(description="Exactly one process is the default at all times.")
    async def set_default_process(self, info: Info, input: IdInput) -> ProcessPayload:
        actor = await info.context.actor()
        return await _answer(lambda: configuration.set_default_process(actor, _input_id(input.id)))


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
