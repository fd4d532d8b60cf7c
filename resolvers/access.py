"""Who may do what: the one place every role and visibility rule lives.

Admins and managers see and edit every deal of their workspace; a user sees the deals
they own, take part in, or that are public, and edits the ones they own or take part
in. Every read of deals starts from `visible_deals`, so no resolver can forget it.
"""

from __future__ import annotations

from collections.abc import Set
from typing import Protocol

from tortoise.expressions import Q, Subquery
from tortoise.queryset import QuerySet

from models.account import Role, User
from models.deal import AccessRequest, Deal, DealParticipant
from models.history import HistoryEntry
from models.lead import Lead
from models.process import Performer
from models.task import Task
from resolvers.errors import ErrorCode, Refused
from resolvers.processes.tree import StepNode


class DisplayGrantLike(Protocol):
    @property
    def process_id(self) -> int: ...


def is_admin(actor: User) -> bool:
    return actor.role == Role.ADMIN


def sees_every_deal(actor: User) -> bool:
    """Admins and managers see (and work on) every deal of their workspace."""
    return actor.role in (Role.ADMIN, Role.MANAGER)


def require_admin(actor: User, action: str) -> None:
    if not is_admin(actor):
        raise Refused.one(ErrorCode.FORBIDDEN, f"Only administrators may {action}.")


def require_manager(actor: User, action: str) -> None:
    if not sees_every_deal(actor):
        raise Refused.one(ErrorCode.FORBIDDEN, f"Only managers and administrators may {action}.")


def _visibility(actor: User) -> Q:
    return _visibility_of(actor.workspace_id, actor.id, sees_every_deal(actor))


def _visibility_of(workspace_id: int, viewer_id: int, every_deal: bool) -> Q:
    if not isinstance(every_deal, bool):
        # It shapes the query: a kept statement takes a bool as part of its layout, but
        # would fill an int in as a value, and one viewer's text would serve the other.
        raise TypeError(f"every_deal is a bool, not {every_deal!r}")
    if every_deal:
        return Q(workspace_id=workspace_id)
    takes_part = Subquery(DealParticipant.filter(user_id=viewer_id).values("deal_id"))
    return Q(workspace_id=workspace_id) & (
        Q(owner_id=viewer_id) | Q(is_public=True) | Q(id__in=takes_part)
    )


def visible_deals(actor: User) -> QuerySet[Deal]:
    """The deals `actor` may see, the trash left out."""
    return visible_deals_of(actor.workspace_id, actor.id, sees_every_deal(actor))


def visible_deals_of(workspace_id: int, viewer_id: int, every_deal: bool) -> QuerySet[Deal]:
    """`visible_deals` of a viewer given as plain values (`every_deal`: whether they
    see every deal, `sees_every_deal`), for a query rendered once
    (`resolvers.statements`)."""
    return Deal.filter(_visibility_of(workspace_id, viewer_id, every_deal), deleted_at=None)


def salespeople_sight(
    deals: QuerySet[Deal], salespeople: list[int]
) -> tuple[QuerySet[Deal], QuerySet[Deal], QuerySet[Deal]]:
    """`deals` split by why salespeople see them, the rule of `_visibility` for many at
    once: the public ones (every salesperson), the private ones they own (by
    `owner_id`), the private ones they take part in (by `participants__user_id`; where
    that is also the owner, the deal is already theirs by ownership). A salesperson's
    deals are the public ones plus theirs in each of the other two."""
    private = deals.filter(is_public=False)
    return (
        deals.filter(is_public=True),
        private.filter(owner_id__in=salespeople),
        private.filter(participants__user_id__in=salespeople),
    )


def _editing(actor: User) -> Q:
    """`can_edit` for many deals at once."""
    if sees_every_deal(actor):
        return Q(workspace_id=actor.workspace_id)
    takes_part = Subquery(DealParticipant.filter(user_id=actor.id).values("deal_id"))
    return Q(workspace_id=actor.workspace_id) & (Q(owner_id=actor.id) | Q(id__in=takes_part))


