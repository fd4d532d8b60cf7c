"""Logging in and out, and turning a bearer token back into its user.

Tokens are opaque random strings; only their SHA-256 is stored, with an expiry, so a
leaked database does not leak sessions. Failed logins are counted per (email, client
address) and per client address in the database, so throttling holds across server
processes (`_wait_before_checking` says how).
"""

from __future__ import annotations

import asyncio
import contextvars
import hashlib
import secrets
import weakref
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal, NamedTuple

from tortoise.queryset import QuerySet, ValuesQuery

from models.account import AuthToken, LoginFailure, TokenKind, User, Workspace
from resolvers.accounts import passwords
from resolvers.clock import now_utc
from resolvers.errors import ErrorCode, Refused, rate_limited
from resolvers.statements import Statement
from resolvers.transactions import in_transaction


@dataclass(frozen=True)
class LoginPolicy:
    token_ttl: timedelta = timedelta(days=14)
    window: timedelta = timedelta(minutes=15)
    max_failures_per_email: int = 5
    max_failures_per_address: int = 30
    backoff: timedelta = timedelta(seconds=2)
    max_backoff: timedelta = timedelta(minutes=15)


def normalise_email(email: str) -> str:
    return email.strip().lower()


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def issue_token(user: User, ttl: timedelta) -> tuple[str, AuthToken]:
    token = secrets.token_urlsafe(32)
    row = await AuthToken.create(
        user=user,
        token_hash=token_digest(token),
        kind=TokenKind.SESSION,
        expires_at=now_utc() + ttl,
    )
    return token, row


async def _wait_before_checking(
    email: str, address: str, policy: LoginPolicy, attempt_id: int
) -> float:
    """Seconds this attempt must wait before its password is even checked (0: go on).

    Failures are counted per (email, address) and per address, so that guessing from
    one address stops there without locking the account's owner out from another.
    Guessing one email from many addresses is slowed instead: once the email has had
    `max_failures_per_email` failures (from anywhere) in the window, an attempt from an
    address that has itself failed must wait after the email's last failure, twice as
    long for each failure more. An address with no failure in the window is checked at
    once: the owner, somewhere else, still gets in.
    """
    now = now_utc()
    # Attempts being checked right now count too (see `login`), but not this one.
    recent = LoginFailure.filter(at__gte=now - policy.window).exclude(id=attempt_id)
    waits = [
        _until_under(
            await _latest(
                recent.filter(email=email, address=address), policy.max_failures_per_email
            ),
            policy.max_failures_per_email,
            policy.window,
            now,
        ),
        _until_under(
            await _latest(recent.filter(address=address), policy.max_failures_per_address),
            policy.max_failures_per_address,
            policy.window,
            now,
        ),
    ]
    if await recent.filter(address=address).exists():
        by_email = await recent.filter(email=email).count()
        if by_email >= policy.max_failures_per_email:
            last = await recent.filter(email=email).order_by("-at").first()
            doublings = min(by_email - policy.max_failures_per_email, 30)
            delay = min(policy.backoff * 2**doublings, policy.max_backoff)
            if last is not None:
                waits.append((last.at + delay - now).total_seconds())
    return max(waits)


async def _latest(failures: QuerySet[LoginFailure], count: int) -> list[datetime]:
    """The times of the `count` latest of `failures`, latest first."""
    rows = await failures.order_by("-at").limit(count)
    return [row.at for row in rows]


def _until_under(latest: list[datetime], limit: int, window: timedelta, now: datetime) -> float:
    """With the `limit` latest failures' times, seconds until fewer than `limit` are in
    the window (0 if fewer already are)."""
    if len(latest) < limit:
        return 0.0
    return (latest[limit - 1] + window - now).total_seconds()


async def login(email: str, password: str, address: str, policy: LoginPolicy) -> tuple[str, User]:
    """Check the credentials and issue a session token.

    Every attempt is written down as a failure *before* the password is checked and
    struck off when it succeeds, so parallel guesses cannot all slip in under the limit
    while argon2 is busy. An attempt refused by the throttle is struck off too: it
    checked nothing, so it neither counts nor prolongs the wait. Unknown email, wrong
    password and deactivated user get the same answer, so that the answer tells nothing
    about which accounts exist.
    """
    email = normalise_email(email)[:254]
    address = address[:64]
    attempt = await LoginFailure.create(email=email, address=address, at=now_utc())
    wait = await _wait_before_checking(email, address, policy, attempt.id)
    if wait > 0:
        await LoginFailure.filter(id=attempt.id).delete()
        raise rate_limited(wait, "Too many failed logins.")
    user = await User.get_or_none(email=email)
    ok = await passwords.verify_password(user.password_hash if user else None, password)
    if user is None or not ok or not user.active:
        # Failures older than the window no longer count: keep the table small.
        await LoginFailure.filter(at__lt=now_utc() - policy.window).delete()
        raise Refused.one(ErrorCode.INVALID_CREDENTIALS, "Wrong email or password.")
    async with in_transaction():
        # Only this address's failures are forgiven: the owner logging in elsewhere
        # must not reset what an attacker's address has spent.
        await LoginFailure.filter(email=email, address=address).delete()
        if passwords.needs_rehash(user.password_hash):
            user.password_hash = await passwords.hash_password(password)
            await user.save(update_fields=["password_hash"])
        token, _ = await issue_token(user, policy.token_ttl)
    return token, user


