"""A process's whole configuration read in a fixed number of queries.

Every reader of a process (the configuration screens, and later the derived values of
deals) uses `ProcessTree`, so none of them walks the ORM relation by relation.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property

from models.account import User
from models.process import Process, Stage, Step, StepNotifyUser, StepPerformer


@dataclass
class StepNode:
    row: Step
    performers: list[User] = field(default_factory=list)
    notify_users: list[User] = field(default_factory=list)


@dataclass
class StageNode:
    row: Stage
    steps: list[StepNode] = field(default_factory=list)


@dataclass
class ProcessTree:
    row: Process
    stages: list[StageNode] = field(default_factory=list)

    @property
    def total_weight(self) -> int:
        return sum(step.row.weight for stage in self.stages for step in stage.steps)

    # The indexes below are built on first use, once the tree is read whole (a tree is
    # not changed after `load_process_trees` returns it).
    @cached_property
    def _stages_by_id(self) -> dict[int, StageNode]:
        return {stage.row.id: stage for stage in self.stages}

    @cached_property
    def _steps_by_id(self) -> dict[int, StepNode]:
        return {step.row.id: step for stage in self.stages for step in stage.steps}

    def stage(self, stage_id: int | None) -> StageNode | None:
        """A live stage of the process."""
        return None if stage_id is None else self._stages_by_id.get(stage_id)

    def step(self, step_id: int) -> StepNode | None:
        """A live step of the process."""
        return self._steps_by_id.get(step_id)

    @property
    def step_ids(self) -> set[int]:
        """The live steps' ids."""
        return set(self._steps_by_id)


async def _links_by_step(
    model: type[StepPerformer] | type[StepNotifyUser], step_ids: list[int]
) -> dict[int, list[User]]:
    found: dict[int, list[User]] = defaultdict(list)
    if step_ids:
        links = await model.filter(step_id__in=step_ids).select_related("user").order_by("id")
        for link in links:
            found[link.step_id].append(link.user)
    return found


async def load_process_trees(
    workspace_id: int, process_ids: Iterable[int] | None = None
) -> list[ProcessTree]:
    """The live processes of a workspace (or those of `process_ids`), stages in order.

    Archived stages and steps are left out; five queries whatever the size.
    """
    query = Process.filter(workspace_id=workspace_id, deleted_at=None)
    if process_ids is not None:
        query = query.filter(id__in=list(process_ids))
    processes = await query.order_by("-is_default", "name", "id")
    trees = {row.id: ProcessTree(row) for row in processes}
    if not trees:
        return []
    stages = await Stage.filter(process_id__in=list(trees), archived_at=None).order_by(
        "position", "id"
    )
    stage_nodes = {row.id: StageNode(row) for row in stages}
    for stage in stages:
        trees[stage.process_id].stages.append(stage_nodes[stage.id])
    for step in await load_steps_of_stages(list(stage_nodes)):
        stage_nodes[step.row.stage_id].steps.append(step)
    return list(trees.values())


async def live_process_exists(workspace_id: int, process_id: int) -> bool:
    return await Process.filter(workspace_id=workspace_id, id=process_id, deleted_at=None).exists()


async def load_process_tree(workspace_id: int, process_id: int) -> ProcessTree | None:
    trees = await load_process_trees(workspace_id, [process_id])
    return trees[0] if trees else None


async def load_stages(workspace_id: int, stage_ids: Iterable[int]) -> dict[int, StageNode]:
    """Stages by id, archived ones included, so that anything that points at one reads it."""
    stages = await Stage.filter(id__in=list(stage_ids), process__workspace_id=workspace_id)
    nodes = {row.id: StageNode(row) for row in stages}
    steps = await load_steps_of_stages(list(nodes))
    for step in steps:
        nodes[step.row.stage_id].steps.append(step)
    return nodes


async def load_steps_of_stages(stage_ids: list[int]) -> list[StepNode]:
    if not stage_ids:
        return []
    steps = await Step.filter(stage_id__in=stage_ids, archived_at=None).order_by("position", "id")
    return await _with_links(steps)


async def load_steps(workspace_id: int, step_ids: Iterable[int]) -> dict[int, StepNode]:
    """Steps by id, archived ones included (history and completions point at them)."""
    steps = await Step.filter(id__in=list(step_ids), stage__process__workspace_id=workspace_id)
    return {node.row.id: node for node in await _with_links(steps)}


async def _with_links(steps: list[Step]) -> list[StepNode]:
    step_ids = [row.id for row in steps]
    performers = await _links_by_step(StepPerformer, step_ids)
    notify_users = await _links_by_step(StepNotifyUser, step_ids)
    return [
        StepNode(step, performers.get(step.id, []), notify_users.get(step.id, [])) for step in steps
    ]
