"""An access request reaches someone who can answer it: the owner's notification
carries it, and `accessRequests` lists the ones the caller may answer."""

from __future__ import annotations

from testkit.clients import GraphQLClient
from testkit.deals import create_deal
from testkit.documents import ANSWER_ACCESS_MUTATION, DEAL_QUERY, REQUEST_ACCESS_MUTATION
from testkit.teams import Team

INBOX_QUERY = """
query Inbox {
  notifications {
    edges { node { kind accessRequest { id status requester { name } deal { id } } } }
  }
}
"""

REQUESTS_QUERY = """
query Requests($status: AccessRequestStatus, $first: Int, $after: String) {
  accessRequests(status: $status, first: $first, after: $after) {
    edges { cursor node { id status requester { name } } }
    pageInfo { hasNextPage endCursor }
    totalCount
  }
}
"""

NODE_QUERY = "query Node($id: ID!) { node(id: $id) { id ... on AccessRequest { status } } }"


async def _requested(owner: GraphQLClient, requester: GraphQLClient) -> tuple[dict, dict]:
    deal = await create_deal(owner, name="Private pitch")
    request = await requester.mutate(REQUEST_ACCESS_MUTATION, {"id": deal["id"]})
    assert request["errors"] == []
    return deal, request["request"]


async def test_the_owner_answers_from_the_notification(
    team: Team, user_client: GraphQLClient, colleague_client: GraphQLClient
):
    deal, _ = await _requested(user_client, colleague_client)

    inbox = await user_client.data(INBOX_QUERY)
    (told,) = [e["node"] for e in inbox["notifications"]["edges"]]
    granted = await user_client.mutate(
        ANSWER_ACCESS_MUTATION,
        {"input": {"requestId": told["accessRequest"]["id"], "grant": True}},
    )

    assert told["kind"] == "ACCESS_REQUESTED"
    assert told["accessRequest"]["status"] == "PENDING"
    assert told["accessRequest"]["requester"] == {"name": "Cora Colleague"}
    assert told["accessRequest"]["deal"] == {"id": deal["id"]}
    assert granted["errors"] == [] and granted["request"]["status"] == "GRANTED"
    seen = await colleague_client.data(DEAL_QUERY, {"id": deal["id"]})
    assert seen["deal"]["id"] == deal["id"]


async def test_access_requests_lists_those_the_caller_may_answer(
    team: Team,
    user_client: GraphQLClient,
    manager_client: GraphQLClient,
    colleague_client: GraphQLClient,
    outsider_client: GraphQLClient,
):
    _, request = await _requested(user_client, colleague_client)

    def ids(data: dict) -> list[str]:
        return [e["node"]["id"] for e in data["accessRequests"]["edges"]]

    by_owner = await user_client.data(REQUESTS_QUERY)
    by_manager = await manager_client.data(REQUESTS_QUERY)
    by_requester = await colleague_client.data(REQUESTS_QUERY)
    by_outsider = await outsider_client.data(REQUESTS_QUERY)

    assert ids(by_owner) == ids(by_manager) == [request["id"]]
    assert by_owner["accessRequests"]["totalCount"] == 1
    assert ids(by_requester) == [] and by_requester["accessRequests"]["totalCount"] == 0
    assert ids(by_outsider) == [] and by_outsider["accessRequests"]["totalCount"] == 0

    await manager_client.mutate(
        ANSWER_ACCESS_MUTATION, {"input": {"requestId": request["id"], "grant": False}}
    )

    assert ids(await user_client.data(REQUESTS_QUERY)) == []
    assert ids(await user_client.data(REQUESTS_QUERY, {"status": "DENIED"})) == [request["id"]]
    assert ids(await user_client.data(REQUESTS_QUERY, {"status": None})) == [request["id"]]
    assert ids(await user_client.data(REQUESTS_QUERY, {"status": "GRANTED"})) == []


async def test_access_requests_are_paged_newest_first(
    team: Team, user_client: GraphQLClient, colleague_client: GraphQLClient
):
    requests = [(await _requested(user_client, colleague_client))[1] for _ in range(3)]

    first = (await user_client.data(REQUESTS_QUERY, {"first": 2}))["accessRequests"]
    rest = (
        await user_client.data(
            REQUESTS_QUERY, {"first": 2, "after": first["pageInfo"]["endCursor"]}
        )
    )["accessRequests"]

    newest_first = [r["id"] for r in reversed(requests)]
    assert [e["node"]["id"] for e in first["edges"] + rest["edges"]] == newest_first
    assert first["pageInfo"]["hasNextPage"] and not rest["pageInfo"]["hasNextPage"]
    assert first["totalCount"] == rest["totalCount"] == 3


async def test_a_request_is_read_only_by_its_requester_and_those_who_may_answer(
    team: Team,
    user_client: GraphQLClient,
    admin_client: GraphQLClient,
    colleague_client: GraphQLClient,
    outsider_client: GraphQLClient,
):
    _, request = await _requested(user_client, colleague_client)
    query = {"id": request["id"]}

    assert (await colleague_client.data(NODE_QUERY, query))["node"]["status"] == "PENDING"
    assert (await admin_client.data(NODE_QUERY, query))["node"]["status"] == "PENDING"
    assert (await outsider_client.data(NODE_QUERY, query))["node"] is None