def answerable_requests(actor: User) -> QuerySet[AccessRequest]:
    """The access requests `actor` may answer: those on deals they work on (`can_edit`),
    the trash left out, as `answerAccessRequest` checks one by one."""
    deals = Subquery(Deal.filter(_editing(actor), deleted_at=None).values("id"))
    return AccessRequest.filter(deal_id__in=deals)


def workspace_deals(workspace_id: int) -> QuerySet[Deal]:
    """Every deal of a workspace, the trash included, whoever may see them: for the
    rules that come before visibility (asking for access to a deal one may not see, the
    deal of a task whose assignee lost sight of it, how many deals follow a process,
    the split of `salespeople_sight`) and for the system's own jobs. Never for an answer
    that shows deals to a user: that is what `visible_deals` is for."""
    return Deal.filter(workspace_id=workspace_id)


def visible_deals_and_trash(actor: User) -> QuerySet[Deal]:
    """For reads that also serve the trash view (history of a deleted deal)."""
    return Deal.filter(_visibility(actor))


def visible_trash(actor: User) -> QuerySet[Deal]:
    """The deleted deals `actor` would see if they were restored."""
    return visible_trash_of(actor.workspace_id, actor.id, sees_every_deal(actor))


def visible_trash_of(workspace_id: int, viewer_id: int, every_deal: bool) -> QuerySet[Deal]:
    """`visible_trash` of a viewer given as plain values (see `visible_deals_of`)."""
    return Deal.filter(
        _visibility_of(workspace_id, viewer_id, every_deal), deleted_at__not_isnull=True
    )


def visible_tasks(actor: User) -> QuerySet[Task]:
    """Tasks assigned to or made by the actor, and the tasks of deals they may see."""
    query = Task.filter(workspace_id=actor.workspace_id)
    if sees_every_deal(actor):
        return query
    deals = Subquery(visible_deals_and_trash(actor).values("id"))
    return query.filter(Q(assignee_id=actor.id) | Q(created_by_id=actor.id) | Q(deal_id__in=deals))


def sees(actor: User, *, owner_id: int, is_public: bool, participant_ids: Set[int]) -> bool:
    """The visibility rule on a deal's facts, the deal being of the actor's workspace:
    `_visibility` for one deal, wherever its facts come from (a row, an event)."""
    return (
        sees_every_deal(actor) or owner_id == actor.id or is_public or actor.id in participant_ids
    )


def can_see(actor: User, deal: Deal, participant_ids: Set[int]) -> bool:
    return deal.workspace_id == actor.workspace_id and sees(
        actor, owner_id=deal.owner_id, is_public=deal.is_public, participant_ids=participant_ids
    )


def can_edit(actor: User, deal: Deal, participant_ids: Set[int]) -> bool:
    """Owner, participants, managers and admins work on a deal (public means readable)."""
    if deal.workspace_id != actor.workspace_id:
        return False
    return sees_every_deal(actor) or deal.owner_id == actor.id or actor.id in participant_ids


def can_change_task(actor: User, task: Task, deal: Deal | None, participant_ids: Set[int]) -> bool:
    """Completing, rescheduling or reassigning a task: its assignee, its author, and
    whoever may edit its deal (`deal` is the task's deal, None for a task without one)."""
    if task.workspace_id != actor.workspace_id:
        return False
    return (
        task.assignee_id == actor.id
        or task.created_by_id == actor.id
        or (deal is not None and can_edit(actor, deal, participant_ids))
    )


def can_manage(actor: User, deal: Deal) -> bool:
    """Owner, managers and admins decide who takes part, publicity, trash and restore."""
    return deal.workspace_id == actor.workspace_id and (
        sees_every_deal(actor) or deal.owner_id == actor.id
    )


