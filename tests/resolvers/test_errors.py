"""What counts as the database being out of reach (SERVICE_UNAVAILABLE), and what is a
bug (masked as "Unexpected error.")."""

from __future__ import annotations

import asyncpg
import pytest

from resolvers.errors import database_unavailable


def lost_then_rolled_back() -> BaseException:
    """A connection reset in the middle of a query, then the rollback failing on it."""
    reset = ConnectionResetError(104, "Connection reset by peer")
    try:
        try:
            raise asyncpg.ConnectionDoesNotExistError("closed in the middle") from reset
        except asyncpg.ConnectionDoesNotExistError:
            raise asyncpg.InterfaceError("connection is closed")  # noqa: B904
    except asyncpg.InterfaceError as rollback:
        return rollback


@pytest.mark.parametrize(
    "error",
    [
        ConnectionRefusedError(111, "Connect call failed ('127.0.0.1', 5432)"),
        OSError("Multiple exceptions: [Errno 111] Connect call failed ('::1', 5432, 0, 0)"),
        asyncpg.CannotConnectNowError("the database system is starting up"),
        asyncpg.TooManyConnectionsError("sorry, too many clients already"),
        lost_then_rolled_back(),
    ],
    ids=["refused", "every-address-refused", "starting-up", "full", "lost-then-rollback"],
)
def test_the_database_out_of_reach_is_an_outage(error: BaseException):
    assert database_unavailable(error)


@pytest.mark.parametrize(
    "error",
    [
        RuntimeError("connection to db-internal-7 refused"),
        FileNotFoundError(2, "No such file or directory"),
        asyncpg.UniqueViolationError("duplicate key"),
        asyncpg.QueryCanceledError("canceling statement due to statement timeout"),
    ],
    ids=["bug", "file", "constraint", "statement-timeout"],
)
def test_anything_else_is_not(error: BaseException):
    assert not database_unavailable(error)
