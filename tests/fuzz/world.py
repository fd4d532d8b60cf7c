"""The world the fuzz run attacks: two workspaces seeded through the API with the kinds
of data a team has (processes, deals in every state, steps done with notes, tasks,
participants, access requests, notifications, a deal in the trash), a token per role,
and the real ids, cursors and strings a client could have read, ours and the other
workspace's."""

from __future__ import annotations

from typing import Any

import httpx

from models.account import Role, User
from resolvers.accounts import auth
from server.settings import Settings
from testkit.clients import GraphQLClient
from testkit.deals import create_deal, steps_by_name
from testkit.documents import (
    ADD_PARTICIPANT_MUTATION,
    COMPLETE_STEP_MUTATION,
    CREATE_TASK_MUTATION,
    DELETE_DEAL_MUTATION,
    LOSE_DEAL_MUTATION,
    PROCESSES_QUERY,
    REQUEST_ACCESS_MUTATION,
)
from testkit.teams import Team, add_member, make_team

# Who sends each document: every role of the seeded workspace, and nobody.
ROLES = ("anonymous", "user", "manager", "admin")

HARVEST_QUERY = """
query Harvest {
  me { id email name }
  users { id email name }
  processes { id name stages { id name steps { id name } } }
  deals(first: 100) {
    edges { cursor node {
      id name company version
      tasks { id }
      history(first: 100) { edges { cursor node { id } } }
    } }
  }
  byValue: deals(first: 100, orderBy: {field: VALUE, direction: ASC}) { edges { cursor } }
  byDate: deals(first: 100, orderBy: {field: EXPECTED_CLOSE_DATE}) { edges { cursor } }
  byProbability: deals(first: 100, orderBy: {field: PROBABILITY}) { edges { cursor } }
  deletedDeals(first: 100) { edges { cursor node { id } } }
  myTasks(includeDone: true) { id }
  notifications(first: 100) { edges { cursor node { id } } }
}
"""


class World:
    """The seeded workspaces, the second salesperson, what a client could have read, and
    a live token per role (a plain class: Hypothesis prints a dataclass in full in every
    failing example)."""

    def __init__(
        self,
        team: Team,
        rival: Team,
        seller: User,
        ids: list[str],
        cursors: list[str],
        strings: list[str],
    ) -> None:
        self.team, self.rival, self.seller = team, rival, seller
        self.ids, self.cursors, self.strings = ids, cursors, strings
        self.tokens: dict[str, str | None] = {}

    def __repr__(self) -> str:
        return f"World({len(self.ids)} ids, {len(self.cursors)} cursors)"

    def members(self) -> dict[str, tuple[User, Role]]:
        return {
            "user": (self.team.user, Role.USER),
            "manager": (self.team.manager, Role.MANAGER),
            "admin": (self.team.admin, Role.ADMIN),
        }

    async def refresh_sessions(self) -> None:
        """Every role active, in its role, with a live token: a fuzzed `logout`,
        deactivation, demotion or password reset of one example must not turn every
        later example into an anonymous one."""
        ttl = Settings().login_policy().token_ttl
        self.tokens = {"anonymous": None}
        for who, (member, role) in self.members().items():
            await User.filter(id=member.id).update(active=True, role=role)
            self.tokens[who] = (await auth.issue_token(member, ttl))[0]


async def _seed_workspace(http: httpx.AsyncClient, team: Team, seller: User | None) -> None:
    """Deals in every state, steps done (notifications and triggered tasks follow),
    a task, a participant, an access request (by `seller`), a deal in the trash."""
    user = team.client(http, "user")
    manager = team.client(http, "manager")
    steps = await steps_by_name(manager, "Sales process")
    step_ids = list(steps.values())
    private = await create_deal(user, company="Kowalski Logistics", value="48000.00")
    public = await create_deal(
        user, name="Office fit-out", isPublic=True, value="12500.50", expectedCloseDate="2026-06-30"
    )
    lost = await create_deal(manager, name="ERP licences", value="0.01")
    trashed = await create_deal(
        manager, name="Old lead", costs=[{"name": "Travel", "amount": "10"}]
    )
    for step in step_ids[:3]:
        await user.mutate(
            COMPLETE_STEP_MUTATION,
            {"input": {"dealId": private["id"], "stepId": step, "note": "ok"}},
        )
    await manager.mutate(
        COMPLETE_STEP_MUTATION, {"input": {"dealId": public["id"], "stepId": step_ids[0]}}
    )
    await manager.mutate(
        ADD_PARTICIPANT_MUTATION,
        {"input": {"dealId": lost["id"], "userId": (await _me(user))["id"]}},
    )
    await manager.mutate(LOSE_DEAL_MUTATION, {"input": {"dealId": lost["id"], "reason": "Price"}})
    await manager.mutate(DELETE_DEAL_MUTATION, {"id": trashed["id"]})
    await manager.mutate(
        CREATE_TASK_MUTATION,
        {
            "input": {
                "title": "Call back",
                "dueAt": "2026-01-01T09:00:00Z",
                "dealId": private["id"],
                "assigneeId": (await _me(user))["id"],
            }
        },
    )
    if seller is not None:
        token, _ = await auth.issue_token(seller, Settings().login_policy().token_ttl)
        await GraphQLClient(http, token).mutate(REQUEST_ACCESS_MUTATION, {"id": private["id"]})


async def _me(client: GraphQLClient) -> dict[str, Any]:
    me: dict[str, Any] = (await client.data("query { me { id } }"))["me"]
    return me


def _harvest(data: Any, ids: set[str], cursors: set[str], strings: set[str]) -> None:
    if isinstance(data, dict):
        for key, value in data.items():
            if key == "id" and isinstance(value, str):
                ids.add(value)
            elif key == "cursor" and isinstance(value, str):
                cursors.add(value)
            elif key in ("email", "name", "company") and isinstance(value, str):
                strings.add(value)
            else:
                _harvest(value, ids, cursors, strings)
    elif isinstance(data, list):
        for item in data:
            _harvest(item, ids, cursors, strings)


async def seed_world(http: httpx.AsyncClient, password_hash: str) -> World:
    team = await make_team("Acme", password_hash)
    rival = await make_team("Rival", password_hash)
    seller = (await add_member(team, "seller", "Second Seller", password_hash)).user
    await _seed_workspace(http, team, seller)
    await _seed_workspace(http, rival, None)
    ids: set[str] = set()
    cursors: set[str] = set()
    strings: set[str] = set()
    for workspace in (team, rival):
        for who in ("admin", "user"):
            _harvest(await workspace.client(http, who).data(HARVEST_QUERY), ids, cursors, strings)
        processes = await workspace.client(http, "admin").data(PROCESSES_QUERY)
        _harvest(processes, ids, cursors, strings)
    world = World(team, rival, seller, sorted(ids), sorted(cursors), sorted(strings))
    await world.refresh_sessions()
    return world