def _live_tokens(now: datetime) -> QuerySet[AuthToken]:
    """Unexpired, unrevoked session tokens of active users: the one rule of a session."""
    return AuthToken.filter(
        revoked_at=None, expires_at__gt=now, kind=TokenKind.SESSION, user__active=True
    )


def _sessions_of(now: datetime, digests: list[str]) -> QuerySet[AuthToken]:
    """The live sessions of these token digests, each with its user and the user's
    workspace (most operations read it: time zone, currency), in one statement."""
    return _live_tokens(now).filter(token_hash__in=digests).select_related("user__workspace")


# Every request looks its session up: its SQL is rendered once, not each time.
_SESSIONS = Statement(_sessions_of)


class SessionUser(NamedTuple):
    """Who a live session is, as open sockets are checked against: the user and their
    role now (a new role ends a socket's session: what it may see changed)."""

    id: int
    role: str

    @classmethod
    def of(cls, user: User) -> SessionUser:
        return cls(user.id, str(user.role))


def session_is_live(opened: SessionUser, now: SessionUser | None) -> bool:
    """Whether a session opened as `opened` is still live as `now` (None: revoked,
    expired or deactivated); a new role ends it too (what it may see changed). Open
    sockets are held to it by the feeds (before each batch of events) and by
    `subscriptions.sessions` (every few seconds)."""
    return now is not None and now.id == opened.id and now.role == opened.role


def _may_be_a_token(token: str) -> bool:
    """Whether `token` is worth a lookup (an empty or oversized one is no token)."""
    return bool(token) and len(token) <= 512


async def authenticate(token: str) -> User | None:
    """The active user a live (unexpired, unrevoked) token belongs to, in one query; for
    a wall screen's display token, the viewer it reads as (`display_tokens`)."""
    if not _may_be_a_token(token):
        return None
    return (await live_sessions({token})).get(token)


# Tokens a statement of `authenticate_together` looks up at most (SQLite's limit on a
# statement's parameters is far above it).
TOGETHER_MAX = 500


class _Together:
    """The tokens asked for by `authenticate_together` in one turn of the event loop,
    each with the futures of those waiting for its user."""

    __slots__ = ("loop", "waiting")

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.waiting: dict[str, list[asyncio.Future[User | None]]] = {}


_gathering: _Together | None = None
_looking_up: set[asyncio.Task[None]] = set()


async def authenticate_together(token: str) -> User | None:
    """`authenticate`, for a WebSocket's `connection_init` and a subscription's start:
    the tokens of all who ask in the same turn of the event loop are looked up
    together, in one statement (`live_sessions`), and those of one token share its
    user row (which nothing changes: a change to a user reads the row anew).

    When many clients connect at once (a deploy, a network blip: every board on every
    wall reconnects and subscribes again), a statement per socket queued its own query
    objects, rows and coroutines on the database at the same time, and the server's
    memory kept the peak: some 12 KB per socket for `connection_init` and as much again
    for the subscriptions (`bench/fanout.py`, 1,000 sockets at once). The lookup runs
    in a task of its own, outside the caller's context: never call it inside a
    transaction (on SQLite it would wait for that transaction to end)."""
    global _gathering
    if not _may_be_a_token(token):
        return None
    loop = asyncio.get_running_loop()
    batch = _gathering
    if batch is None or batch.loop is not loop:
        batch = _gathering = _Together(loop)
        loop.call_soon(_look_up_together, batch)
    waiter: asyncio.Future[User | None] = loop.create_future()
    batch.waiting.setdefault(token, []).append(waiter)
    return await waiter


def _look_up_together(batch: _Together) -> None:
    global _gathering
    if _gathering is batch:
        _gathering = None
    task = batch.loop.create_task(_answer_together(batch), context=contextvars.Context())
    _looking_up.add(task)
    task.add_done_callback(_looking_up.discard)


