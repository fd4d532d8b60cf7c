"""What the team does during the soak. Each person does one thing at a time, at a random
pace (the whole team averages `rate` actions a second), picked by weight: look at the
board (whole, or filtered), open a card, edit a deal, complete or un-complete a step,
give, finish or change tasks, make a deal public or private. Edits open the card first
and send its `version`; a CONFLICT (someone changed the deal meanwhile) reloads the card
and tries again, as a client would.

People only change what stays theirs to change: the deals they own or take part in
(any, for managers), the tasks given to them, the publicity of their own deals. So the
only refusal a correct server gives them is that CONFLICT.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from bench.soak_calls import Calls
from bench.soak_cast import Cast, CastDeal, Person
from testkit.documents import (
    BOARD_QUERY,
    COMPLETE_STEP_MUTATION,
    COMPLETE_TASK_MUTATION,
    CREATE_TASK_MUTATION,
    DEAL_QUERY,
    MY_TASKS_QUERY,
    SET_DEAL_PUBLIC_MUTATION,
    UNCOMPLETE_STEP_MUTATION,
    UPDATE_DEAL_MUTATION,
    UPDATE_TASK_MUTATION,
)

# The actions (methods of `Workforce`), and how often each comes up relative to the others.
WEIGHTS = {
    "board": 25,
    "filtered_board": 5,
    "open_card": 10,
    "my_tasks": 5,
    "edit_deal": 12,
    "toggle_step": 22,
    "give_task": 7,
    "finish_task": 5,
    "change_task": 6,
    "toggle_public": 3,
}
ATTEMPTS = 4  # an edit that still conflicts after this many tries is given up
BEHIND = 5.0  # seconds a person may fall behind their pace before it is forgotten


@dataclass
class Desk:
    """One person at work: what they know of their own open tasks (id: its deal's id)."""

    person: Person
    tasks: dict[str, str] = field(default_factory=dict)


class Workforce:
    def __init__(self, cast: Cast, calls: Calls, rate: float, rng: random.Random) -> None:
        self.cast = cast
        self.calls = calls
        self.rng = rng
        self.gap = len(cast.people) / rate  # one person's mean seconds between actions
        self.desks = [Desk(person) for person in cast.people]
        self.deals = {deal.id: deal for deal in cast.deals}
        # Each action is the method of its name.
        self.actions: dict[str, Callable[[Desk], Awaitable[None]]] = {
            name: getattr(self, name) for name in WEIGHTS
        }
        self.given_up = 0

    async def run(self, stop: asyncio.Event) -> None:
        """Work until `stop` is set; the actions under way are finished."""
        await asyncio.gather(*(self._work(desk, stop) for desk in self.desks))

    async def _work(self, desk: Desk, stop: asyncio.Event) -> None:
        loop = asyncio.get_running_loop()
        names, weights = list(WEIGHTS), list(WEIGHTS.values())
        due = loop.time() + self.rng.uniform(0, self.gap)
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), max(0.0, due - loop.time()))
            if stop.is_set():
                return
            due = max(due, loop.time() - BEHIND) + self.rng.expovariate(1 / self.gap)
            await self.actions[self.rng.choices(names, weights)[0]](desk)

    async def board(self, desk: Desk) -> None:
        variables = {"processId": self.cast.process_id, "first": 20}
        await self.calls.call("board", desk.person.token, BOARD_QUERY, variables)

    async def filtered_board(self, desk: Desk) -> None:
        mine = {"ownerIds": [desk.person.id]}
        urgent = {"taskStatus": ["OVERDUE", "TODAY"]}
        variables = {
            "processId": self.cast.process_id,
            "first": 20,
            "filter": self.rng.choice([mine, urgent]),
        }
        await self.calls.call(
            "board", desk.person.token, BOARD_QUERY, variables, label="board (filtered)"
        )

    async def open_card(self, desk: Desk) -> None:
        await self._card(desk, self.rng.choice(self.cast.seen_at_start_by(desk.person)))

    async def _card(self, desk: Desk, deal: CastDeal) -> dict[str, Any] | None:
        """The deal as its card shows it. A deal someone else made private meanwhile reads
        as null; one the person works on never should."""
        answer = await self.calls.call("deal", desk.person.token, DEAL_QUERY, {"id": deal.id})
        if answer is None:
            return None
        if answer.value is None and deal.is_worked_by(desk.person):
            self.calls.errors.add("missing_deal", f"{desk.person.name} lost sight of {deal.id}")
        card: dict[str, Any] | None = answer.value
        return card

    async def my_tasks(self, desk: Desk) -> None:
        answer = await self.calls.call("myTasks", desk.person.token, MY_TASKS_QUERY, {})
        if answer is not None:
            desk.tasks = {
                task["id"]: task["deal"]["id"]
                for task in answer.value
                if not task["done"] and task["deal"] is not None
            }

    async def edit_deal(self, desk: Desk) -> None:
        deal = self.rng.choice(self.cast.worked_by(desk.person))
        card = await self._card(desk, deal)
        await asyncio.sleep(self.rng.uniform(0.2, 1.5))  # reading the card, typing
        for _ in range(ATTEMPTS):
            if card is None:
                return
            changes = {
                "id": deal.id,
                "version": card["version"],
                "value": str(Decimal(self.rng.randrange(100_000, 20_000_000)) / 100),
                "expectedCloseDate": (date.today() + timedelta(self.rng.randrange(90))).isoformat(),
            }
            answer = await self.calls.call(
                "updateDeal",
                desk.person.token,
                UPDATE_DEAL_MUTATION,
                {"input": changes},
                expected=frozenset({"CONFLICT"}),
            )
            if answer is None or not answer.refusals:
                return
            card = await self._card(desk, deal)  # someone changed it meanwhile: reload
        self.given_up += 1

    async def toggle_step(self, desk: Desk) -> None:
        deal = self.rng.choice(self.cast.worked_by(desk.person))
        card = await self._card(desk, deal)
        if card is None:
            return
        step = self.rng.choice(self.cast.performable_by(desk.person))
        done = {completion["step"]["id"] for completion in card["completedSteps"]}
        given: dict[str, Any] = {"dealId": deal.id, "stepId": step.id}
        if step.id in done:
            await self.calls.call(
                "uncompleteStep", desk.person.token, UNCOMPLETE_STEP_MUTATION, {"input": given}
            )
            return
        if step.needs_note:
            given["note"] = f"Done by {desk.person.name}."
        await self.calls.call(
            "completeStep", desk.person.token, COMPLETE_STEP_MUTATION, {"input": given}
        )

    def _due(self) -> str | None:
        """Soon (so that it falls due during the soak), in a few days, overdue, or never."""
        roll = self.rng.random()
        if roll < 0.15:
            return None
        if roll < 0.5:
            ahead = timedelta(seconds=self.rng.uniform(20, 240))
        elif roll < 0.85:
            ahead = timedelta(days=self.rng.uniform(1, 5))
        else:
            ahead = -timedelta(hours=self.rng.uniform(1, 72))
        return (datetime.now(UTC) + ahead).isoformat()

    async def give_task(self, desk: Desk) -> None:
        deal = self.rng.choice(self.cast.worked_by(desk.person))
        people = self.cast.always_seeing(deal)
        assignee = desk.person if self.rng.random() < 0.6 else self.rng.choice(people)
        new = {
            "title": f"Call {self.rng.randrange(1000)}",
            "dueAt": self._due(),
            "assigneeId": assignee.id,
            "dealId": deal.id,
        }
        answer = await self.calls.call(
            "createTask", desk.person.token, CREATE_TASK_MUTATION, {"input": new}
        )
        if answer is not None and assignee is desk.person:
            desk.tasks[answer.value["task"]["id"]] = deal.id

    async def _open_task(self, desk: Desk) -> tuple[str, str] | None:
        if not desk.tasks:
            await self.my_tasks(desk)
        return self.rng.choice(list(desk.tasks.items())) if desk.tasks else None

    async def finish_task(self, desk: Desk) -> None:
        found = await self._open_task(desk)
        if found is None:
            return
        task_id, _ = found
        answer = await self.calls.call(
            "completeTask", desk.person.token, COMPLETE_TASK_MUTATION, {"id": task_id}
        )
        if answer is not None:
            desk.tasks.pop(task_id, None)

    async def change_task(self, desk: Desk) -> None:
        """Rename, reschedule, or give to someone else who always sees the deal."""
        found = await self._open_task(desk)
        if found is None:
            return
        task_id, deal_id = found
        others = [p for p in self.cast.always_seeing(self.deals[deal_id]) if p is not desk.person]
        changes: dict[str, Any] = {"id": task_id}
        roll = self.rng.random()
        if roll < 0.33 and others:
            changes["assigneeId"] = self.rng.choice(others).id
        elif roll < 0.67:
            changes["dueAt"] = self._due()
        else:
            changes["title"] = f"Call back {self.rng.randrange(1000)}"
        answer = await self.calls.call(
            "updateTask", desk.person.token, UPDATE_TASK_MUTATION, {"input": changes}
        )
        if answer is not None and "assigneeId" in changes:
            desk.tasks.pop(task_id, None)

    async def toggle_public(self, desk: Desk) -> None:
        deal = self.rng.choice(self.cast.managed_by(desk.person))
        card = await self._card(desk, deal)
        if card is None:
            return
        given = {"dealId": deal.id, "isPublic": not card["isPublic"]}
        await self.calls.call(
            "setDealPublic", desk.person.token, SET_DEAL_PUBLIC_MUTATION, {"input": given}
        )
