"""Configuring sales processes: create, update as a whole, delete, choose the default.

Only administrators configure. A configuration is validated in full before anything is
written, then applied in one transaction: listed stages and steps keep their ids, new
ones are created, and the ones left out are archived (never deleted).
"""

from __future__ import annotations

from collections import defaultdict

from models.account import User
from models.process import Process, Stage, Step, StepNotifyUser, StepPerformer
from resolvers import access
from resolvers.access import require_admin
from resolvers.clock import now_utc
from resolvers.deals.state import refresh_process_deals
from resolvers.errors import ErrorCode, Refused, not_found
from resolvers.events.history import record_process_event
from resolvers.locks import lock_workspace
from resolvers.processes.specs import (
    ConfigPlan,
    ProcessSpec,
    StoredConfig,
    referenced_user_ids,
    validate_configuration,
)
from resolvers.processes.tree import ProcessTree, load_process_tree
from resolvers.transactions import in_transaction


async def _stored_config(process_id: int) -> StoredConfig:
    stored = StoredConfig()
    stored.stages = {s.id: s for s in await Stage.filter(process_id=process_id)}
    stored.steps = {s.id: s for s in await Step.filter(stage__process_id=process_id)}
    for model, target in (
        (StepPerformer, stored.performer_ids),
        (StepNotifyUser, stored.notify_user_ids),
    ):
        grouped: dict[int, list[int]] = defaultdict(list)
        for step_id, user_id in await model.filter(step_id__in=list(stored.steps)).values_list(
            "step_id", "user_id"
        ):
            grouped[step_id].append(user_id)
        target.update(grouped)
    return stored


async def _plan(
    actor: User, spec: ProcessSpec, process_id: int | None, stored: StoredConfig
) -> ConfigPlan:
    wanted = referenced_user_ids(spec)
    known: set[int] = set(
        await User.filter(workspace_id=actor.workspace_id, id__in=list(wanted)).values_list(
            "id", flat=True
        )  # type: ignore[arg-type]
    )
    plan = validate_configuration(spec, stored, known)
    duplicate = Process.filter(
        workspace_id=actor.workspace_id, deleted_at=None, name__iexact=plan.name
    )
    if process_id is not None:
        duplicate = duplicate.exclude(id=process_id)
    if await duplicate.exists():
        raise Refused.one(
            ErrorCode.CONFLICT, "Another process already has this name.", ("input", "name")
        )
    return plan


async def _replace_links(
    model: type[StepPerformer] | type[StepNotifyUser],
    step_id: int,
    user_ids: list[int],
    stored: list[int] | None,
) -> None:
    if stored is not None and stored == user_ids:
        return
    await model.filter(step_id=step_id).delete()
    if user_ids:
        links = [model(step_id=step_id, user_id=uid) for uid in user_ids]
        await model.bulk_create(links)  # type: ignore[arg-type]


async def _apply(process: Process, plan: ConfigPlan, stored: StoredConfig) -> None:
    """Write the plan; must run inside the caller's transaction."""
    now = now_utc()
    kept_stages: set[int] = set()
    kept_steps: set[int] = set()
    for position, stage_plan in enumerate(plan.stages):
        stage = stage_plan.row
        if stage is None:
            stage = await Stage.create(
                process=process,
                name=stage_plan.name,
                position=position,
                rotten_after_days=stage_plan.rotten_after_days,
            )
        else:
            stage.name, stage.position, stage.archived_at = stage_plan.name, position, None
            stage.rotten_after_days = stage_plan.rotten_after_days
            await stage.save(update_fields=["name", "position", "archived_at", "rotten_after_days"])
        kept_stages.add(stage.id)
        for step_position, step_plan in enumerate(stage_plan.steps):
            step = step_plan.row
            values = {**step_plan.values, "position": step_position, "archived_at": None}
            if step is None:
                step = Step(stage=stage)
                step.update_from_dict(values)
                await step.save()
                performers = notify_users = None
            else:
                step.update_from_dict({**values, "stage_id": stage.id})
                await step.save()
                performers = stored.performer_ids.get(step.id, [])
                notify_users = stored.notify_user_ids.get(step.id, [])
            kept_steps.add(step.id)
            await _replace_links(StepPerformer, step.id, step_plan.performer_ids, performers)
            await _replace_links(StepNotifyUser, step.id, step_plan.notify_user_ids, notify_users)
    await (
        Stage.filter(process_id=process.id, archived_at=None)
        .exclude(id__in=list(kept_stages))
        .update(archived_at=now)
    )
    await (
        Step.filter(stage__process_id=process.id, archived_at=None)
        .exclude(id__in=list(kept_steps))
        .update(archived_at=now)
    )


