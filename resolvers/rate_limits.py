"""How often one client may do something: operations per token and per address (over
HTTP and over WebSockets, but for subscriptions, which count per user), logins
per address, uploads and subscriptions per user, lead form submissions per address.

Counted with the `limits` library (sliding windows), in memory in one process, or in
Redis when the bus is Redis (`BROADCAST_URL`), so that every server process counts
against the same window. Redis out of reach lets requests through (one log line a
minute): a limit that fails closed would turn a Redis outage into a full outage.
"""

from __future__ import annotations

import ipaddress
import logging
import time
from dataclasses import dataclass, field
from enum import StrEnum

from limits import RateLimitItem, parse_many
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.aio.strategies import SlidingWindowCounterRateLimiter
from limits.errors import StorageError

from resolvers.accounts.auth import token_digest
from resolvers.errors import rate_limited

logger = logging.getLogger("dealflow.rate_limits")

KEY_PREFIX = "dealflow-limits"
_OUTAGE_LOG_EVERY = 60.0


class Limit(StrEnum):
    """What is counted; each has its own setting (see `RateLimitSettings`)."""

    OPERATIONS_PER_TOKEN = "operations-per-token"
    OPERATIONS_PER_ADDRESS = "operations-per-address"
    LOGINS_PER_ADDRESS = "logins-per-address"
    UPLOADS_PER_USER = "uploads-per-user"
    SUBSCRIPTIONS_PER_USER = "subscriptions-per-user"
    FORM_SUBMISSIONS_PER_ADDRESS = "form-submissions-per-address"


@dataclass(frozen=True)
class RateLimitSettings:
    """Each limit in the `limits` notation ("30/second;600/minute": every one holds);
    an empty string turns that one off, `enabled=False` all of them."""

    enabled: bool = True
    storage_url: str = "memory://"
    namespace: str = ""  # tells deployments sharing one Redis apart
    rules: dict[Limit, str] = field(default_factory=dict)


class RateLimits:
    def __init__(self, settings: RateLimitSettings) -> None:
        self.enabled = settings.enabled
        self.storage = _storage(settings.storage_url, f"{KEY_PREFIX}:{settings.namespace}")
        self.limiter = SlidingWindowCounterRateLimiter(self.storage)
        self.rules: dict[Limit, list[RateLimitItem]] = {
            limit: parse_many(spec) for limit, spec in settings.rules.items() if spec.strip()
        }
        self._outage_logged_at = 0.0

    async def retry_after(self, limit: Limit, key: str) -> float | None:
        """Count one more `limit` for `key`: None while within the limit, else the
        seconds to wait."""
        items = self.rules.get(limit)
        if not self.enabled or not items:
            return None
        try:
            for item in items:
                if not await self.limiter.hit(item, limit.value, key):
                    stats = await self.limiter.get_window_stats(item, limit.value, key)
                    return max(1.0, stats.reset_time - time.time())
        except StorageError as error:
            self._log_outage(error)
        return None

    async def operation_wait(self, token: str | None, address: str) -> float | None:
        """Count one GraphQL operation (over HTTP or a WebSocket, or an export) for the
        address and for the token (by its digest: no token is written to the store);
        the seconds to wait if either is over."""
        waits = [await self.retry_after(Limit.OPERATIONS_PER_ADDRESS, address_key(address))]
        if token:
            waits.append(await self.retry_after(Limit.OPERATIONS_PER_TOKEN, token_digest(token)))
        over = [wait for wait in waits if wait is not None]
        return max(over) if over else None

    async def check(self, limit: Limit, key: str, message: str = "Too many requests.") -> None:
        """Count one more `limit` for `key`; over it, a RATE_LIMITED refusal."""
        wait = await self.retry_after(limit, key)
        if wait is not None:
            raise rate_limited(wait, message)

    def _log_outage(self, error: Exception) -> None:
        now = time.monotonic()
        if now - self._outage_logged_at >= _OUTAGE_LOG_EVERY:
            self._outage_logged_at = now
            logger.warning("rate limits not counted: their store is unavailable: %r", error)


def address_key(address: str) -> str:
    """What a client address is counted as: itself, or for IPv6 its /64 (one
    subscriber's network: anyone who has one has 2^64 addresses to rotate through)."""
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped is not None:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.IPv6Network((parsed, 64), strict=False))
    return str(parsed)


def _storage(url: str, key_prefix: str) -> Storage:
    if url.startswith(("redis://", "rediss://")):
        return RedisStorage(
            f"async+{url}",
            implementation="redispy",
            key_prefix=key_prefix,
            wrap_exceptions=True,
            socket_connect_timeout=1.0,
            socket_timeout=1.0,
        )
    return MemoryStorage()
