"""Concurrent step changes on one deal serialise: nothing duplicated, nothing drifts.

Meant for PostgreSQL, where `select_for_update` really locks; it runs on SQLite too,
where the single writer serialises the same transactions.
"""

from __future__ import annotations

import asyncio
import random
from collections import Counter

from models.deal import Deal, StepCompletion
from models.event import Event
from resolvers.processes.tree import load_process_tree
from resolvers.progress import deal_probability
from schema.ids import parse_global_id
from testkit.deals import create_deal, steps_by_name
from testkit.documents import COMPLETE_STEP_MUTATION, UNCOMPLETE_STEP_MUTATION
from testkit.teams import Team


async def test_twenty_concurrent_completions_and_uncompletions_agree(
    team: Team, user_client, manager_client
):
    steps = await steps_by_name(user_client)
    contested = [steps["Confirm budget"], steps["Discovery meeting"], steps["Agree on terms"]]
    deal = await create_deal(user_client)
    rng = random.Random(7)
    calls = []
    for n in range(20):
        client = user_client if n % 2 else manager_client
        document = rng.choice([COMPLETE_STEP_MUTATION, UNCOMPLETE_STEP_MUTATION])
        variables = {"input": {"dealId": deal["id"], "stepId": rng.choice(contested)}}
        calls.append(client.mutate(document, variables))

    payloads = await asyncio.gather(*calls)

    assert all(p["errors"] == [] for p in payloads)
    parsed = parse_global_id(deal["id"])
    assert parsed is not None
    deal_id = parsed[1]
    row = await Deal.get(id=deal_id)
    completions = await StepCompletion.filter(deal_id=deal_id).values_list("step_id", flat=True)
    assert len(completions) == len(set(completions)), "a completion was duplicated"
    tree = await load_process_tree(team.workspace.id, row.process_id)
    assert tree is not None
    assert row.probability == deal_probability(tree, set(completions))
    events = await Event.filter(deal_id=deal_id).values_list("kind", "data")
    net: Counter[int] = Counter()
    for kind, data in events:
        if kind == "STEP_COMPLETED":
            net[data["step"]["id"]] += 1
        elif kind == "STEP_UNCOMPLETED":
            net[data["step"]["id"]] -= 1
    assert {step for step, count in net.items() if count} == set(completions)
    assert all(count in (0, 1) for count in net.values())
    assert row.version == 1 + sum(1 for kind, _ in events if kind.startswith("STEP_"))
