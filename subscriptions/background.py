"""The background tasks of live updates (bus supervisor, feeds, relay, clock, session
sweep) stop the same way: cancelled, then awaited until they have let go; and log a
failure the same way before they try again."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
from typing import Any

from resolvers.errors import database_unavailable


async def stop_task(task: asyncio.Task[Any] | None) -> None:
    """Cancel `task` and wait until it has stopped, whatever it raised on the way."""
    if task is None:
        return
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError, Exception):
        await task


def log_failure(logger: logging.Logger, message: str, *args: object) -> None:
    """Log the exception being handled: in one line while the database is out of reach
    (every try fails the same way for as long as that lasts), with its trace otherwise."""
    error = sys.exc_info()[1]
    if error is not None and database_unavailable(error):
        logger.warning(f"{message}: the database is unavailable: %r", *args, error)
    else:
        logger.exception(message, *args)
