"""A deal's lifecycle: won, lost, cancelled, reopened, moved to another process, put in
the trash and restored, and the trash emptied after its retention period."""

from __future__ import annotations

from datetime import datetime, timedelta

from models.account import User
from models.deal import Deal, DealStatus
from models.event import EventKind
from models.process import Process
from resolvers import validation
from resolvers.clock import now_utc
from resolvers.deals.state import (
    DealState,
    Reach,
    lock_deal,
    refresh_progress,
    require_edit,
    require_manage,
    require_open,
    save,
)
from resolvers.errors import ErrorCode, Problem, Problems, Refused, not_found
from resolvers.events.history import change
from resolvers.processes.tree import load_process_tree
from resolvers.progress import missing_mandatory_steps
from resolvers.transactions import in_transaction


def _stage_name(state: DealState, stage_id: int | None) -> str | None:
    stage = state.tree.stage(stage_id)
    return stage.row.name if stage else None


async def win_deal(actor: User, deal_id: int) -> Deal:
    async with in_transaction():
        state = await lock_deal(actor, deal_id, "id")
        require_edit(actor, state)
        require_open(state)
        missing = missing_mandatory_steps(state.tree, state.completed_step_ids)
        if missing:
            names = ", ".join(f'"{step.row.name}"' for step in missing)
            raise Refused(
                [
                    Problem(
                        ErrorCode.MANDATORY_STEPS_MISSING,
                        f"Complete the mandatory steps first: {names}.",
                        ("input", "id"),
                        subjects=tuple(("Step", step.row.id) for step in missing),
                    )
                ]
            )
        return await _close(state, actor, DealStatus.WON, EventKind.DEAL_WON, None)


async def _close_for_a_reason(
    actor: User, deal_id: int, raw_reason: str, status: DealStatus, kind: EventKind
) -> Deal:
    problems = Problems()
    reason = validation.reason(problems, raw_reason, ("input", "reason"))
    problems.raise_if_any()
    async with in_transaction():
        state = await lock_deal(actor, deal_id)
        require_edit(actor, state)
        require_open(state)
        if status == DealStatus.LOST:
            state.deal.lost_at_stage_id = state.deal.stage_id
        return await _close(state, actor, status, kind, reason)


async def lose_deal(actor: User, deal_id: int, reason: str) -> Deal:
    """Closed as lost; records the reason and the stage it was lost at."""
    return await _close_for_a_reason(actor, deal_id, reason, DealStatus.LOST, EventKind.DEAL_LOST)


async def cancel_deal(actor: User, deal_id: int, reason: str) -> Deal:
    """Closed because the project never happened (not lost to a competitor)."""
    return await _close_for_a_reason(
        actor, deal_id, reason, DealStatus.CANCELLED, EventKind.DEAL_CANCELLED
    )


async def _close(
    state: DealState, actor: User, status: DealStatus, kind: EventKind, reason: str | None
) -> Deal:
    deal = state.deal
    moved = [change("status", deal.status, status)]
    if reason is not None:
        moved.append(change("reason", None, reason))
    if status == DealStatus.LOST:
        moved.append(change("lostAtStage", None, _stage_name(state, deal.lost_at_stage_id)))
    deal.status, deal.closed_at = status, now_utc()
    deal.lost_reason = reason  # type: ignore[assignment]
    return await save(state, actor, kind, moved)


async def reopen_deal(actor: User, deal_id: int) -> Deal:
    async with in_transaction():
        state = await lock_deal(actor, deal_id, "id")
        require_edit(actor, state)
        deal = state.deal
        if deal.status == DealStatus.OPEN:
            raise Refused.one(ErrorCode.CONFLICT, "The deal is already open.", ("input", "id"))
        moved = [change("status", deal.status, DealStatus.OPEN)]
        deal.status = DealStatus.OPEN
        deal.lost_at_stage_id, deal.closed_at = None, None
        deal.lost_reason = None  # type: ignore[assignment]
        return await save(state, actor, EventKind.DEAL_REOPENED, moved)


async def change_deal_process(actor: User, deal_id: int, process_id: int) -> Deal:
    """Follow another process. Completions stay stored per step, so switching back
    brings them back; the derived values follow the current process only."""
    async with in_transaction():
        state = await lock_deal(actor, deal_id)
        require_edit(actor, state)
        require_open(state)
        deal = state.deal
        if process_id == deal.process_id:
            return deal
        process = (
            await Process.filter(id=process_id, workspace_id=actor.workspace_id, deleted_at=None)
            .select_for_update()
            .first()
        )
        tree = await load_process_tree(actor.workspace_id, process_id) if process else None
        if tree is None:
            raise not_found("Process", ("input", "processId"))
        before_stage = _stage_name(state, deal.stage_id)
        moved = [change("process", state.tree.row.name, tree.row.name)]
        deal.process_id, state.tree = process_id, tree
        deal.stage_id = None  # the old stage belongs to the old process
        progress = refresh_progress(state, now_utc())
        for item in progress:
            if item["field"] == "stage":
                item["from"] = before_stage
        return await save(state, actor, EventKind.DEAL_PROCESS_CHANGED, moved + progress)


async def delete_deal(actor: User, deal_id: int) -> Deal:
    """Into the trash: hidden from every list, board and statistic until restored."""
    async with in_transaction():
        state = await lock_deal(actor, deal_id, "id")
        require_manage(actor, state)
        state.deal.deleted_at = now_utc()
        return await save(state, actor, EventKind.DEAL_DELETED)


async def restore_deal(actor: User, deal_id: int) -> Deal:
    async with in_transaction():
        state = await lock_deal(actor, deal_id, "id", reach=Reach.TRASH)
        require_manage(actor, state)
        state.deal.deleted_at = None
        return await save(state, actor, EventKind.DEAL_RESTORED)


async def purge_trash(retention: timedelta, now: datetime | None = None) -> int:
    """Delete for good the deals that have been in the trash longer than `retention`."""
    cutoff = (now or now_utc()) - retention
    expired = await Deal.filter(deleted_at__lt=cutoff).values_list("id", flat=True)
    if expired:
        await Deal.filter(id__in=list(expired)).delete()
    return len(expired)
