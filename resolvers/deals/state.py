"""A deal as a mutation sees it: locked, with its process, participants and completions,
and the one way every mutation saves it (derived values, version, event)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum, auto
from typing import Any

from tortoise.queryset import QuerySet, ValuesQuery

from models.account import User
from models.deal import Deal, DealParticipant, DealStatus, StepCompletion
from models.event import EventKind
from resolvers import access
from resolvers.clock import now_utc
from resolvers.errors import ErrorCode, Refused, not_found, stale_version
from resolvers.events.history import change, record_event
from resolvers.events.log import BoardFacts, facts_from
from resolvers.processes.tree import ProcessTree, StepNode, load_process_tree
from resolvers.progress import cents, deal_probability, deal_stage, forecast_cents
from resolvers.rotting import rot_moment
from resolvers.statements import Statement


@dataclass
class DealState:
    """`facts` are the deal's board facts as the last event of this transaction left
    them, or as the deal was locked before any (None: a deal not yet written)."""

    deal: Deal
    tree: ProcessTree
    participant_ids: set[int]
    completions: dict[int, StepCompletion] = field(default_factory=dict)
    facts: BoardFacts | None = None
    # Whether this transaction already counted a change by someone (`touch`).
    touched: bool = False

    @property
    def completed_step_ids(self) -> set[int]:
        return set(self.completions)

    def step(self, step_id: int) -> StepNode | None:
        """A live step of the deal's current process."""
        return self.tree.step(step_id)

    async def add_participant(self, user_id: int) -> None:
        """The one way a locked deal gains a participant: `participant_ids` stays what
        the database holds, which its events' board facts are taken from (`record`)."""
        await DealParticipant.create(deal_id=self.deal.id, user_id=user_id)
        self.participant_ids.add(user_id)

    async def remove_participant(self, user_id: int) -> None:
        """The one way a locked deal loses a participant (see `add_participant`)."""
        await DealParticipant.filter(deal_id=self.deal.id, user_id=user_id).delete()
        self.participant_ids.discard(user_id)


def _participants_of(deal_id: int) -> ValuesQuery[Any]:
    return DealParticipant.filter(deal_id=deal_id).values("user_id")


def _completions_of(deal_id: int) -> QuerySet[StepCompletion]:
    return StepCompletion.filter(deal_id=deal_id)


# Every mutation of a deal reads these after its lock: rendered once (see `_LOCKED`).
_PARTICIPANTS = Statement(_participants_of)
_COMPLETIONS = Statement(_completions_of)


async def load_state(deal: Deal) -> DealState:
    tree = await load_process_tree(deal.workspace_id, deal.process_id)
    if tree is None:
        raise RuntimeError(f"deal {deal.id} follows a process that cannot be read")
    participant_ids = {int(row["user_id"]) for row in await _PARTICIPANTS.all(deal.id)}
    completions = {c.step_id: c for c in await _COMPLETIONS.all(deal.id)}
    return DealState(deal, tree, participant_ids, completions, facts_from(deal, participant_ids))


class Reach(Enum):
    """Which deals a mutation may lock."""

    VISIBLE = auto()  # the deals the actor may see: every change of a deal
    TRASH = auto()  # the deleted deals the actor would see: restoring one
    REQUESTABLE = auto()  # the workspace's deals out of the trash: asking for access
    WORKSPACE = auto()  # every deal of the workspace: a task's deal, whoever sees it now


def _locked(
    workspace_id: int, viewer_id: int, every_deal: bool, reach: Reach, deal_id: int
) -> QuerySet[Deal]:
    """The deal `deal_id` if `reach` lets the viewer (given as plain values, as
    `access.visible_deals_of` takes them) find it, its row locked."""
    if reach == Reach.VISIBLE:
        deals = access.visible_deals_of(workspace_id, viewer_id, every_deal)
    elif reach == Reach.TRASH:
        deals = access.visible_trash_of(workspace_id, viewer_id, every_deal)
    elif reach == Reach.REQUESTABLE:
        deals = access.workspace_deals(workspace_id).filter(deleted_at=None)
    else:
        deals = access.workspace_deals(workspace_id)
    return deals.filter(id=deal_id).select_for_update().limit(1)


# Every mutation of a deal starts with this statement: its SQL (a salesperson's has a
# subquery) is rendered once per kind of viewer and reach, not on every mutation.
_LOCKED = Statement(_locked)


async def _lock(
    workspace_id: int, viewer_id: int, every_deal: bool, reach: Reach, deal_id: int
) -> DealState | None:
    found = await _LOCKED.all(workspace_id, viewer_id, every_deal, reach, deal_id)
    return await load_state(found[0]) if found else None


async def lock_deal(
    actor: User, deal_id: int, field_name: str = "dealId", *, reach: Reach = Reach.VISIBLE
) -> DealState:
    """The deal, row-locked until the transaction ends, if `reach` lets the actor find
    it. A deal out of reach reads exactly as one that does not exist. Every mutation of
    a deal, its tasks and its access requests starts here."""
    state = await try_lock_deal(actor, deal_id, reach=reach)
    if state is None:
        raise not_found("Deal", ("input", field_name))
    return state


