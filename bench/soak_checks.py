"""The soak's checks, once the team has stopped: every subscriber's deliveries against the
event log, a few subscriptions replayed from the soak's first cursor against what their
live twins got, and the servers' own logs."""

from __future__ import annotations

import contextlib
import dataclasses
import re
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from bench.soak_calls import ErrorLog
from bench.soak_delivery import (
    BoardWatch,
    Delivery,
    LoggedEvent,
    Tally,
    expected_deliveries,
    missing_cursors,
    tally,
)
from bench.soak_watchers import Watcher, Watching
from bench.waiting import wait_until
from tests.servers import Server

LOGGED_PROBLEM = re.compile(r"Traceback|ERROR|Exception|failed")


@dataclass
class Expectations:
    """What each subscriber should have, from the log's events after the soak's cursor
    up to the last one written (`up_to`)."""

    up_to: int
    of: dict[Watcher, list[Delivery]]

    @classmethod
    def read(cls, events: list[LoggedEvent], after: int, watchers: list[Watcher]) -> Expectations:
        up_to = events[-1].id if events else after
        return cls(up_to, {w: expected_deliveries(events, w.viewer, w.watch) for w in watchers})

    def received(self, watcher: Watcher) -> list[Delivery]:
        return [delivery for delivery in watcher.received if delivery[0] <= self.up_to]

    def all_arrived(self, watchers: list[Watcher]) -> bool:
        return all(
            len({cursor for cursor, _ in self.received(w)}) >= len(self.of[w]) for w in watchers
        )


async def check_deliveries(
    expectations: Expectations, watchers: list[Watcher], settle: float
) -> dict[str, Any]:
    """Wait (up to `settle` seconds) for every subscriber to have what it should; count."""
    settled = await wait_until(lambda: expectations.all_arrived(watchers), settle, every=0.5)
    total = Tally()
    missing: list[str] = []
    for watcher in watchers:
        expected = expectations.of[watcher]
        total += tally(expected, watcher.received, expectations.up_to)
        missing += [
            f"{watcher.describe()}: {cursor}"
            for cursor in missing_cursors(expected, watcher.received)
        ]
    return {
        "delivery": asdict(total)
        | {"missing": total.missing, "settled": settled, "missing_samples": missing[:10]},
        "delivery_completeness": round(total.completeness, 6),
        "duplicates": total.duplicates,
    }


async def check_replays(
    expectations: Expectations,
    watchers: list[Watcher],
    servers: list[Server],
    after: int,
    errors: ErrorLog,
    settle: float,
) -> dict[str, Any]:
    """Subscribe again from the soak's first cursor, on the other server, as one board
    and one deal subscriber of a manager and of a salesperson, and compare the replay
    with what the live subscriber got."""
    originals = _one_of_each_kind(expectations, watchers)
    replays = [
        dataclasses.replace(w, received=[], client=None, server=(w.server + 1) % len(servers))
        for w in originals
    ]
    async with contextlib.AsyncExitStack() as stack:
        await Watching(replays, errors).open(stack, servers, after)
        for original, replay in zip(originals, replays, strict=True):
            expectations.of[replay] = expectations.of[original]
        await wait_until(lambda: expectations.all_arrived(replays), settle, every=0.5)
    differing = [
        f"{original.describe()}: live {len(expectations.received(original))} events, "
        f"replayed {len(expectations.received(replay))}"
        for original, replay in zip(originals, replays, strict=True)
        if expectations.received(original) != expectations.received(replay)
    ]
    return {"replays": len(replays), "replay_differences": differing}


def _one_of_each_kind(expectations: Expectations, watchers: list[Watcher]) -> list[Watcher]:
    chosen: dict[tuple[bool, bool], Watcher] = {}
    for watcher in watchers:
        kind = (watcher.person.manager, isinstance(watcher.watch, BoardWatch))
        if expectations.of[watcher] and kind not in chosen:
            chosen[kind] = watcher
    return list(chosen.values())


def logged_problems(logs: Path) -> list[str]:
    """The servers' log lines that tell of an error (tracebacks, failures)."""
    found = []
    for log in sorted(logs.glob("*.log")):
        for line in log.read_text(errors="replace").splitlines():
            if LOGGED_PROBLEM.search(line) and "HTTP/1.1" not in line:
                found.append(f"{log.name}: {line.strip()}")
    return found
