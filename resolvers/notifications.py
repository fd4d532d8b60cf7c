"""Notification rows: who is told what. Nobody is told about a deal they may not see."""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from models.account import Role, User
from models.event import Notification
from models.process import NotifyAudience
from resolvers import access
from resolvers.deal_state import DealState
from resolvers.process_tree import StepNode


class NotificationKind(StrEnum):
    STEP_COMPLETED = "STEP_COMPLETED"
    TASK_ASSIGNED = "TASK_ASSIGNED"
    ACCESS_REQUESTED = "ACCESS_REQUESTED"
    ACCESS_ANSWERED = "ACCESS_ANSWERED"


async def notify(
    state: DealState,
    recipients: Iterable[User],
    kind: NotificationKind,
    message: str,
    actor: User,
    step_id: int | None = None,
) -> list[Notification]:
    """One row per recipient who may see the deal, the actor left out."""
    rows = [
        Notification(
            workspace_id=state.deal.workspace_id,
            recipient_id=user.id,
            kind=str(kind),
            message=message,
            deal_id=state.deal.id,
            step_id=step_id,
            actor_id=actor.id,
        )
        for user in {u.id: u for u in recipients}.values()
        if user.id != actor.id
        and user.active
        and access.can_see(user, state.deal, state.participant_ids)
    ]
    if rows:
        await Notification.bulk_create(rows)
    return rows


async def step_audience(state: DealState, step: StepNode) -> list[User]:
    """Everyone the step's `notify` setting names."""
    audiences = {NotifyAudience(a) for a in step.row.notify}
    roles = [
        role
        for audience, role in (
            (NotifyAudience.ADMINS, Role.ADMIN),
            (NotifyAudience.MANAGERS, Role.MANAGER),
        )
        if audience in audiences
    ]
    ids: set[int] = set()
    if NotifyAudience.PARTICIPANTS in audiences:
        ids |= {state.deal.owner_id, *state.participant_ids}
    if NotifyAudience.SELECTED_USERS in audiences:
        ids |= {user.id for user in step.notify_users}
    users = await User.filter(workspace_id=state.deal.workspace_id, id__in=list(ids))
    if roles:
        users += await User.filter(workspace_id=state.deal.workspace_id, role__in=roles)
    return users


async def notify_without_deal(
    recipient: User, kind: NotificationKind, message: str, actor: User
) -> Notification:
    """For news about a deal the recipient may not see: the row carries no deal."""
    return await Notification.create(
        workspace_id=recipient.workspace_id,
        recipient_id=recipient.id,
        kind=str(kind),
        message=message,
        actor_id=actor.id,
    )
