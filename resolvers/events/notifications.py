"""Notification rows: who is told what. Nobody is told about a deal they may not see."""

from __future__ import annotations

from collections.abc import Iterable

from models.account import Role, User
from models.event import Notification, NotificationKind
from models.process import NotifyAudience
from resolvers import access
from resolvers.clock import now_utc
from resolvers.deals.state import DealState
from resolvers.errors import ErrorCode, Refused
from resolvers.events.log import before_log_write
from resolvers.pagination import IdCursor, Page, newest_first
from resolvers.processes.tree import StepNode

MAX_MARK = 500


async def notify(
    state: DealState,
    recipients: Iterable[User],
    kind: NotificationKind,
    message: str,
    actor: User,
    step_id: int | None = None,
    access_request_id: int | None = None,
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
            access_request_id=access_request_id,
        )
        for user in {u.id: u for u in recipients}.values()
        if user.id != actor.id
        and user.active
        and access.can_see(user, state.deal, state.participant_ids)
    ]
    if rows:
        await before_log_write(state.deal.workspace_id)
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
        ids.update(step.notify_user_ids)
    users = await User.filter(workspace_id=state.deal.workspace_id, id__in=list(ids)) if ids else []
    if roles:
        users += await User.filter(workspace_id=state.deal.workspace_id, role__in=roles)
    return users


async def notify_without_deal(
    recipient: User, kind: NotificationKind, message: str, actor: User
) -> Notification:
    """For news about a deal the recipient may not see: the row carries no deal."""
    await before_log_write(recipient.workspace_id)
    return await Notification.create(
        workspace_id=recipient.workspace_id,
        recipient_id=recipient.id,
        kind=str(kind),
        message=message,
        actor_id=actor.id,
    )


async def list_notifications(
    actor: User, unread_only: bool, first: int | None, after: str | None
) -> Page[Notification]:
    """The actor's own notifications, newest first; the cursor is the notification id."""
    query = Notification.filter(recipient_id=actor.id)
    if unread_only:
        query = query.filter(read_at=None)
    return await newest_first(query, IdCursor.NOTIFICATION, first, after)


async def own_notification(actor: User, notification_id: int) -> Notification | None:
    return await Notification.get_or_none(id=notification_id, recipient_id=actor.id)


async def unread_count(actor: User) -> int:
    return await Notification.filter(recipient_id=actor.id, read_at=None).count()


async def mark_read(actor: User, ids: list[int] | None, everything: bool) -> int:
    """Mark some (or all) of the actor's notifications read; the unread count after.
    Ids that are not the actor's are ignored, exactly like unknown ones."""
    if not everything and ids is None:
        raise Refused.one(
            ErrorCode.VALIDATION, "Give the ids to mark, or all: true.", ("input", "ids")
        )
    if ids is not None and len(ids) > MAX_MARK:
        raise Refused.one(ErrorCode.VALIDATION, f"At most {MAX_MARK} ids.", ("input", "ids"))
    query = Notification.filter(recipient_id=actor.id, read_at=None)
    if not everything:
        query = query.filter(id__in=ids or [])
    await query.update(read_at=now_utc())
    return await unread_count(actor)
