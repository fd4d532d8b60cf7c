"""Automatic persisted queries, Apollo's protocol (`extensions.persistedQuery`).

A client sends a document's SHA-256 instead of the document. Unknown to the server,
the hash is answered with `PERSISTED_QUERY_NOT_FOUND` (HTTP 200, the error Apollo's
`PersistedQueryLink` and urql's exchange look for), and the client sends the document
with its hash: checked, stored, run. From then on the hash alone runs it, by POST or by
GET (a GET's answer carries an `ETag`, and a client's `If-None-Match` gets 304).

The store is Redis when the bus is Redis (every server process knows what any was
told, for `TTL_SECONDS` after its last use) and an in-process LRU bounded in bytes
otherwise, or while Redis is out of reach. What is stored is bounded too: a document is
stored only once it has validated and run for an authenticated caller (`remember`, from
the app's result handling), and only up to `MAX_DOCUMENT_BYTES`: the store holds what
clients ship, not what an anonymous caller pads.

A hash runs only for the session that sent its document (`scope_of` its token): the
store holds each document once, and beside it a small mark per session that sent it.
Were a hash known to everyone, whether it runs would tell anyone, in any workspace,
whether someone somewhere had run that document, its literals included (a search for a
client's name). A client sends each document once per session, as Apollo's link does.
"""

from __future__ import annotations

import hashlib
import logging
import re
import time
from collections import OrderedDict
from typing import Any

from redis.asyncio import Redis
from redis.backoff import NoBackoff
from redis.exceptions import RedisError
from redis.retry import Retry

from resolvers.accounts.auth import token_digest

logger = logging.getLogger("dealflow.persisted_queries")

NOT_FOUND_MESSAGE = "PersistedQueryNotFound"
MAX_DOCUMENT_BYTES = 16 * 1024
MEMORY_BYTES = 16 * 1024 * 1024
# Documents one session may have stored in Redis within `TTL_SECONDS` of its first (an
# app ships a few hundred at most; past it, the session's documents run, unstored). The
# in-process store needs no such count: it is bounded in bytes.
MAX_DOCUMENTS_PER_SESSION = 500
# The sessions' marks kept in this process (`_memory_mark`: some 170 bytes each with the
# dictionary's own), least recent first out.
MEMORY_MARKS = 100_000
TTL_SECONDS = 24 * 3600
_SHA256 = re.compile(r"[0-9a-f]{64}")
_OUTAGE_LOG_EVERY = 60.0


class PersistedQueryError(Exception):
    """`code` is the error's `extensions.code`; `status` the HTTP status."""

    def __init__(self, code: str, message: str, status: int) -> None:
        super().__init__(message)
        self.code, self.message, self.status = code, message, status


def _bad(message: str) -> PersistedQueryError:
    return PersistedQueryError("BAD_REQUEST", message, 400)


def scope_of(token: str | None) -> str:
    """Whose hashes a request may run: its session's (its bearer token's digest), or
    none for a request with no token (nothing is stored for it)."""
    return token_digest(token) if token else ""


def _memory_mark(scope: str, digest: str) -> bytes:
    """A session's mark of a document, in this process: the first 128 bits of each
    digest (a collision would need 2^64 tries against a chosen session)."""
    return bytes.fromhex(scope[:32]) + bytes.fromhex(digest[:32])


def requested_hash(extensions: Any) -> str | None:
    """The SHA-256 a request names (`{"persistedQuery": {"version": 1, "sha256Hash"}}`),
    or None for a request that names none."""
    if not isinstance(extensions, dict) or "persistedQuery" not in extensions:
        return None
    persisted = extensions["persistedQuery"]
    if not isinstance(persisted, dict) or persisted.get("version") != 1:
        raise _bad("extensions.persistedQuery must be {version: 1, sha256Hash}.")
    digest = persisted.get("sha256Hash")
    if not isinstance(digest, str) or not _SHA256.fullmatch(digest):
        raise _bad("extensions.persistedQuery.sha256Hash must be 64 lowercase hex digits.")
    return digest


