"""Who takes part in a deal: publicity, participants, joining, asking for access.

Asking for access is the one place where a colleague learns that a deal they may not
see exists (they hold its id, say from a link): within their own workspace only, and
without learning anything about it until access is granted.
"""

from __future__ import annotations

from models.account import User
from models.deal import AccessRequest, AccessRequestStatus, Deal
from models.event import EventKind, NotificationKind
from resolvers import access, idempotency, validation
from resolvers.clock import now_utc
from resolvers.deals.state import (
    DealState,
    Reach,
    lock_deal,
    record,
    require_edit,
    require_manage,
    save,
    try_lock_deal,
)
from resolvers.errors import ErrorCode, Problems, Refused, not_found
from resolvers.events.history import change
from resolvers.events.notifications import notify, notify_without_deal
from resolvers.pagination import IdCursor, Page, newest_first
from resolvers.transactions import in_transaction


async def set_deal_public(actor: User, deal_id: int, is_public: bool) -> Deal:
    async with in_transaction():
        state = await lock_deal(actor, deal_id)
        require_manage(actor, state)
        if state.deal.is_public == is_public:
            return state.deal
        moved = [change("isPublic", state.deal.is_public, is_public)]
        state.deal.is_public = is_public
        return await save(state, actor, EventKind.VISIBILITY_CHANGED, moved)


async def _workspace_user(actor: User, user_id: int) -> User:
    user = await User.get_or_none(id=user_id, workspace_id=actor.workspace_id, active=True)
    if user is None:
        raise not_found("User", ("input", "userId"))
    return user


async def _add(state: DealState, actor: User, user: User) -> Deal:
    if user.id == state.deal.owner_id or user.id in state.participant_ids:
        return state.deal
    await state.add_participant(user.id)
    return await save(
        state,
        actor,
        EventKind.PARTICIPANT_ADDED,
        [change("participant", None, user.name)],
        user={"id": user.id, "name": user.name},
    )


async def add_participant(actor: User, deal_id: int, user_id: int) -> Deal:
    async with in_transaction():
        state = await lock_deal(actor, deal_id)
        require_manage(actor, state)
        return await _add(state, actor, await _workspace_user(actor, user_id))


async def remove_participant(actor: User, deal_id: int, user_id: int) -> Deal:
    """The owner, managers and admins remove anyone; a participant may leave."""
    async with in_transaction():
        state = await lock_deal(actor, deal_id)
        if user_id != actor.id:
            require_manage(actor, state)
        user = await _workspace_user(actor, user_id)
        if user_id == state.deal.owner_id:
            raise Refused.one(
                ErrorCode.VALIDATION,
                "The owner is not a participant: give the deal another owner instead.",
                ("input", "userId"),
            )
        if user_id not in state.participant_ids:
            return state.deal
        await state.remove_participant(user_id)
        return await save(
            state,
            actor,
            EventKind.PARTICIPANT_REMOVED,
            [change("participant", user.name, None)],
            user={"id": user.id, "name": user.name},
        )


async def join_deal(actor: User, deal_id: int) -> Deal:
    """Anyone may take part in a public deal."""
    async with in_transaction():
        state = await lock_deal(actor, deal_id, "id")
        if not state.deal.is_public and not access.can_edit(
            actor, state.deal, state.participant_ids
        ):
            raise Refused.one(
                ErrorCode.FORBIDDEN, "Only public deals may be joined: ask for access instead."
            )
        return await _add(state, actor, actor)


async def request_access(
    actor: User, deal_id: int, idempotency_key: str | None = None
) -> AccessRequest:
    problems = Problems()
    validation.idempotency_key(problems, idempotency_key)
    problems.raise_if_any()

    async def create() -> AccessRequest:
        state = await lock_deal(actor, deal_id, "id", reach=Reach.REQUESTABLE)
        deal = state.deal
        if access.can_edit(actor, deal, state.participant_ids):
            raise Refused.one(ErrorCode.CONFLICT, "You already work on this deal.", ("input", "id"))
        if deal.is_public:
            raise Refused.one(
                ErrorCode.CONFLICT, "This deal is public: join it instead.", ("input", "id")
            )
        pending = await AccessRequest.get_or_none(
            deal_id=deal.id, requester_id=actor.id, status=AccessRequestStatus.PENDING
        )
        if pending is None:
            pending = await AccessRequest.create(deal_id=deal.id, requester_id=actor.id)
            owner = await User.get(id=deal.owner_id)
            await record(state, actor, EventKind.ACCESS_REQUESTED, request={"id": pending.id})
            await notify(
                state,
                [owner],
                NotificationKind.ACCESS_REQUESTED,
                f'{actor.name} asks for access to "{deal.name}".',
                actor,
                access_request_id=pending.id,
            )
        return pending

    async def replay(request_id: int) -> AccessRequest | None:
        return await AccessRequest.get_or_none(id=request_id, requester_id=actor.id)

    return await idempotency.once(actor, "requestDealAccess", idempotency_key, create, replay)


async def answer_access_request(actor: User, request_id: int, grant: bool) -> AccessRequest:
    """Someone who works on the deal grants (adding a participant) or denies."""
    async with in_transaction():
        request = await AccessRequest.filter(
            id=request_id, deal__workspace_id=actor.workspace_id
        ).first()
        state = None
        if request is not None:
            state = await try_lock_deal(actor, request.deal_id)
        if request is None or state is None:
            raise not_found("Access request", ("input", "requestId"))
        require_edit(actor, state)
        request = await AccessRequest.filter(id=request_id).select_for_update().get()
        if request.status != AccessRequestStatus.PENDING:
            raise Refused.one(
                ErrorCode.CONFLICT,
                f"This request was already {request.status.lower()}.",
                ("input", "requestId"),
            )
        request.status = AccessRequestStatus.GRANTED if grant else AccessRequestStatus.DENIED
        request.answered_by_id, request.answered_at = actor.id, now_utc()
        await request.save()
        requester = await User.get(id=request.requester_id)
        if grant:
            await _add(state, actor, requester)
        await record(
            state,
            actor,
            EventKind.ACCESS_ANSWERED,
            request={"id": request.id, "granted": grant, "requester": requester.name},
        )
        if grant:
            await notify(
                state,
                [requester],
                NotificationKind.ACCESS_ANSWERED,
                f'{actor.name} granted you access to "{state.deal.name}".',
                actor,
            )
        else:
            # The requester still may not see the deal: the answer does not name it.
            await notify_without_deal(
                requester,
                NotificationKind.ACCESS_ANSWERED,
                f"{actor.name} denied your request for access to a deal.",
                actor,
            )
    return request


async def list_access_requests(
    actor: User, status: AccessRequestStatus | None, first: int | None, after: str | None
) -> Page[AccessRequest]:
    """The requests the actor may answer (all of them when `status` is None), newest
    first; the cursor is the request id."""
    query = access.answerable_requests(actor)
    if status is not None:
        query = query.filter(status=status)
    return await newest_first(query, IdCursor.ACCESS_REQUEST, first, after)


async def readable_request(actor: User, request_id: int) -> AccessRequest | None:
    """A request its reader may see: the one they made, or one they may answer."""
    request = await access.answerable_requests(actor).filter(id=request_id).first()
    if request is None:
        request = await AccessRequest.get_or_none(id=request_id, requester_id=actor.id)
    return request
