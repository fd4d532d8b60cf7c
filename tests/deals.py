"""Helpers for deal tests: the suggested process's steps by name, and a deal maker."""

from __future__ import annotations

from typing import Any

from tests.conftest import GraphQLClient
from tests.documents import CREATE_DEAL_MUTATION, PROCESSES_QUERY


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
