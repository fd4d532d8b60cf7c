"""Completing and un-completing steps of a deal.

Checks, in order: the deal is visible (NOT_FOUND), the step belongs to its current
process (STEP_NOT_IN_PROCESS), the deal is open (DEAL_CLOSED), the actor may edit the
deal and perform the step (FORBIDDEN); then a completed step stays as it is, or the
note and file the step requires must be there (NOTE_REQUIRED, FILE_REQUIRED).
"""

from __future__ import annotations

from models.account import User
from models.deal import Deal, StepCompletion
from models.event import EventKind, NotificationKind
from models.process import NoteRequirement
from resolvers import access, validation
from resolvers.clock import now_utc
from resolvers.deals import files
from resolvers.deals.state import (
    DealState,
    lock_deal,
    refresh_progress,
    require_edit,
    require_open,
    save,
)
from resolvers.errors import ErrorCode, Problems, Refused
from resolvers.events.history import change
from resolvers.events.notifications import notify, step_audience
from resolvers.processes.tree import StepNode
from resolvers.tasks.editing import trigger_task
from resolvers.transactions import in_transaction


async def _checked_step(actor: User, state: DealState, step_id: int) -> StepNode:
    step = state.step(step_id)
    if step is None:
        raise Refused.one(
            ErrorCode.STEP_NOT_IN_PROCESS,
            "This step is not part of the deal's current process.",
            ("input", "stepId"),
        )
    require_open(state)
    require_edit(actor, state)
    access.require(
        access.can_perform(actor, step), f'You may not perform the step "{step.row.name}".'
    )
    return step


async def complete_step(
    actor: User,
    deal_id: int,
    step_id: int,
    note: str | None,
    upload: files.IncomingFile | None,
    store: files.FileStore,
) -> Deal:
    problems = Problems()
    note = validation.note(problems, note, ("input", "note"))
    problems.raise_if_any()
    async with in_transaction():
        state = await lock_deal(actor, deal_id)
        step = await _checked_step(actor, state, step_id)
        if step_id in state.completions:
            return state.deal
        requirement = step.row.require_note
        if requirement != NoteRequirement.NONE and note is None:
            raise Refused.one(
                ErrorCode.NOTE_REQUIRED,
                f'The step "{step.row.name}" needs a note.',
                ("input", "note"),
            )
        if requirement == NoteRequirement.NOTE_WITH_FILE and upload is None:
            raise Refused.one(
                ErrorCode.FILE_REQUIRED,
                f'The step "{step.row.name}" needs a file.',
                ("input", "file"),
            )
        stored = (
            await files.store(store, upload, ("input", "file"), state.deal.workspace_id)
            if upload
            else None
        )
        now = now_utc()
        completion = await StepCompletion.create(
            deal_id=state.deal.id,
            step_id=step_id,
            completed_by_id=actor.id,
            note=note,
            file_hash=stored.digest if stored else None,
            file_name=stored.name if stored else None,
            file_size=stored.size if stored else None,
            file_content_type=stored.content_type if stored else None,
        )
        state.completions[step_id] = completion
        moved = refresh_progress(state, now)
        await trigger_task(state, step, actor, now)
        await notify(
            state,
            await step_audience(state, step),
            NotificationKind.STEP_COMPLETED,
            f'{actor.name} completed "{step.row.name}" on "{state.deal.name}".',
            actor,
            step_id,
        )
        return await save(
            state,
            actor,
            EventKind.STEP_COMPLETED,
            moved,
            step={"id": step_id, "name": step.row.name},
            note=note,
            file=stored.name if stored else None,
            fileHash=stored.digest if stored else None,
            fileType=stored.content_type if stored else None,
            fileSize=stored.size if stored else None,
        )


async def uncomplete_step(actor: User, deal_id: int, step_id: int) -> Deal:
    async with in_transaction():
        state = await lock_deal(actor, deal_id)
        step = await _checked_step(actor, state, step_id)
        completion = state.completions.pop(step_id, None)
        if completion is None:
            return state.deal
        await completion.delete()
        moved = refresh_progress(state, now_utc())
        return await save(
            state,
            actor,
            EventKind.STEP_UNCOMPLETED,
            [change("completed", step.row.name, None), *moved],
            step={"id": step_id, "name": step.row.name},
        )
