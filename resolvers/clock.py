"""The one clock every resolver reads, so that "now" is always timezone-aware UTC.

Tests that need a fixed moment (the task dot at midnight in Tokyo) swap `source`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime


def _system_now() -> datetime:
    return datetime.now(UTC)


source: Callable[[], datetime] = _system_now


def now_utc() -> datetime:
    return source()