def can_perform(actor: User, step: StepNode) -> bool:
    """The step's own rule, on top of edit access to the deal."""
    rule = step.row.who_can_perform
    if rule == Performer.ANYONE:
        return True
    if rule == Performer.MANAGERS:
        return sees_every_deal(actor)
    if rule == Performer.ADMINS:
        return is_admin(actor)
    return actor.id in step.performer_ids


def visible_leads(actor: User) -> QuerySet[Lead]:
    """The leads `actor` may see: managers and admins every lead of the workspace, a
    salesperson theirs and the unassigned pool."""
    leads = Lead.filter(workspace_id=actor.workspace_id)
    if sees_every_deal(actor):
        return leads
    return leads.filter(Q(owner_id=actor.id) | Q(owner_id=None))


def workspace_leads(workspace_id: int) -> QuerySet[Lead]:
    """Every lead of a workspace, whoever may see them: for claiming (a lead someone
    else claimed first is a conflict, not a mystery) and the system's own jobs."""
    return Lead.filter(workspace_id=workspace_id)


def sees_lead(actor: User, owner_id: int | None) -> bool:
    """`visible_leads` for one lead of the actor's workspace, from its owner."""
    return sees_every_deal(actor) or owner_id is None or owner_id == actor.id


def can_work_lead(actor: User, lead: Lead) -> bool:
    """Changing, qualifying, disqualifying or reopening a lead: its owner, managers and
    admins. A salesperson claims an unassigned lead before working on it."""
    return lead.workspace_id == actor.workspace_id and (
        sees_every_deal(actor) or (lead.owner_id is not None and lead.owner_id == actor.id)
    )


def visible_history(actor: User) -> QuerySet[HistoryEntry]:
    """The workspace's history entries about deals (the trash included, as a deal's own
    history) and leads the actor may see now: the team's activity."""
    entries = HistoryEntry.filter(workspace_id=actor.workspace_id)
    if sees_every_deal(actor):
        return entries
    deals = Subquery(visible_deals_and_trash(actor).values("id"))
    leads = Subquery(visible_leads(actor).values("id"))
    return entries.filter(Q(deal_id__in=deals) | Q(lead_id__in=leads))


# The viewers display tokens authenticate as carry the board each may read on the
# object itself (`resolvers.accounts.display_tokens`: made up, never saved). It was kept
# in a weak dictionary, but Tortoise's models are equal (and hash) by id: two viewers of
# one token were one key, and when the first was freed the second lost its mark.
_DISPLAY_MARK = "_display_board"
# What a made-up viewer (a negative id) that has somehow lost its mark reads: nothing.
_NO_BOARD = 0


def grant_display(viewer: User, grant: DisplayGrantLike) -> None:
    setattr(viewer, _DISPLAY_MARK, grant.process_id)


def display_board(actor: User) -> int | None:
    """The one process whose board a display token's viewer may read; None for a
    person, who reads whatever the other rules allow. A viewer with no id of its own
    but no mark either reads no board (it fails closed)."""
    board: int | None = getattr(actor, _DISPLAY_MARK, None)
    if board is None and actor.id is not None and actor.id < 0:
        return _NO_BOARD
    return board


def sees_whole_log(actor: User) -> bool:
    """Whether every event of the workspace's log is the actor's to see, so that a
    position in the log tells them nothing hidden: admins and managers, not a wall
    screen (which reads one board). To anyone else the log's position would say when
    changes they may not see were made."""
    return sees_every_deal(actor) and display_board(actor) is None


def reads_board(actor: User, process_id: int) -> bool:
    """Whether the actor may ask for this process's board at all (a display token: its
    own board only). What the board then shows is `visible_deals`'s."""
    board = display_board(actor)
    return board is None or board == process_id


def require(allowed: bool, message: str) -> None:
    if not allowed:
        raise Refused.one(ErrorCode.FORBIDDEN, message)
