"""What a client asks a process configuration to be, and its validation.

`validate_configuration` checks a whole `ProcessSpec` against the process as stored and
returns a `ConfigPlan` with every value resolved (left-out fields keep their current
value), or raises `Refused` listing every problem with its field path. It reads nothing
from the database: the caller passes what is stored.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from models.process import NoteRequirement, NotifyAudience, Performer, Stage, Step, TaskAssignee
from resolvers import validation
from resolvers.errors import ErrorCode, Problems
from resolvers.validation import KEEP, Keep

MAX_STAGES = 20
MAX_ROTTEN_AFTER_DAYS = 3650
MAX_STEPS_PER_STAGE = 50
MAX_WEIGHT = 10_000
MAX_DUE_IN_DAYS = 3650
MAX_USERS_PER_LIST = 200


@dataclass(frozen=True)
class TaskTemplateSpec:
    title: str
    due_in_days: int
    assignee: TaskAssignee


@dataclass(frozen=True)
class StepSpec:
    name: str
    weight: int
    id: int | None = None
    mandatory: bool | None = None
    who_can_perform: Performer | None = None
    performer_ids: list[int] | None = None
    require_note: NoteRequirement | None = None
    notify: list[NotifyAudience] | None = None
    notify_user_ids: list[int] | None = None
    trigger_task: TaskTemplateSpec | Keep | None = KEEP


@dataclass(frozen=True)
class StageSpec:
    """`rotten_after_days` left as KEEP keeps a stored stage's limit (a new stage has
    none); None removes it."""

    name: str
    steps: list[StepSpec]
    id: int | None = None
    rotten_after_days: int | Keep | None = KEEP


@dataclass(frozen=True)
class ProcessSpec:
    name: str
    stages: list[StageSpec]
    is_default: bool | None = None


@dataclass
class StoredConfig:
    """A process's stages and steps as stored, archived ones included."""

    stages: dict[int, Stage] = field(default_factory=dict)
    steps: dict[int, Step] = field(default_factory=dict)
    performer_ids: dict[int, list[int]] = field(default_factory=dict)
    notify_user_ids: dict[int, list[int]] = field(default_factory=dict)


@dataclass
class StepPlan:
    row: Step | None
    values: dict[str, object]
    performer_ids: list[int]
    notify_user_ids: list[int]


@dataclass
class StagePlan:
    row: Stage | None
    name: str
    steps: list[StepPlan]
    rotten_after_days: int | None = None


@dataclass
class ConfigPlan:
    name: str
    stages: list[StagePlan]


def _unique(ids: list[int]) -> list[int]:
    return list(dict.fromkeys(ids))


