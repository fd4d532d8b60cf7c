"""Fixtures for live updates: a second salesperson."""

from __future__ import annotations

import pytest

from models.account import Role, User
from resolvers.accounts import auth
from schema.ids import global_id
from server.settings import Settings
from testkit.teams import Member, Team


@pytest.fixture
async def other_seller(team: Team, password_hash: str) -> Member:
    """A salesperson who owns nothing and takes part in nothing (yet)."""
    user = await User.create(
        workspace=team.workspace,
        email=f"other-{team.workspace.id}@example.com",
        name="Olga Other",
        role=Role.USER,
        password_hash=password_hash,
    )
    token, _ = await auth.issue_token(user, Settings().login_policy().token_ttl)
    return Member(user, token, global_id("User", user.id))