async def try_lock_deal(
    actor: User, deal_id: int, *, reach: Reach = Reach.VISIBLE
) -> DealState | None:
    """`lock_deal` for a caller that answers a deal out of reach its own way."""
    every_deal = access.sees_every_deal(actor)
    return await _lock(actor.workspace_id, actor.id, every_deal, reach, deal_id)


async def lock_deal_for_system(workspace_id: int, deal_id: int) -> DealState | None:
    """`lock_deal` for the system's own jobs (the task clock): no actor, no visibility."""
    return await _lock(workspace_id, 0, True, Reach.WORKSPACE, deal_id)


def require_edit(actor: User, state: DealState) -> None:
    access.require(
        access.can_edit(actor, state.deal, state.participant_ids),
        "Only the owner, participants, managers and administrators may change this deal.",
    )


def require_manage(actor: User, state: DealState) -> None:
    access.require(
        access.can_manage(actor, state.deal),
        "Only the owner, managers and administrators may do this.",
    )


def require_version(state: DealState, version: int) -> None:
    """Optimistic locking: a change sent against another version than the stored one."""
    if version != state.deal.version:
        raise stale_version("deal", state.deal.version)


def require_open(state: DealState) -> None:
    if state.deal.status != DealStatus.OPEN:
        raise Refused.one(
            ErrorCode.DEAL_CLOSED,
            f"The deal is {state.deal.status.lower()}. Reopen it first.",
        )


def apply_progress(
    deal: Deal, tree: ProcessTree, completed: set[int], now: datetime
) -> list[dict[str, Any]]:
    """Recompute the stored derived values from the completions; return what moved."""
    stage = deal_stage(tree, completed)
    probability = deal_probability(tree, completed)
    moved = []
    new_stage_id = stage.row.id if stage else None
    if new_stage_id != deal.stage_id:
        old = tree.stage(deal.stage_id)
        old_name = old.row.name if old else None
        moved.append(change("stage", old_name, stage.row.name if stage else None))
        deal.stage_id = new_stage_id
        deal.stage_entered_at = now
    if probability != deal.probability:
        moved.append(change("probability", deal.probability, probability))
        deal.probability = probability
    sync_amounts(deal)
    return moved


def sync_amounts(deal: Deal) -> None:
    """The integer copies of value and forecast, from the value and probability."""
    deal.value_cents = cents(deal.value)
    deal.forecast_cents = forecast_cents(deal.value_cents, deal.probability)


def refresh_progress(state: DealState, now: datetime) -> list[dict[str, Any]]:
    return apply_progress(state.deal, state.tree, state.completed_step_ids, now)


async def refresh_process_deals(tree: ProcessTree, now: datetime) -> int:
    """After a process's configuration changed: every deal following it gets its
    derived values again (stages may be archived, weights moved). Returns how many moved."""
    deals = await access.workspace_deals(tree.row.workspace_id).filter(process_id=tree.row.id)
    completed: dict[int, set[int]] = {deal.id: set() for deal in deals}
    pairs = await StepCompletion.filter(deal__process_id=tree.row.id).only("deal_id", "step_id")
    for pair in pairs:
        completed[pair.deal_id].add(pair.step_id)
    moved = []
    for deal in deals:
        progressed = apply_progress(deal, tree, completed[deal.id], now)
        rots_at = rot_moment(deal, tree)
        if progressed or rots_at != deal.rots_at:
            deal.rots_at = rots_at
            moved.append(deal)
    if moved:
        await Deal.bulk_update(
            moved,
            fields=["stage_id", "probability", "stage_entered_at", "forecast_cents", "rots_at"],
        )
    return len(moved)


async def save(
    state: DealState,
    actor: User,
    kind: EventKind,
    changes: list[dict[str, Any]] | None = None,
    **details: Any,
) -> Deal:
    """Bump the version, write the row and its event (inside the caller's transaction)."""
    sync_amounts(state.deal)
    _count_change(state)
    state.deal.version += 1
    await state.deal.save()
    await record(state, actor, kind, changes, **details)
    return state.deal


def _count_change(state: DealState) -> None:
    """A change by someone: the deal's rotting clock starts again (`resolvers.rotting`)."""
    state.deal.last_activity_at = now_utc()
    state.deal.rots_at = rot_moment(state.deal, state.tree)
    state.touched = True


async def record(
    state: DealState,
    actor: User | None,
    kind: EventKind,
    changes: list[dict[str, Any]] | None = None,
    **details: Any,
) -> None:
    """Write an event of the deal (and its history) after what the state last said. An
    event with an actor is a change by someone: it restarts the deal's rotting clock."""
    if actor is not None and not state.touched:
        _count_change(state)
        deal = state.deal
        await (
            access.workspace_deals(deal.workspace_id)
            .filter(id=deal.id)
            .update(last_activity_at=deal.last_activity_at, rots_at=deal.rots_at)
        )
    state.facts = await record_event(
        state.deal,
        actor,
        kind,
        changes,
        before=state.facts,
        participant_ids=state.participant_ids,
        **details,
    )
