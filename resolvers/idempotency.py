"""Retries from phones and forms: a mutation sent again with the same idempotency key by
the same user within 24 hours returns its first result and creates nothing new.

Every mutation that takes a key runs its work through `once`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Protocol, TypeVar

from tortoise.exceptions import IntegrityError

from models.account import User
from models.event import IdempotencyRecord
from resolvers.clock import now_utc
from resolvers.transactions import in_transaction

RETENTION = timedelta(hours=24)


class _Row(Protocol):
    id: int


Result = TypeVar("Result", bound=_Row)


async def first_result(actor: User, operation: str, key: str | None) -> int | None:
    """The id the first call with this key produced, if it is recent enough."""
    if key is None:
        return None
    record = await IdempotencyRecord.get_or_none(
        user_id=actor.id,
        operation=operation,
        key=key,
        created_at__gte=now_utc() - RETENTION,
    )
    return record.result_id if record else None


async def remember(actor: User, operation: str, key: str | None, result_id: int) -> None:
    """Record the result; inside the transaction that created it, so both or neither
    exist. A concurrent retry collides on the unique key and its transaction rolls back."""
    if key is None:
        return
    await IdempotencyRecord.filter(
        user_id=actor.id,
        operation=operation,
        key=key,
        created_at__lt=now_utc() - RETENTION,
    ).delete()
    await IdempotencyRecord.create(
        user_id=actor.id, operation=operation, key=key, result_id=result_id
    )


async def once(
    actor: User,
    operation: str,
    key: str | None,
    create: Callable[[], Awaitable[Result]],
    replay: Callable[[int], Awaitable[Result | None]],
) -> Result:
    """`create()`, in one transaction with the record of its result, unless this key
    already produced one: then `replay(id)` answers (None: the first result is gone, so
    the work is done again). Two calls with one key at once: the second collides on the
    record's unique key, its transaction rolls back, and it answers the first's result."""
    earlier = await first_result(actor, operation, key)
    if earlier is not None:
        found = await replay(earlier)
        if found is not None:
            return found
    try:
        async with in_transaction():
            result = await create()
            await remember(actor, operation, key, result.id)
    except IntegrityError:
        earlier = await first_result(actor, operation, key)
        found = None if earlier is None else await replay(earlier)
        if found is None:
            raise
        return found
    return result
