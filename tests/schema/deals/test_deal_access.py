"""Who may do what with a deal, table-driven over every relation and operation.

A deal someone may not see answers exactly as an unknown id does: same code, same
message, nothing in counts or nested fields.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from models.account import Role, User
from resolvers.accounts import auth
from resolvers.deals.editing import NewDeal, create_deal
from schema.ids import global_id
from server.settings import Settings
from testkit.clients import GraphQLClient
from testkit.deals import steps_by_name
from testkit.documents import (
    ADD_PARTICIPANT_MUTATION,
    CHANGE_DEAL_PROCESS_MUTATION,
    COMPLETE_STEP_MUTATION,
    CREATE_TASK_MUTATION,
    DEAL_QUERY,
    DEALS_QUERY,
    DELETE_DEAL_MUTATION,
    HISTORY_QUERY,
    JOIN_DEAL_MUTATION,
    LOSE_DEAL_MUTATION,
    NODE_QUERY,
    REMOVE_PARTICIPANT_MUTATION,
    REQUEST_ACCESS_MUTATION,
    SET_DEAL_PUBLIC_MUTATION,
    UPDATE_DEAL_MUTATION,
    WIN_DEAL_MUTATION,
)
from testkit.teams import Team

RELATIONS = ["admin", "manager", "owner", "participant", "colleague", "outsider"]
UNKNOWN_DEAL = global_id("Deal", 2_000_000_000)


@dataclass
class Cast:
    team: Team
    http: httpx.AsyncClient
    clients: dict[str, GraphQLClient]
    users: dict[str, User]
    steps: dict[str, str]


@pytest.fixture
async def cast(team: Team, rival: Team, http: httpx.AsyncClient, password_hash: str) -> Cast:
    extra = {}
    for who in ("participant", "colleague"):
        extra[who] = await User.create(
            workspace=team.workspace,
            email=f"{who}-{team.workspace.id}@example.com",
            name=who.title(),
            role=Role.USER,
            password_hash=password_hash,
        )
    ttl = Settings().login_policy().token_ttl
    tokens = {
        "admin": team.tokens["admin"],
        "manager": team.tokens["manager"],
        "owner": team.tokens["user"],
        "outsider": rival.tokens["admin"],
    }
    for who, user in extra.items():
        tokens[who] = (await auth.issue_token(user, ttl))[0]
    users = {"admin": team.admin, "manager": team.manager, "owner": team.user, **extra}
    clients = {who: GraphQLClient(http, token) for who, token in tokens.items()}
    return Cast(team, http, clients, users, await steps_by_name(clients["owner"]))


async def make_deal(cast: Cast, public: bool) -> str:
    deal = await create_deal(
        cast.users["owner"],
        NewDeal(
            name="Secret merger",
            value=None,
            is_public=public,
            participant_ids=[cast.users["participant"].id],
        ),
    )
    return global_id("Deal", deal.id)


Operation = Callable[[Cast, GraphQLClient, str], Awaitable[dict[str, Any]]]


async def _mutation(
    client: GraphQLClient, document: str, variables: dict[str, Any]
) -> dict[str, Any]:
    return await client.mutate(document, variables)


def _payload_outcome(payload: dict[str, Any]) -> str:
    if not payload["errors"]:
        return "allow"
    return {"FORBIDDEN": "forbidden", "NOT_FOUND": "not_found", "CONFLICT": "conflict"}[
        payload["errors"][0]["code"]
    ]


async def op_read(cast: Cast, client: GraphQLClient, deal_id: str) -> str:
    deal = (await client.data(DEAL_QUERY, {"id": deal_id}))["deal"]
    node = (await client.data(NODE_QUERY, {"id": deal_id}))["node"]
    listed = (await client.data(DEALS_QUERY, {"first": 100}))["deals"]
    history = (await client.post(HISTORY_QUERY, {"id": deal_id}))["data"]["deal"]
    in_list = deal_id in [edge["node"]["id"] for edge in listed["edges"]]
    seen = [deal is not None, node is not None, in_list, history is not None]
    assert len(set(seen)) == 1, f"read paths disagree: {seen}"
    assert len(listed["edges"]) == listed["totalCount"]
    return "allow" if seen[0] else "not_found"


@dataclass(frozen=True)
class Mutation:
    document: str
    variables: Callable[[Cast, str], dict[str, Any]]

    async def __call__(self, cast: Cast, client: GraphQLClient, deal_id: str) -> str:
        return _payload_outcome(await client.mutate(self.document, self.variables(cast, deal_id)))


mutation = Mutation

OPERATIONS: dict[str, Any] = {
    "read": op_read,
    "updateDeal": mutation(
        UPDATE_DEAL_MUTATION, lambda c, d: {"input": {"id": d, "version": 1, "name": "Renamed"}}
    ),
    "completeStep": mutation(
        COMPLETE_STEP_MUTATION,
        lambda c, d: {"input": {"dealId": d, "stepId": c.steps["Confirm budget"]}},
    ),
    "winDeal": mutation(WIN_DEAL_MUTATION, lambda c, d: {"id": d}),
    "loseDeal": mutation(LOSE_DEAL_MUTATION, lambda c, d: {"input": {"dealId": d, "reason": "x"}}),
    "changeDealProcess": mutation(
        CHANGE_DEAL_PROCESS_MUTATION,
        lambda c, d: {"input": {"dealId": d, "processId": global_id("Process", 2_000_000_000)}},
    ),
    "setDealPublic": mutation(
        SET_DEAL_PUBLIC_MUTATION, lambda c, d: {"input": {"dealId": d, "isPublic": True}}
    ),
    "addParticipant": mutation(
        ADD_PARTICIPANT_MUTATION,
        lambda c, d: {"input": {"dealId": d, "userId": global_id("User", c.users["admin"].id)}},
    ),
    "removeParticipant": mutation(
        REMOVE_PARTICIPANT_MUTATION,
        lambda c, d: {
            "input": {"dealId": d, "userId": global_id("User", c.users["participant"].id)}
        },
    ),
    "deleteDeal": mutation(DELETE_DEAL_MUTATION, lambda c, d: {"id": d}),
    "joinDeal": mutation(JOIN_DEAL_MUTATION, lambda c, d: {"id": d}),
    "requestDealAccess": mutation(REQUEST_ACCESS_MUTATION, lambda c, d: {"id": d}),
    "createTask": mutation(
        CREATE_TASK_MUTATION, lambda c, d: {"input": {"title": "Call", "dealId": d}}
    ),
}

A, F, N, C = "allow", "forbidden", "not_found", "conflict"
# relation order: admin, manager, owner, participant, colleague, outsider
EXPECTED: dict[tuple[str, bool], list[str]] = {
    ("read", False): [A, A, A, A, N, N],
    ("read", True): [A, A, A, A, A, N],
    ("updateDeal", False): [A, A, A, A, N, N],
    ("updateDeal", True): [A, A, A, A, F, N],
    ("completeStep", False): [A, A, A, A, N, N],
    ("completeStep", True): [A, A, A, A, F, N],
    ("loseDeal", False): [A, A, A, A, N, N],
    ("loseDeal", True): [A, A, A, A, F, N],
    ("setDealPublic", False): [A, A, A, F, N, N],
    ("setDealPublic", True): [A, A, A, F, F, N],
    ("addParticipant", False): [A, A, A, F, N, N],
    ("addParticipant", True): [A, A, A, F, F, N],
    ("removeParticipant", False): [A, A, A, A, N, N],  # a participant may leave
    ("removeParticipant", True): [A, A, A, A, F, N],
    ("deleteDeal", False): [A, A, A, F, N, N],
    ("deleteDeal", True): [A, A, A, F, F, N],
    ("joinDeal", False): [A, A, A, A, N, N],
    ("joinDeal", True): [A, A, A, A, A, N],
    ("requestDealAccess", False): [C, C, C, C, A, N],
    ("requestDealAccess", True): [C, C, C, C, C, N],
    ("createTask", False): [A, A, A, A, N, N],
    ("createTask", True): [A, A, A, A, F, N],
}


@pytest.mark.parametrize(("operation", "public"), list(EXPECTED))
async def test_access_table(cast: Cast, operation: str, public: bool):
    outcomes = []
    for relation in RELATIONS:
        deal_id = await make_deal(cast, public)
        outcomes.append(await OPERATIONS[operation](cast, cast.clients[relation], deal_id))

    assert dict(zip(RELATIONS, outcomes, strict=True)) == dict(
        zip(RELATIONS, EXPECTED[(operation, public)], strict=True)
    )


@pytest.mark.parametrize("operation", [op for op in OPERATIONS if op != "read"])
async def test_hidden_deals_answer_exactly_like_unknown_ones(cast: Cast, operation: str):
    run: Mutation = OPERATIONS[operation]
    deal_id = await make_deal(cast, public=False)
    relations = ["outsider"] if operation == "requestDealAccess" else ["colleague", "outsider"]
    for relation in relations:
        client = cast.clients[relation]
        hidden = await client.post(run.document, run.variables(cast, deal_id))
        unknown = await client.post(run.document, run.variables(cast, UNKNOWN_DEAL))
        assert hidden == unknown
        assert "errors" not in hidden
