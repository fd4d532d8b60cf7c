"""A process's configuration as a client sends it, and its translation into specs."""

from __future__ import annotations

import strawberry

from resolvers.processes.specs import (
    StageSpec,
    StepSpec,
    TaskTemplateSpec,
)
from resolvers.validation import Keep
from schema.inputs import given, ids, kept, optional_id
from schema.scalars import NoteRequirement, NotifyAudience, Performer, TaskAssignee


@strawberry.input
class TaskTemplateInput:
    title: str
    due_in_days: int
    assignee: TaskAssignee


@strawberry.input(description="Optional fields left out keep their current value.")
class StepInput:
    id: strawberry.Maybe[strawberry.ID | None] = strawberry.field(
        description="An existing step keeps its id; without id a step is new."
    )
    name: str
    weight: int
    mandatory: strawberry.Maybe[bool | None]
    who_can_perform: strawberry.Maybe[Performer | None]
    performer_ids: strawberry.Maybe[list[strawberry.ID] | None]
    require_note: strawberry.Maybe[NoteRequirement | None]
    notify: strawberry.Maybe[list[NotifyAudience] | None]
    notify_user_ids: strawberry.Maybe[list[strawberry.ID] | None]
    trigger_task: strawberry.Maybe[TaskTemplateInput | None] = strawberry.field(
        description="Left out: kept. null: removed."
    )


@strawberry.input
class StageInput:
    id: strawberry.Maybe[strawberry.ID | None]
    name: str
    steps: list[StepInput]
    rotten_after_days: strawberry.Maybe[int | None] = strawberry.field(
        description="An open deal in this stage rots after this many days (1 to 3650) "
        "without a change; null: never. Left out: a stage keeps its limit."
    )


@strawberry.input
class ProcessInput:
    name: str
    is_default: strawberry.Maybe[bool | None]
    stages: list[StageInput]


@strawberry.input(description="The whole configuration: stages and steps left out are archived.")
class UpdateProcessInput:
    id: strawberry.ID
    name: str
    stages: list[StageInput]


def step_spec(step: StepInput, path: list[str]) -> StepSpec:
    template = kept(step.trigger_task)
    return StepSpec(
        name=step.name,
        weight=step.weight,
        id=optional_id(step.id, "Step", [*path, "id"]),
        mandatory=given(step.mandatory),
        who_can_perform=given(step.who_can_perform),
        performer_ids=ids(step.performer_ids, "User", [*path, "performerIds"]),
        require_note=given(step.require_note),
        notify=given(step.notify),
        notify_user_ids=ids(step.notify_user_ids, "User", [*path, "notifyUserIds"]),
        trigger_task=template
        if template is None or isinstance(template, Keep)
        else TaskTemplateSpec(template.title, template.due_in_days, template.assignee),
    )


def stage_specs(stages: list[StageInput]) -> list[StageSpec]:
    specs = []
    for i, stage in enumerate(stages):
        path = ["input", "stages", str(i)]
        steps = [step_spec(s, [*path, "steps", str(j)]) for j, s in enumerate(stage.steps)]
        stage_id = optional_id(stage.id, "Stage", [*path, "id"])
        specs.append(
            StageSpec(
                name=stage.name,
                steps=steps,
                id=stage_id,
                rotten_after_days=kept(stage.rotten_after_days),
            )
        )
    return specs
