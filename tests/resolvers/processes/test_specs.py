"""A process configuration checked as a whole (`validate_configuration`): pure, no
database; the same rules through the API are in tests/schema/processes/."""

from __future__ import annotations

import pytest

from models.process import Performer
from resolvers.errors import ErrorCode, Refused
from resolvers.processes.specs import (
    MAX_STAGES,
    MAX_WEIGHT,
    ProcessSpec,
    StageSpec,
    StepSpec,
    StoredConfig,
    referenced_user_ids,
    validate_configuration,
)

ALICE, BOB = 7, 8


def spec(*stages: StageSpec, name: str = "Field sales") -> ProcessSpec:
    return ProcessSpec(name=name, stages=list(stages))


def stage(name: str, *steps: StepSpec, id: int | None = None) -> StageSpec:
    return StageSpec(name=name, steps=list(steps), id=id)


def problems_of(process: ProcessSpec, users: set[int] = frozenset({ALICE, BOB})) -> set[tuple]:
    with pytest.raises(Refused) as refused:
        validate_configuration(process, StoredConfig(), set(users))
    return {(p.code, p.field) for p in refused.value.problems}


def test_a_valid_configuration_becomes_a_plan_in_order():
    plan = validate_configuration(
        spec(
            stage("Qualify", StepSpec("Call", 10), StepSpec("Visit", 20, mandatory=True)),
            stage("Close", StepSpec("Sign", 70)),
        ),
        StoredConfig(),
        set(),
    )

    assert plan.name == "Field sales"
    assert [s.name for s in plan.stages] == ["Qualify", "Close"]
    assert [[step.values["name"] for step in s.steps] for s in plan.stages] == [
        ["Call", "Visit"],
        ["Sign"],
    ]
    assert all(step.row is None for s in plan.stages for step in s.steps)  # all new


def test_every_problem_is_told_at_once_with_its_path():
    found = problems_of(
        spec(
            stage("Qualify", StepSpec("", MAX_WEIGHT + 1)),
            stage("qualify", StepSpec("Sign", -1)),
            name=" ",
        )
    )

    assert found == {
        (ErrorCode.VALIDATION, ("input", "name")),
        (ErrorCode.VALIDATION, ("input", "stages", "0", "steps", "0", "name")),
        (ErrorCode.VALIDATION, ("input", "stages", "0", "steps", "0", "weight")),
        (ErrorCode.VALIDATION, ("input", "stages", "1", "steps", "0", "weight")),
        (ErrorCode.VALIDATION, ("input", "stages", "1", "name")),  # same name, any case
    }


def test_a_process_needs_stages_and_not_too_many():
    assert problems_of(spec()) == {(ErrorCode.VALIDATION, ("input", "stages"))}
    many = spec(*(stage(f"S{i}", StepSpec("x", 1)) for i in range(MAX_STAGES + 1)))
    assert (ErrorCode.VALIDATION, ("input", "stages")) in problems_of(many)


def test_ids_of_another_process_or_workspace_read_as_unknown():
    found = problems_of(
        spec(
            stage(
                "Qualify",
                StepSpec(
                    "Call",
                    10,
                    id=999,
                    who_can_perform=Performer.SELECTED_USERS,
                    performer_ids=[ALICE, 12345],
                ),
                id=555,
            )
        )
    )

    assert (ErrorCode.NOT_FOUND, ("input", "stages", "0", "id")) in found
    assert (ErrorCode.NOT_FOUND, ("input", "stages", "0", "steps", "0", "id")) in found
    assert any(code == ErrorCode.NOT_FOUND and "performerIds" in path for code, path in found)
    assert not any("performerIds" in path and path[-1] == "0" for _, path in found)  # Alice


def test_selected_performers_must_be_named():
    found = problems_of(
        spec(stage("Qualify", StepSpec("Call", 10, who_can_perform=Performer.SELECTED_USERS)))
    )

    assert any(code == ErrorCode.VALIDATION and "performerIds" in path for code, path in found)


def test_the_users_a_configuration_names_are_collected_once():
    process = spec(
        stage(
            "Qualify",
            StepSpec("Call", 10, performer_ids=[ALICE, BOB], notify_user_ids=[BOB]),
            StepSpec("Visit", 10, notify_user_ids=[ALICE]),
        )
    )

    assert referenced_user_ids(process) == {ALICE, BOB}