class PersistedQueries:
    def __init__(self, redis_url: str | None, namespace: str) -> None:
        self._memory: OrderedDict[str, str] = OrderedDict()
        self._redis = (
            Redis.from_url(
                redis_url,
                socket_timeout=1.0,
                socket_connect_timeout=1.0,
                retry=Retry(NoBackoff(), 0),
            )
            if redis_url
            else None
        )
        self._memory_bytes = 0
        self._marks: OrderedDict[bytes, None] = OrderedDict()
        self._prefix = f"dealflow-apq:{namespace}:"
        self._outage_logged_at = 0.0

    async def close(self) -> None:
        if self._redis is not None:
            await self._redis.aclose()

    async def document(
        self, query: str | None, extensions: Any, scope: str
    ) -> tuple[str | None, bool]:
        """The document to run: `query` itself, or the stored document the hash names,
        if `scope` (`scope_of`) sent it; and whether it is to be stored once it has run
        (`remember`). `PersistedQueryError` for a hash unknown to the scope, or one that
        is not the document's."""
        digest = requested_hash(extensions)
        if digest is None:
            return query, False
        if query is None:
            found = await self._get(scope, digest) if scope else None
            if found is None:
                raise PersistedQueryError("PERSISTED_QUERY_NOT_FOUND", NOT_FOUND_MESSAGE, 200)
            return found, False
        raw = query.encode("utf-8", "surrogatepass")
        if hashlib.sha256(raw).hexdigest() != digest:
            raise _bad("provided sha does not match query")
        return query, len(raw) <= MAX_DOCUMENT_BYTES

    async def remember(self, query: str, scope: str) -> None:
        """Store a document that validated and ran for `scope`, under its hash."""
        digest = hashlib.sha256(query.encode("utf-8", "surrogatepass")).hexdigest()
        await self._put(scope, digest, query)

    def _mark(self, scope: str, digest: str) -> str:
        return f"{self._prefix}sent:{scope}:{digest}"

    async def _get(self, scope: str, digest: str) -> str | None:
        if self._redis is not None:
            try:
                async with self._redis.pipeline(transaction=False) as both:
                    both.getex(self._mark(scope, digest), ex=TTL_SECONDS)
                    both.getex(self._prefix + digest, ex=TTL_SECONDS)
                    sent, raw = await both.execute()
                if sent is not None and raw is not None:
                    return raw.decode() if isinstance(raw, bytes) else str(raw)
            except RedisError as error:
                self._log_outage(error)
        mark = _memory_mark(scope, digest)
        if mark not in self._marks:
            return None
        self._marks.move_to_end(mark)
        found = self._memory.get(digest)
        if found is not None:
            self._memory.move_to_end(digest)
        return found

    async def _put(self, scope: str, digest: str, query: str) -> None:
        if self._redis is not None:
            try:
                if not await self._put_in_redis(scope, digest, query):
                    return
            except RedisError as error:
                self._log_outage(error)
        mark = _memory_mark(scope, digest)
        self._marks[mark] = None
        self._marks.move_to_end(mark)
        while len(self._marks) > MEMORY_MARKS:
            self._marks.popitem(last=False)
        if digest not in self._memory:
            self._memory_bytes += len(query)
        self._memory[digest] = query
        self._memory.move_to_end(digest)
        while self._memory_bytes > MEMORY_BYTES:
            _, dropped = self._memory.popitem(last=False)
            self._memory_bytes -= len(dropped)

    async def _put_in_redis(self, scope: str, digest: str, query: str) -> bool:
        """Mark the document sent by `scope` and store it; False if `scope` has stored
        `MAX_DOCUMENTS_PER_SESSION` others within a day of its first (so that one token
        cannot fill Redis with padded documents). A document the scope sent before is
        no new one: its mark is only renewed."""
        assert self._redis is not None
        mark = self._mark(scope, digest)
        if await self._redis.set(mark, b"1", ex=TTL_SECONDS, nx=True):
            count = f"{self._prefix}count:{scope}"
            async with self._redis.pipeline(transaction=False) as counting:
                counting.set(count, 0, ex=TTL_SECONDS, nx=True)  # SET NX: any Redis
                counting.incr(count)
                _, stored = await counting.execute()
            if int(stored) > MAX_DOCUMENTS_PER_SESSION:
                await self._redis.delete(mark)
                return False
        else:
            await self._redis.expire(mark, TTL_SECONDS)
        await self._redis.set(self._prefix + digest, query, ex=TTL_SECONDS)
        return True

    def _log_outage(self, error: Exception) -> None:
        now = time.monotonic()
        if now - self._outage_logged_at >= _OUTAGE_LOG_EVERY:
            self._outage_logged_at = now
            logger.warning("persisted queries kept in this process only: %r", error)
