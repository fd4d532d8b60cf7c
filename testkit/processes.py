"""Process inputs as a client sends them."""

from __future__ import annotations

from typing import Any

from testkit.clients import GraphQLClient
from testkit.documents import CREATE_PROCESS_MUTATION


def two_stage_input(name: str = "Field sales", **extra: Any) -> dict[str, Any]:
    return {
        "name": name,
        "stages": [
            {
                "name": "Contact",
                "steps": [
                    {"name": "Call", "weight": 10},
                    {"name": "Meet", "weight": 30, "mandatory": True},
                ],
            },
            {"name": "Offer", "steps": [{"name": "Send offer", "weight": 60}]},
        ],
        **extra,
    }


async def create(client: GraphQLClient, process_input: dict[str, Any]) -> dict[str, Any]:
    payload = await client.mutate(CREATE_PROCESS_MUTATION, {"input": process_input})
    assert payload["errors"] == []
    process: dict[str, Any] = payload["process"]
    return process


def as_update(process: dict[str, Any]) -> dict[str, Any]:
    """The update input that restates a process exactly as read."""
    return {
        "id": process["id"],
        "name": process["name"],
        "stages": [
            {
                "id": stage["id"],
                "name": stage["name"],
                "steps": [
                    {"id": step["id"], "name": step["name"], "weight": step["weight"]}
                    for step in stage["steps"]
                ],
            }
            for stage in process["stages"]
        ],
    }
