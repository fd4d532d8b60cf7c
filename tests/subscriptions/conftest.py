"""Fixtures for live updates: a second salesperson."""

from __future__ import annotations

import pytest

from testkit.teams import Member, Team, add_member


@pytest.fixture
async def other_seller(team: Team, password_hash: str) -> Member:
    """A salesperson who owns nothing and takes part in nothing (yet)."""
    return await add_member(team, "other", "Olga Other", password_hash)
