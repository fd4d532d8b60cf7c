"""At most `MAX_SOCKETS_PER_USER` open WebSockets per user, across server processes.

Each accepted socket holds a slot until it closes. In one process the slots are a set
per user; with Redis (`BROADCAST_URL`) they are a sorted set per user whose scores are
lease expiries that every process renews for its own sockets, so the slots of a process
that died free themselves within `LEASE_SECONDS`.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections import defaultdict

from redis.asyncio import Redis
from redis.exceptions import RedisError

from subscriptions.background import stop_task

logger = logging.getLogger("dealflow.rate_limits")

TOO_MANY_SOCKETS = 4429
TOO_MANY_SOCKETS_REASON = "Too many open connections for this user: close one first."
LEASE_SECONDS = 60.0
KEY_PREFIX = "dealflow-sockets:"

# Drop expired leases, then take a slot if fewer than the limit are held: one atomic step.
_ACQUIRE = """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then return 0 end
redis.call('ZADD', KEYS[1], ARGV[3], ARGV[4])
redis.call('EXPIRE', KEYS[1], ARGV[5])
return 1
"""


class SocketSlots:
    """`acquire` when a socket is accepted (False: over the limit), `release` when it
    closes. `max_per_user` 0 turns the limit off."""

    def __init__(
        self, max_per_user: int, redis_url: str | None = None, namespace: str = ""
    ) -> None:
        self.max_per_user = max_per_user
        self.prefix = f"{KEY_PREFIX}{namespace}:"
        self._held: dict[str, int] = {}  # this process's slots: slot id -> user id
        self._counts: defaultdict[int, int] = defaultdict(int)
        self._redis = (
            Redis.from_url(redis_url, socket_connect_timeout=1.0, socket_timeout=1.0)
            if redis_url and max_per_user > 0
            else None
        )
        self._renewer: asyncio.Task[None] | None = None

    async def acquire(self, user_id: int) -> str | None:
        """A slot id for a new socket of `user_id`, or None when they hold the most."""
        slot = uuid.uuid4().hex
        if self.max_per_user <= 0:
            return slot
        if self._redis is None:
            if self._counts[user_id] >= self.max_per_user:
                return None
        else:
            now = time.time()
            try:
                taken = await self._redis.eval(
                    _ACQUIRE,
                    1,
                    self._key(user_id),
                    now,
                    self.max_per_user,
                    now + LEASE_SECONDS,
                    slot,
                    int(LEASE_SECONDS * 2),
                )
            except RedisError as error:
                logger.warning("socket limit not counted: Redis is unavailable: %r", error)
                taken = 1
            if not taken:
                return None
        self._held[slot] = user_id
        self._counts[user_id] += 1
        return slot

    async def release(self, slot: str) -> None:
        user_id = self._held.pop(slot, None)
        if user_id is None:
            return
        self._counts[user_id] -= 1
        if self._counts[user_id] <= 0:
            del self._counts[user_id]
        if self._redis is not None:
            try:
                await self._redis.zrem(self._key(user_id), slot)
            except RedisError as error:
                logger.warning("socket slot not released (its lease will lapse): %r", error)

    async def _renew(self) -> None:
        """Every third of a lease, push this process's leases forward."""
        assert self._redis is not None
        while True:
            await asyncio.sleep(LEASE_SECONDS / 3)
            if not self._held:
                continue
            expiry = time.time() + LEASE_SECONDS
            try:
                async with self._redis.pipeline(transaction=False) as pipe:
                    for slot, user_id in list(self._held.items()):
                        pipe.zadd(self._key(user_id), {slot: expiry})
                    await pipe.execute()
            except RedisError as error:
                logger.warning("socket leases not renewed: Redis is unavailable: %r", error)

    async def __aenter__(self) -> SocketSlots:
        if self._redis is not None:
            self._renewer = asyncio.create_task(self._renew(), name="dealflow-socket-leases")
        return self

    async def __aexit__(self, *exc: object) -> None:
        await stop_task(self._renewer)
        if self._redis is not None:
            for slot in list(self._held):
                await self.release(slot)
            await self._redis.aclose()

    def _key(self, user_id: int) -> str:
        return f"{self.prefix}{user_id}"