class _Validator:
    def __init__(self, stored: StoredConfig) -> None:
        self.stored = stored
        self.problems = Problems()
        self.user_fields: list[tuple[int, list[str]]] = []
        self.seen_stage_ids: set[int] = set()
        self.seen_step_ids: set[int] = set()

    def known(
        self,
        kind: str,
        found: Mapping[int, object],
        seen: set[int],
        item_id: int | None,
        path: list[str],
    ) -> bool:
        if item_id is None:
            return True
        if item_id not in found:
            self.problems.add(ErrorCode.NOT_FOUND, f"{kind} not found in this process.", path)
            return False
        if item_id in seen:
            self.problems.invalid(f"{kind} appears more than once.", path)
            return False
        seen.add(item_id)
        return True

    def users(self, ids: list[int], path: list[str]) -> list[int]:
        if len(ids) > MAX_USERS_PER_LIST:
            self.problems.invalid(f"At most {MAX_USERS_PER_LIST} users may be listed.", path)
            return _unique(ids)
        for index, user_id in enumerate(ids):
            self.user_fields.append((user_id, [*path, str(index)]))
        return _unique(ids)

    def task(self, spec: StepSpec, row: Step | None, path: list[str]) -> dict[str, object]:
        if isinstance(spec.trigger_task, Keep):
            if row is None:
                return {"task_title": None, "task_due_in_days": None, "task_assignee": None}
            return {}
        template = spec.trigger_task
        if template is None:
            return {"task_title": None, "task_due_in_days": None, "task_assignee": None}
        title = validation.required_text(
            self.problems, template.title, [*path, "title"], "Task title"
        )
        if not 0 <= template.due_in_days <= MAX_DUE_IN_DAYS:
            self.problems.invalid(
                f"dueInDays must be between 0 and {MAX_DUE_IN_DAYS}.", [*path, "dueInDays"]
            )
        return {
            "task_title": title,
            "task_due_in_days": template.due_in_days,
            "task_assignee": template.assignee,
        }

    def step(self, spec: StepSpec, path: list[str]) -> StepPlan:
        ok = self.known("Step", self.stored.steps, self.seen_step_ids, spec.id, [*path, "id"])
        row = self.stored.steps.get(spec.id) if ok and spec.id is not None else None
        name = validation.required_text(self.problems, spec.name, [*path, "name"])
        if not 0 <= spec.weight <= MAX_WEIGHT:
            self.problems.invalid(f"Weight must be between 0 and {MAX_WEIGHT}.", [*path, "weight"])
        who = spec.who_can_perform or (row.who_can_perform if row else Performer.ANYONE)
        performers = self._performers(spec, row, who, path)
        raw_notify = spec.notify if spec.notify is not None else (row.notify if row else [])
        notify = list(dict.fromkeys(NotifyAudience(a) for a in raw_notify))
        notify_users = self._notify_users(spec, row, notify, path)
        values: dict[str, object] = {
            "name": name,
            "weight": spec.weight,
            "mandatory": spec.mandatory
            if spec.mandatory is not None
            else (row.mandatory if row else False),
            "who_can_perform": who,
            "require_note": spec.require_note
            or (row.require_note if row else NoteRequirement.NONE),
            "notify": [str(a) for a in notify],
            **self.task(spec, row, [*path, "triggerTask"]),
        }
        return StepPlan(row, values, performers, notify_users)

    def _performers(
        self, spec: StepSpec, row: Step | None, who: Performer, path: list[str]
    ) -> list[int]:
        field_path = [*path, "performerIds"]
        if spec.performer_ids is not None:
            ids = self.users(spec.performer_ids, field_path)
        else:
            ids = self.stored.performer_ids.get(row.id, []) if row else []
        if who == Performer.SELECTED_USERS and not ids:
            self.problems.invalid("Select at least one user who may perform this step.", field_path)
        if who != Performer.SELECTED_USERS:
            if spec.performer_ids:
                self.problems.invalid(
                    "performerIds apply only when whoCanPerform is SELECTED_USERS.", field_path
                )
            return []
        return ids

    def _notify_users(
        self, spec: StepSpec, row: Step | None, notify: list[NotifyAudience], path: list[str]
    ) -> list[int]:
        field_path = [*path, "notifyUserIds"]
        if spec.notify_user_ids is not None:
            ids = self.users(spec.notify_user_ids, field_path)
        else:
            ids = self.stored.notify_user_ids.get(row.id, []) if row else []
        selected = NotifyAudience.SELECTED_USERS in notify
        if selected and not ids:
            self.problems.invalid("Select at least one user to notify.", field_path)
        if not selected:
            if spec.notify_user_ids:
                self.problems.invalid(
                    "notifyUserIds apply only when notify includes SELECTED_USERS.", field_path
                )
            return []
        return ids

    def stage(self, spec: StageSpec, path: list[str]) -> StagePlan:
        ok = self.known("Stage", self.stored.stages, self.seen_stage_ids, spec.id, [*path, "id"])
        row = self.stored.stages.get(spec.id) if ok and spec.id is not None else None
        name = validation.required_text(self.problems, spec.name, [*path, "name"])
        if len(spec.steps) > MAX_STEPS_PER_STAGE:
            self.problems.invalid(
                f"A stage may have at most {MAX_STEPS_PER_STAGE} steps.", [*path, "steps"]
            )
        steps = [self.step(s, [*path, "steps", str(i)]) for i, s in enumerate(spec.steps)]
        days = spec.rotten_after_days
        if isinstance(days, Keep):
            days = row.rotten_after_days if row is not None else None
        elif days is not None and not 1 <= days <= MAX_ROTTEN_AFTER_DAYS:
            self.problems.invalid(
                f"Give 1 to {MAX_ROTTEN_AFTER_DAYS} days, or null for never.",
                [*path, "rottenAfterDays"],
            )
        return StagePlan(row, name, steps, days)


def referenced_user_ids(spec: ProcessSpec) -> set[int]:
    """Every user id the spec names, for the caller to look up in the workspace."""
    lists = [
        ids
        for stage in spec.stages[:MAX_STAGES]
        for step in stage.steps[:MAX_STEPS_PER_STAGE]
        for ids in (step.performer_ids or [], step.notify_user_ids or [])
    ]
    # Oversized lists are refused by validation; they are not worth a lookup.
    return {user_id for ids in lists if len(ids) <= MAX_USERS_PER_LIST for user_id in ids}


def validate_configuration(
    spec: ProcessSpec, stored: StoredConfig, workspace_user_ids: set[int]
) -> ConfigPlan:
    """Resolve and check the whole configuration, or raise `Refused` with every problem.

    `workspace_user_ids` are the referenced users that exist in the actor's workspace;
    any other id reads as unknown, whether it is missing or belongs to someone else.
    """
    validator = _Validator(stored)
    problems = validator.problems
    name = validation.required_text(problems, spec.name, ["input", "name"])
    if not spec.stages:
        problems.invalid("A process needs at least one stage.", ["input", "stages"])
    if len(spec.stages) > MAX_STAGES:
        problems.invalid(f"A process may have at most {MAX_STAGES} stages.", ["input", "stages"])
    stages = [validator.stage(s, ["input", "stages", str(i)]) for i, s in enumerate(spec.stages)]
    seen_names: set[str] = set()
    for index, stage in enumerate(stages):
        key = stage.name.casefold()
        if key and key in seen_names:
            problems.invalid(
                f'Stage name "{stage.name}" is used more than once.',
                ["input", "stages", str(index), "name"],
            )
        seen_names.add(key)
    for user_id, path in validator.user_fields:
        if user_id not in workspace_user_ids:
            problems.add(ErrorCode.NOT_FOUND, "User not found.", path)
    problems.raise_if_any()
    return ConfigPlan(name, stages)
