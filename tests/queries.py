"""Counting the SQL statements an operation sends, through Tortoise's query log."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from tortoise.log import db_client_logger


class QueryLog(logging.Handler):
    """Every statement the database clients log while installed."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.statements: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
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
    level = db_client_logger.level
    db_client_logger.addHandler(log)
    db_client_logger.setLevel(logging.DEBUG)
    try:
        yield log
    finally:
        db_client_logger.removeHandler(log)
        db_client_logger.setLevel(level)
