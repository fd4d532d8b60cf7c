"""What every answer of the fuzz run must be: a well-formed GraphQL response (or a
documented refusal with a GraphQL-shaped body), no masked internal error, nothing
logged as an error or with a trace, and no change made by a refused mutation."""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from tortoise import Tortoise, connections

from resolvers.errors import ErrorCode
from testkit.database import comparable_row

# The masked form of an internal error: a bug, whatever the input.
UNEXPECTED = "Unexpected error."
# HTTP answers other than 200 that a client is told about (README): a body that is not
# a GraphQL request (400), too large (413), over a rate limit (429).
DOCUMENTED_STATUSES = {200, 400, 413, 429}
# Codes a client may see: the payloads' and errors' codes, and UNAUTHENTICATED (a
# missing or bad token, raised as a GraphQL error rather than a payload's UserError).
DOCUMENTED_CODES = {str(code) for code in ErrorCode}
# Tables a refused request may write to: throttling's own records.
BOOKKEEPING_TABLES = {"login_failure"}


class Failure(AssertionError):
    """An answer the oracle refuses; the message says which rule and shows the answer."""


def _fail(rule: str, detail: Any) -> Failure:
    return Failure(f"{rule}: {str(detail)[:2000]}")


def check_error(error: Any, where: str) -> None:
    """One entry of `errors`: message, and if present, locations, path, extensions."""
    if not isinstance(error, dict) or not isinstance(error.get("message"), str):
        raise _fail(f"{where}: an error without a message", error)
    if error["message"] == UNEXPECTED:
        raise _fail(f"{where}: an internal error (masked)", error)
    locations = error.get("locations")
    if locations is not None and not (
        isinstance(locations, list)
        and all(
            isinstance(loc, dict)
            and isinstance(loc.get("line"), int)
            and isinstance(loc.get("column"), int)
            for loc in locations
        )
    ):
        raise _fail(f"{where}: malformed locations", error)
    path = error.get("path")
    if path is not None and not (
        isinstance(path, list) and all(isinstance(p, str | int) for p in path)
    ):
        raise _fail(f"{where}: malformed path", error)
    extensions = error.get("extensions")
    if extensions is not None:
        if not isinstance(extensions, dict):
            raise _fail(f"{where}: malformed extensions", error)
        code = extensions.get("code")
        if code is not None and code not in DOCUMENTED_CODES:
            raise _fail(f"{where}: an undocumented error code", error)


def check_result(body: Any, where: str = "response") -> None:
    """A GraphQL result: an object with `data` and/or `errors` (and maybe
    `extensions`), each error well-formed, each payload's `UserError` code documented."""
    if not isinstance(body, dict):
        raise _fail(f"{where}: not a JSON object", body)
    if not body.keys() <= {"data", "errors", "extensions"} or not body.keys() & {"data", "errors"}:
        raise _fail(f"{where}: not a GraphQL result", body)
    errors = body.get("errors")
    if errors is not None:
        if not isinstance(errors, list) or not errors:
            raise _fail(f"{where}: errors is not a non-empty list", body)
        for error in errors:
            check_error(error, where)
    data = body.get("data")
    if data is not None and not isinstance(data, dict):
        raise _fail(f"{where}: data is not an object", body)
    for user_error in _user_errors(data):
        if user_error.get("code") is not None and user_error["code"] not in DOCUMENTED_CODES:
            raise _fail(f"{where}: an undocumented UserError code", user_error)


def _user_errors(data: Any) -> Iterator[dict[str, Any]]:
    if isinstance(data, dict):
        for key, value in data.items():
            if key == "errors" and isinstance(value, list):
                yield from (e for e in value if isinstance(e, dict))
            else:
                yield from _user_errors(value)
    elif isinstance(data, list):
        for item in data:
            yield from _user_errors(item)


def check_http(status: int, content_type: str, content: bytes) -> Any:
    """The HTTP answer: a documented status, a JSON body that is a GraphQL result."""
    if status >= 500 or status not in DOCUMENTED_STATUSES:
        raise _fail(f"HTTP {status}", content[:2000])
    if "json" not in content_type:
        raise _fail(f"HTTP {status} answered as {content_type!r}, not JSON", content[:2000])
    try:
        body = json.loads(content)
    except ValueError as error:
        raise _fail(f"HTTP {status}: the body is not JSON", content[:2000]) from error
    if status == 200:
        check_result(body)
    elif (
        not isinstance(body, dict) or not isinstance(body.get("errors"), list) or not body["errors"]
    ):
        raise _fail(f"HTTP {status}: the body is not a GraphQL error", body)
    else:
        for error in body["errors"]:
            check_error(error, f"HTTP {status}")
    return body


def refused(body: Any, field: str) -> bool:
    """Whether a one-field mutation was refused: no payload, or errors in it."""
    if not isinstance(body, dict):
        return True
    payload = (body.get("data") or {}).get(field)
    return payload is None or bool(isinstance(payload, dict) and payload.get("errors"))


class LogWatch(logging.Handler):
    """Records logged as errors, or with a trace, while installed (the server's own
    loggers and uvicorn's, which does not propagate to the root)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.levelno >= logging.ERROR or record.exc_info:
            self.records.append(record)

    def check(self, where: str) -> None:
        if self.records:
            record = self.records[0]
            trace = self.format(record) if record.exc_info else record.getMessage()
            self.records.clear()
            raise _fail(f"{where}: the server logged {record.levelname} ({record.name})", trace)


@contextmanager
def watching_logs() -> Iterator[LogWatch]:
    watch = LogWatch()
    watch.setFormatter(logging.Formatter("%(message)s"))
    loggers = [logging.getLogger(), logging.getLogger("uvicorn")]
    for logger in loggers:
        logger.addHandler(watch)
    try:
        yield watch
    finally:
        for logger in loggers:
            logger.removeHandler(watch)


async def fingerprint() -> dict[str, str]:
    """A digest of every row of every table but throttling's bookkeeping (and the
    outbox's: `testkit.database.comparable_row`)."""
    connection = connections.get("default")
    digests = {}
    for model in Tortoise.apps["models"].values():
        table = model._meta.db_table
        if table in BOOKKEEPING_TABLES:
            continue
        rows = await connection.execute_query_dict(f'SELECT * FROM "{table}"')
        lines = sorted(comparable_row(table, row) for row in rows)
        digests[table] = hashlib.sha256(
            "\n".join(lines).encode("utf-8", "surrogatepass")
        ).hexdigest()
    return digests


def check_unchanged(before: dict[str, str], after: dict[str, str], where: str) -> None:
    changed = sorted(table for table in before if before[table] != after.get(table))
    if changed:
        raise _fail(f"{where}: a refused mutation changed tables", changed)
