"""The soak's team and their deals: who is who, who may do what to which deal, which
steps they may perform, and the log's cursor before the soak began.

The people (managers and salespeople) and their tokens are written straight to the
database; everything else is made through the API, as the team would make it: each
salesperson's private, public and shared deals (shared: with one or two colleagues
taking part), and a few of the managers' own.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

from tortoise import Tortoise
from tortoise.migrations.api import migrate

from bench.soak_calls import Answer, Calls
from bench.teams import bench_team
from models.account import User
from resolvers.accounts import auth
from schema.ids import global_id, parse_global_id
from server.database import open_orm, tortoise_config
from server.settings import Settings
from testkit.documents import CREATE_DEAL_MUTATION, HISTORY_QUERY, PROCESSES_QUERY
from testkit.live import event_id


@dataclass(frozen=True)
class Person:
    pk: int
    id: str
    name: str
    token: str
    manager: bool


@dataclass(frozen=True)
class CastDeal:
    id: str
    pk: int
    owner: int
    participants: frozenset[int]
    public_at_start: bool

    def is_worked_by(self, person: Person) -> bool:
        """Whether `person` may edit it, whatever its publicity (publicity gives sight only)."""
        return person.manager or person.pk == self.owner or person.pk in self.participants


@dataclass(frozen=True)
class CastStep:
    id: str
    needs_note: bool
    managers_only: bool


@dataclass
class Cast:
    workspace_id: int
    process_id: str
    process_pk: int
    steps: list[CastStep]
    people: list[Person]
    deals: list[CastDeal]
    baseline: int  # the log's cursor before the soak: subscribers start after it

    def worked_by(self, person: Person) -> list[CastDeal]:
        return [deal for deal in self.deals if deal.is_worked_by(person)]

    def managed_by(self, person: Person) -> list[CastDeal]:
        """The deals whose publicity `person` decides: their own, or any for a manager."""
        return [deal for deal in self.deals if person.manager or deal.owner == person.pk]

    def seen_at_start_by(self, person: Person) -> list[CastDeal]:
        return [deal for deal in self.deals if deal.public_at_start or deal.is_worked_by(person)]

    def always_seeing(self, deal: CastDeal) -> list[Person]:
        """Who sees the deal whatever its publicity: those a task about it may go to."""
        return [person for person in self.people if deal.is_worked_by(person)]

    def performable_by(self, person: Person) -> list[CastStep]:
        return [step for step in self.steps if person.manager or not step.managers_only]


async def seed_people(
    url: str, managers: int, sellers: int, hours: float
) -> tuple[int, list[Person]]:
    """A fresh workspace (migrated, with the suggested process) and its team, with
    tokens valid for `hours`."""
    settings = Settings().replace(database_url=url)
    await migrate(config=tortoise_config(settings))
    await Tortoise.close_connections()
    await open_orm(tortoise_config(settings))
    try:
        team = await bench_team("Soak", sellers, managers=managers)
        people = [await _person(user, hours, manager=True) for user in team.managers] + [
            await _person(user, hours, manager=False) for user in team.sellers
        ]
        return team.workspace.id, people
    finally:
        await Tortoise.close_connections()


async def _person(user: User, hours: float, manager: bool) -> Person:
    token, _ = await auth.issue_token(user, timedelta(hours=hours))
    return Person(user.id, global_id("User", user.id), user.name, token, manager)


async def cast_team(
    calls: Calls, workspace_id: int, people: list[Person], deals_per_seller: int, rng: random.Random
) -> Cast:
    """The default process's steps and the team's deals, read and made through the API."""
    managers = [p for p in people if p.manager]
    sellers = [p for p in people if not p.manager]
    process = await _default_process(calls, managers[0])
    steps = [
        CastStep(step["id"], step["requireNote"] == "NOTE", step["whoCanPerform"] != "ANYONE")
        for stage in process["stages"]
        for step in stage["steps"]
        # No file can come from this client; steps for admins or selected users are theirs.
        if step["requireNote"] != "NOTE_WITH_FILE"
        and step["whoCanPerform"] in ("ANYONE", "MANAGERS")
    ]
    deals = []
    for seller in sellers:
        for index in range(deals_per_seller):
            share = index % 8  # three private, two public, three shared
            others = [s for s in sellers if s is not seller]
            taking_part = rng.sample(others, rng.randint(1, 2)) if share >= 5 and others else []
            deals.append(await _new_deal(calls, seller, 3 <= share < 5, taking_part, rng))
    for manager in managers:
        for index in range(3):
            deals.append(await _new_deal(calls, manager, index == 0, [], rng))
    baseline = await _latest_cursor(calls, managers[0], deals[-1])
    pk = _pk(process["id"])
    return Cast(workspace_id, process["id"], pk, steps, people, deals, baseline)


async def _default_process(calls: Calls, manager: Person) -> dict[str, Any]:
    answer = _required(await calls.call("processes", manager.token, PROCESSES_QUERY, {}), calls)
    (process,) = [p for p in answer.value if p["isDefault"]]
    result: dict[str, Any] = process
    return result


async def _new_deal(
    calls: Calls, owner: Person, public: bool, taking_part: list[Person], rng: random.Random
) -> CastDeal:
    value = Decimal(rng.randrange(100_000, 20_000_000)) / 100
    variables = {
        "input": {
            "name": f"{owner.name}'s deal {rng.randrange(10**6)}",
            "company": f"Company {rng.randrange(500)}",
            "value": str(value),
            "isPublic": public,
            "participantIds": [p.id for p in taking_part],
        }
    }
    answer = await calls.call("createDeal", owner.token, CREATE_DEAL_MUTATION, variables)
    answer = _required(answer, calls)
    deal = answer.value["deal"]
    pk = _pk(deal["id"])
    return CastDeal(deal["id"], pk, owner.pk, frozenset(p.pk for p in taking_part), public)


async def _latest_cursor(calls: Calls, viewer: Person, deal: CastDeal) -> int:
    """The newest event's cursor: that of the last deal made, the team's last change."""
    variables = {"id": deal.id, "first": 1}
    answer = _required(await calls.call("deal", viewer.token, HISTORY_QUERY, variables), calls)
    return event_id(answer.value["history"]["edges"][0]["cursor"])


def _required(answer: Answer | None, calls: Calls) -> Answer:
    if answer is None:
        raise RuntimeError(f"setting up the soak failed: {calls.errors.samples}")
    return answer


def _pk(node_id: str) -> int:
    """The primary key behind a global id, to find the row in the log afterwards."""
    parsed = parse_global_id(node_id)
    assert parsed is not None, node_id
    return parsed[1]
