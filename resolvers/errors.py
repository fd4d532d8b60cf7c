"""The one home of error codes, the exception that carries expected refusals, and what
counts as the database being unavailable.

A refusal is not a bug: the GraphQL layer turns it into `UserError`s in the payload.
Neither is an outage: the GraphQL layer answers it with `SERVICE_UNAVAILABLE`.
"""

from __future__ import annotations

import errno
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

import asyncpg
from tortoise.exceptions import DBConnectionError


class ErrorCode(StrEnum):
    NOT_FOUND = "NOT_FOUND"
    FORBIDDEN = "FORBIDDEN"
    VALIDATION = "VALIDATION"
    CONFLICT = "CONFLICT"
    MANDATORY_STEPS_MISSING = "MANDATORY_STEPS_MISSING"
    NOTE_REQUIRED = "NOTE_REQUIRED"
    FILE_REQUIRED = "FILE_REQUIRED"
    DEAL_CLOSED = "DEAL_CLOSED"
    # A lead already qualified or disqualified: reopen it (a disqualified one) first.
    LEAD_CLOSED = "LEAD_CLOSED"
    STEP_NOT_IN_PROCESS = "STEP_NOT_IN_PROCESS"
    INVALID_CREDENTIALS = "INVALID_CREDENTIALS"
    RATE_LIMITED = "RATE_LIMITED"
    CURSOR_EXPIRED = "CURSOR_EXPIRED"
    SUBSCRIBER_TOO_SLOW = "SUBSCRIBER_TOO_SLOW"
    SERVICE_UNAVAILABLE = "SERVICE_UNAVAILABLE"
    QUOTA_EXCEEDED = "QUOTA_EXCEEDED"
    # A request that is not a GraphQL request at all (HTTP 400): not JSON, not an object.
    BAD_REQUEST = "BAD_REQUEST"
    # A request body over `MAX_REQUEST_BYTES` (HTTP 413).
    PAYLOAD_TOO_LARGE = "PAYLOAD_TOO_LARGE"
    QUERY_TOO_COMPLEX = "QUERY_TOO_COMPLEX"
    # No valid bearer token (HTTP 401 outside GraphQL).
    UNAUTHENTICATED = "UNAUTHENTICATED"
    # A document that does not parse, or that the schema's rules refuse.
    GRAPHQL_PARSE_FAILED = "GRAPHQL_PARSE_FAILED"
    GRAPHQL_VALIDATION_FAILED = "GRAPHQL_VALIDATION_FAILED"


FieldPath = tuple[str, ...]


@dataclass(frozen=True)
class Problem:
    code: ErrorCode
    message: str
    field: FieldPath | None = None
    # The objects the problem is about, as (type name, primary key): the missing steps.
    subjects: tuple[tuple[str, int], ...] = ()
    # For RATE_LIMITED: whole seconds until the same request may succeed.
    retry_after: int | None = None


class Refused(Exception):
    """An expected refusal: nothing was changed, and `problems` says why."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        super().__init__("; ".join(p.message for p in problems))
        self.problems = list(problems)

    @classmethod
    def one(cls, code: ErrorCode, message: str, field: Iterable[str] | None = None) -> Refused:
        return cls([Problem(code, message, tuple(field) if field is not None else None)])

    @property
    def retry_after(self) -> int | None:
        return next((p.retry_after for p in self.problems if p.retry_after is not None), None)


def rate_limited(retry_after: float, message: str = "Too many requests.") -> Refused:
    """The one shape of a rate limit's refusal: RATE_LIMITED, with the wait in whole
    seconds (at least one)."""
    seconds = max(1, math.ceil(retry_after))
    return Refused(
        [Problem(ErrorCode.RATE_LIMITED, f"{message} Try again in {seconds} s.", None, (), seconds)]
    )


def stale_version(what: str, stored: int) -> Refused:
    """Optimistic locking: a change sent against another version than the stored one."""
    return Refused.one(
        ErrorCode.CONFLICT,
        f"Someone changed this {what} meanwhile (it is at version {stored}). "
        "Reload it and try again.",
        ("input", "version"),
    )


def not_found(what: str, field: Iterable[str] | None = None) -> Refused:
    """The single wording for unknown ids, so that hidden and missing things read alike."""
    return Refused.one(ErrorCode.NOT_FOUND, f"{what} not found.", field)


class Problems:
    """Collects validation problems so that one answer lists all of them."""

    def __init__(self) -> None:
        self.items: list[Problem] = []

    def add(self, code: ErrorCode, message: str, field: Iterable[str]) -> None:
        self.items.append(Problem(code, message, tuple(str(part) for part in field)))

    def invalid(self, message: str, field: Iterable[str]) -> None:
        self.add(ErrorCode.VALIDATION, message, field)

    def raise_if_any(self) -> None:
        if self.items:
            raise Refused(self.items)


# The database cannot be reached, or refuses to work, for now: no connection, a
# connection lost, the server shutting down, starting up or out of connections.
_UNAVAILABLE: tuple[type[BaseException], ...] = (
    ConnectionError,
    TimeoutError,
    DBConnectionError,
    asyncpg.PostgresConnectionError,
    asyncpg.CannotConnectNowError,
    asyncpg.AdminShutdownError,
    asyncpg.CrashShutdownError,
    asyncpg.TooManyConnectionsError,
)
_NETWORK_ERRNOS = {errno.EHOSTUNREACH, errno.ENETUNREACH, errno.EHOSTDOWN, errno.EADDRNOTAVAIL}


def _network_failure(error: OSError) -> bool:
    """Connecting to an unreachable host; or to a name with several addresses, all
    failing (asyncio then raises one OSError, without errno, naming each "Connect call")."""
    return error.errno in _NETWORK_ERRNOS or "Connect call failed" in str(error)


def database_unavailable(error: BaseException) -> bool:
    """Whether `error`, or an error that led to it, says the database is out of reach
    right now (as opposed to a bug): a client may retry, and the service recovers by
    itself when the database is back."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, _UNAVAILABLE):
            return True
        if isinstance(current, OSError) and _network_failure(current):
            return True
        current = current.__cause__ or current.__context__
    return False
