"""A process's whole configuration read in a fixed number of queries.

Every reader of a process (the configuration screens, and later the derived values of
deals) uses `ProcessTree`, so none of them walks the ORM relation by relation.

Trees are read often (every board, every change to a deal) and change rarely, so each
process keeps the stages (with their steps and their steps' people) it last read, by
process: a tree is its process row, read every time, and those stages as long as the
row's `updated_at` is the one they were read with, for the same workspace and process
id. Stages, steps and the people on steps are written by
`resolvers.processes.configuration`, which saves the process row (a new `updated_at`)
in the same transaction, before any tree of it is read again, and by `dealflow import`
(`server.backup`), whose processes are new rows with new ids (ids are never reused:
processes and workspaces are only soft-deleted). A tree read inside a transaction that
rolls back keeps an `updated_at` the database never had, and is never used. Whatever
else writes them (a data migration while servers run) must save the process rows too.
Steps keep the ids of their people, not their rows: a renamed user shows under their
new name at once.
"""

from __future__ import annotations

from collections import OrderedDict, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property

from tortoise.queryset import QuerySet

from models.process import Process, Stage, Step, StepNotifyUser, StepPerformer
from resolvers.statements import Statement

# How many processes' stages a server process keeps (the least recently read go first).
KEPT_TREES = 512


@dataclass
class StepNode:
    row: Step
    performer_ids: list[int] = field(default_factory=list)
    notify_user_ids: list[int] = field(default_factory=list)


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
) -> dict[int, list[int]]:
    found: dict[int, list[int]] = defaultdict(list)
    if step_ids:
        links = (
            await model.filter(step_id__in=step_ids)
            .order_by("id")
            .values_list("step_id", "user_id")
        )
        for step_id, user_id in links:
            found[step_id].append(user_id)
    return found


class _KeptStages:
    """The stages of recently read processes, each with the process row's identity and
    `updated_at` they were read with (see the module's doc)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._kept: OrderedDict[tuple[int, int], tuple[datetime, list[StageNode]]] = OrderedDict()

    def get(self, process: Process) -> list[StageNode] | None:
        key = (process.workspace_id, process.id)
        found = self._kept.get(key)
        if found is None or found[0] != process.updated_at:
            return None
        self._kept.move_to_end(key)
        return found[1]

    def keep(self, process: Process, stages: list[StageNode]) -> None:
        key = (process.workspace_id, process.id)
        self._kept[key] = (process.updated_at, list(stages))
        self._kept.move_to_end(key)
        while len(self._kept) > self.size:
            self._kept.popitem(last=False)


kept_stages = _KeptStages(KEPT_TREES)


def _processes_of(workspace_id: int) -> QuerySet[Process]:
    """A workspace's live processes, the default first, then by name."""
    query = Process.filter(workspace_id=workspace_id, deleted_at=None)
    return query.order_by("-is_default", "name", "id")


def _processes_by_id(workspace_id: int, ids: list[int]) -> QuerySet[Process]:
    return _processes_of(workspace_id).filter(id__in=ids)


# A board reads its process first (is the kept tree still its own?): rendered once.
_PROCESSES = Statement(_processes_by_id)


async def load_process_trees(
    workspace_id: int, process_ids: Iterable[int] | None = None
) -> list[ProcessTree]:
    """The live processes of a workspace (or those of `process_ids`), stages in order.

    Archived stages and steps are left out; five queries whatever the size.
    """
    if process_ids is None:
        processes = await _processes_of(workspace_id)
    else:
        processes = await _PROCESSES.all(workspace_id, list(process_ids))
    trees: list[ProcessTree] = []
    unread: dict[int, ProcessTree] = {}
    for row in processes:
        kept = kept_stages.get(row)
        trees.append(ProcessTree(row, list(kept) if kept is not None else []))
        if kept is None:
            unread[row.id] = trees[-1]
    if unread:
        stages = await Stage.filter(process_id__in=list(unread), archived_at=None).order_by(
            "position", "id"
        )
        stage_nodes = {row.id: StageNode(row) for row in stages}
        for stage in stages:
            unread[stage.process_id].stages.append(stage_nodes[stage.id])
        for step in await load_steps_of_stages(list(stage_nodes)):
            stage_nodes[step.row.stage_id].steps.append(step)
        for tree in unread.values():
            kept_stages.keep(tree.row, tree.stages)
    return trees


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