async def _make_default(process: Process) -> list[int]:
    """Move the default flag; the caller holds the workspace lock. The processes whose
    flag changed (the caller logs that they changed, last: `_log_changed`)."""
    previous = await (
        Process.filter(workspace_id=process.workspace_id, is_default=True)
        .exclude(id=process.id)
        .values_list("id", flat=True)
    )
    changed = [int(pk) for pk in previous]  # type: ignore[call-overload]
    await Process.filter(id__in=changed).update(is_default=False)
    if not process.is_default:
        process.is_default = True
        await process.save(update_fields=["is_default", "updated_at"])
        changed.append(process.id)
    return changed


async def _log_changed(actor: User, process_ids: list[int]) -> None:
    """A process event for each process whose configuration changed: its boards (and
    the live feeds' kept trees) read it again. Last in a transaction: the log lock is
    the last lock a transaction takes (see event_log)."""
    for process_id in sorted(process_ids):
        await record_process_event(actor.workspace_id, process_id, actor)


async def _locked_process(actor: User, process_id: int) -> Process:
    await lock_workspace(actor.workspace_id)
    process = (
        await Process.filter(id=process_id, workspace_id=actor.workspace_id, deleted_at=None)
        .select_for_update()
        .first()
    )
    if process is None:
        raise not_found("Process", ("input", "id"))
    return process


async def _tree(actor: User, process_id: int) -> ProcessTree:
    tree = await load_process_tree(actor.workspace_id, process_id)
    assert tree is not None, "a process just written is readable"
    return tree


async def create_process(actor: User, spec: ProcessSpec) -> ProcessTree:
    require_admin(actor, "configure processes")
    async with in_transaction():
        await lock_workspace(actor.workspace_id)
        plan = await _plan(actor, spec, None, StoredConfig())
        has_default = await Process.filter(
            workspace_id=actor.workspace_id, is_default=True, deleted_at=None
        ).exists()
        process = await Process.create(workspace_id=actor.workspace_id, name=plan.name)
        await _apply(process, plan, StoredConfig())
        if spec.is_default or not has_default:
            changed = await _make_default(process)
            # A new process has no board yet: only the one that stopped being the default.
            await _log_changed(actor, [pk for pk in changed if pk != process.id])
    return await _tree(actor, process.id)


async def update_process(actor: User, process_id: int, spec: ProcessSpec) -> ProcessTree:
    require_admin(actor, "configure processes")
    async with in_transaction():
        process = await _locked_process(actor, process_id)
        stored = await _stored_config(process.id)
        plan = await _plan(actor, spec, process.id, stored)
        process.name = plan.name
        await process.save(update_fields=["name", "updated_at"])
        await _apply(process, plan, stored)
        await refresh_process_deals(await _tree(actor, process.id), now_utc())
        await _log_changed(actor, [process.id])
    return await _tree(actor, process.id)


async def set_default_process(actor: User, process_id: int) -> ProcessTree:
    require_admin(actor, "choose the default process")
    async with in_transaction():
        process = await _locked_process(actor, process_id)
        await _log_changed(actor, await _make_default(process))
    return await _tree(actor, process.id)


async def delete_process(actor: User, process_id: int) -> ProcessTree:
    """Soft-delete a process no deal uses and that is not the default."""
    require_admin(actor, "delete processes")
    async with in_transaction():
        process = await _locked_process(actor, process_id)
        tree = await _tree(actor, process.id)
        if process.is_default:
            raise Refused.one(
                ErrorCode.CONFLICT,
                "This is the default process. Make another process the default first.",
                ("input", "id"),
            )
        used_by = (
            await access.workspace_deals(actor.workspace_id).filter(process_id=process.id).count()
        )
        if used_by:
            noun = "deal uses" if used_by == 1 else "deals use"
            raise Refused.one(
                ErrorCode.CONFLICT,
                f"{used_by} {noun} this process (the trash included). "
                "Move them to another process first.",
                ("input", "id"),
            )
        process.deleted_at = now_utc()
        await process.save(update_fields=["deleted_at", "updated_at"])
        await _log_changed(actor, [process.id])
    tree.row = process
    return tree
