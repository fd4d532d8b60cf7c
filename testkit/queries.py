"""Counting the SQL statements an operation sends, through Tortoise's query log.

Only statements sent from the counting context (and the tasks it starts) count: the
server's background tasks (feeds, relay, task clock) query on their own schedule."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from tortoise.log import db_client_logger

_counting: ContextVar[QueryLog | None] = ContextVar("counting_queries", default=None)


class QueryLog(logging.Handler):
    """Every statement the database clients log while installed."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.statements: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if _counting.get() is not self:
            return
        if str(record.msg).startswith(("Created connection pool", "Closed connection pool")):
            return
        query = record.args[0] if isinstance(record.args, tuple) and record.args else record.msg
        self.statements.append(str(query))

    @property
    def count(self) -> int:
        return len(self.statements)


@contextmanager
def logged_queries() -> Iterator[QueryLog]:
    log = QueryLog()
    token = _counting.set(log)
    level = db_client_logger.level
    db_client_logger.addHandler(log)
    db_client_logger.setLevel(logging.DEBUG)
    try:
        yield log
    finally:
        db_client_logger.removeHandler(log)
        db_client_logger.setLevel(level)
        _counting.reset(token)
