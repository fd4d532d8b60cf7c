"""Helpers for deal tests: the suggested process's steps by name, a deal maker, and a
step completed with a file."""

from __future__ import annotations

import json
from typing import Any

import httpx

from testkit.clients import GraphQLClient
from testkit.documents import COMPLETE_STEP_MUTATION, CREATE_DEAL_MUTATION, PROCESSES_QUERY
from testkit.servers import Server


async def steps_by_name(client: GraphQLClient, process: str = "Sales process") -> dict[str, str]:
    processes = (await client.data(PROCESSES_QUERY))["processes"]
    (found,) = [p for p in processes if p["name"] == process]
    return {step["name"]: step["id"] for stage in found["stages"] for step in stage["steps"]}


async def create_deal(client: GraphQLClient, **fields: Any) -> dict[str, Any]:
    payload = await client.mutate(
        CREATE_DEAL_MUTATION, {"input": {"name": "Fleet renewal", **fields}}
    )
    assert payload["errors"] == [], payload["errors"]
    deal: dict[str, Any] = payload["deal"]
    return deal


async def complete_with_file(
    client: GraphQLClient,
    deal_id: str,
    step_id: str,
    content: bytes,
    note: str | None = "See file",
    name: str = "offer.pdf",
) -> dict[str, Any]:
    """`completeStep` with a file, as a GraphQL multipart request (operations, map, file
    part), the way Apollo clients send it; the mutation's payload."""
    operations = {
        "query": COMPLETE_STEP_MUTATION,
        "variables": {"input": {"dealId": deal_id, "stepId": step_id, "note": note, "file": None}},
    }
    response = await client.http.post(
        "/graphql",
        data={
            "operations": json.dumps(operations),
            "map": json.dumps({"0": ["variables.input.file"]}),
        },
        files={"0": (name, content, "application/pdf")},
        headers={
            "authorization": f"Bearer {client.token}",
            "x-apollo-operation-name": "CompleteStep",
        },
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert "errors" not in body, body
    payload: dict[str, Any] = body["data"]["completeStep"]
    return payload


async def create_deal_on(server: Server, token: str, name: str, **fields: object) -> None:
    """A deal made through `server` (a `dealflow serve` of the test's own)."""
    async with httpx.AsyncClient(base_url=server.base_url) as http:
        await create_deal(GraphQLClient(http, token), name=name, **fields)
