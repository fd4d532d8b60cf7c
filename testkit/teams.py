"""A workspace with one user of each role, each with a live token; one more member."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import httpx

from models.account import Role, User, Workspace
from resolvers.accounts import auth
from resolvers.accounts.workspaces import NewWorkspace, create_workspace
from schema.ids import global_id
from server.settings import Settings
from testkit.clients import GraphQLClient

PASSWORD = "correct horse battery"


@dataclass
class Team:
    """A workspace and one user of each role, each with a live token."""

    workspace: Workspace
    admin: User
    manager: User
    user: User
    tokens: dict[str, str]

    def client(self, http: httpx.AsyncClient, who: str) -> GraphQLClient:
        return GraphQLClient(http, self.tokens[who])


async def make_team(name: str, password_hash: str) -> Team:
    tag = uuid.uuid4().hex[:8]
    workspace, admin = await create_workspace(
        NewWorkspace(name=name, admin_email=f"admin-{tag}@example.com", admin_password=PASSWORD)
    )
    manager = await User.create(
        workspace=workspace,
        email=f"manager-{tag}@example.com",
        name="Maria Manager",
        role=Role.MANAGER,
        password_hash=password_hash,
    )
    user = await User.create(
        workspace=workspace,
        email=f"user-{tag}@example.com",
        name="Sam Seller",
        role=Role.USER,
        password_hash=password_hash,
    )
    policy = Settings().login_policy()
    tokens = {
        who: (await auth.issue_token(member, policy.token_ttl))[0]
        for who, member in (("admin", admin), ("manager", manager), ("user", user))
    }
    return Team(workspace, admin, manager, user, tokens)


@dataclass
class Member:
    user: User
    token: str
    id: str

    def client(self, http: httpx.AsyncClient) -> GraphQLClient:
        return GraphQLClient(http, self.token)


async def add_member(
    team: Team, handle: str, name: str, password_hash: str, role: Role = Role.USER
) -> Member:
    """One more user of the team's workspace (`handle` names their email), with a live
    token."""
    user = await User.create(
        workspace=team.workspace,
        email=f"{handle}-{team.workspace.id}@example.com",
        name=name,
        role=role,
        password_hash=password_hash,
    )
    token, _ = await auth.issue_token(user, Settings().login_policy().token_ttl)
    return Member(user, token, global_id("User", user.id))


async def second_seller(team: Team) -> User:
    """Another salesperson of the team's workspace, made once (brute-force tests call it
    for every example): owners and viewers beyond the team's three."""
    found = await User.get_or_none(workspace_id=team.workspace.id, name="Second Seller")
    if found is not None:
        return found
    return await User.create(
        workspace=team.workspace,
        email=f"second-{team.workspace.id}@example.com",
        name="Second Seller",
        role=Role.USER,
        password_hash="x",
    )