async def _answer_together(batch: _Together) -> None:
    """Every waiter gets its token's user (None: not live) or the lookup's error; one
    whose caller left meanwhile is skipped. Cancelled (the server stopping), the
    waiters are cancelled with it."""
    tokens = list(batch.waiting)
    found: dict[str, User] = {}
    try:
        for start in range(0, len(tokens), TOGETHER_MAX):
            found |= await live_sessions(tokens[start : start + TOGETHER_MAX])
    except Exception as error:
        for waiter in _waiters(batch):
            waiter.set_exception(error)
        return
    except BaseException:
        for waiter in _waiters(batch):
            waiter.cancel()
        raise
    for token, waiters in batch.waiting.items():
        user = found.get(token)
        if user is not None:
            user = _held_row(user)
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(user)


# The user rows handed to sockets and subscriptions, by id (weak: a row goes with the
# last that holds it). A lookup that finds a user exactly as a row already held (its
# columns and its workspace's) hands that row out instead: the sockets of a few users
# keep a few rows (a user's row and its workspace's are some 1.5 KB), not one per
# socket, however their `connection_init`s were spread over time. Safe for the same
# reason as sharing within a batch: nothing changes these rows.
_held_rows: weakref.WeakValueDictionary[int, User] = weakref.WeakValueDictionary()


def _held_row(user: User) -> User:
    if user.id <= 0:  # a display token's made-up viewer (`display_tokens.viewer_of`)
        return user
    if not isinstance(user.workspace, Workspace):  # not read with it: not compared
        return user
    held = _held_rows.get(user.id)
    if held is not None and _columns(held) == _columns(user):
        return held
    _held_rows[user.id] = user
    return user


def _columns(user: User) -> tuple[tuple[object, ...], tuple[object, ...]]:
    """The row's columns and its workspace's (read with it: `_sessions_of`)."""
    workspace = user.workspace
    return (
        tuple(getattr(user, name) for name in user._meta.fields_db_projection),
        tuple(getattr(workspace, name) for name in workspace._meta.fields_db_projection),
    )


def _waiters(batch: _Together) -> list[asyncio.Future[User | None]]:
    """The batch's waiters still waiting."""
    return [w for waiters in batch.waiting.values() for w in waiters if not w.done()]


def _session_digests(tokens: Collection[str]) -> dict[str, str]:
    """The session tokens among `tokens` (display tokens are looked up apart), by digest."""
    from resolvers.accounts import display_tokens

    return {
        token_digest(token): token
        for token in tokens
        if token and len(token) <= 512 and not display_tokens.is_display_token(token)
    }


async def live_sessions(tokens: Collection[str]) -> dict[str, User]:
    """Of these tokens, those still live, with their users as they are now (one query a
    kind of token): what a request is authenticated with (open sockets are checked with
    `live_session_users`, the same rule)."""
    from resolvers.accounts import display_tokens  # which builds on token_digest

    digests = _session_digests(tokens)
    found = await display_tokens.display_viewers(tokens)
    if digests:
        rows = await _SESSIONS.all(now_utc(), list(digests))
        found |= {digests[row.token_hash]: row.user for row in rows}
    return found


async def live_session_users(tokens: Collection[str]) -> dict[str, SessionUser]:
    """`live_sessions` for checking open sockets, which need only who each session is:
    the same rule and statement, reading two columns instead of three whole rows a
    token (a feed checks its sockets' sessions before every batch of events)."""
    from resolvers.accounts import display_tokens

    digests = _session_digests(tokens)
    found = {
        token: SessionUser(viewer.id, str(viewer.role))
        for token, viewer in (await display_tokens.display_viewers(tokens)).items()
    }
    if digests:
        rows = await _SESSION_USERS.all(now_utc(), list(digests))
        found |= {
            digests[row["token_hash"]]: SessionUser(row["user_id"], str(row["user__role"]))
            for row in rows
        }
    return found


def _session_users_of(now: datetime, digests: list[str]) -> ValuesQuery[Literal[False]]:
    query = _live_tokens(now).filter(token_hash__in=digests)
    return query.values("token_hash", "user_id", "user__role")


_SESSION_USERS = Statement(_session_users_of)


async def logout(token: str) -> bool:
    revoked = await AuthToken.filter(token_hash=token_digest(token), revoked_at=None).update(
        revoked_at=now_utc()
    )
    return revoked > 0


async def revoke_all_tokens(user_id: int) -> None:
    await AuthToken.filter(user_id=user_id, revoked_at=None).update(revoked_at=now_utc())
