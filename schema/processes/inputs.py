"""A process's configuration as a client sends it, and its translation into specs."""

from __future__ import annotations

import strawberry
from strawberry import UNSET

from resolvers.processes.specs import (
    StageSpec,
    StepSpec,
    TaskTemplateSpec,
)
from resolvers.validation import KEEP
from schema.ids import decode_id
from schema.inputs import given, ids
from schema.processes.types import (
    NoteRequirement,
    NotifyAudience,
    Performer,
    TaskAssignee,
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


def step_spec(step: StepInput, path: list[str]) -> StepSpec:
    template = step.trigger_task
    return StepSpec(
        name=step.name,
        weight=step.weight,
        id=decode_id(step.id, "Step", [*path, "id"]) if step.id else None,
        mandatory=given(step.mandatory),  # type: ignore[arg-type]
        who_can_perform=given(step.who_can_perform),  # type: ignore[arg-type]
        performer_ids=ids(step.performer_ids, "User", [*path, "performerIds"]),
        require_note=given(step.require_note),  # type: ignore[arg-type]
        notify=given(step.notify),  # type: ignore[arg-type]
        notify_user_ids=ids(step.notify_user_ids, "User", [*path, "notifyUserIds"]),
        trigger_task=KEEP
        if template is UNSET
        else None
        if template is None
        else TaskTemplateSpec(template.title, template.due_in_days, template.assignee),
    )


def stage_specs(stages: list[StageInput]) -> list[StageSpec]:
    specs = []
    for i, stage in enumerate(stages):
        path = ["input", "stages", str(i)]
        steps = [step_spec(s, [*path, "steps", str(j)]) for j, s in enumerate(stage.steps)]
        stage_id = decode_id(stage.id, "Stage", [*path, "id"]) if stage.id else None
        specs.append(StageSpec(name=stage.name, steps=steps, id=stage_id))
    return specs
