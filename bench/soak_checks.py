"""The soak's checks, once the team has stopped: every subscriber's deliveries against the
event log, a few subscriptions replayed from the soak's first cursor against what their
live twins got, and what the servers logged."""

from __future__ import annotations

import contextlib
import dataclasses
import re
import time
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
from bench.waiting import wait_until, wait_while_progressing
from testkit.servers import Server

TRACEBACK_LINES = ("Traceback", "During handling", "The above exception")
BUS_NOTICE = re.compile(r"the bus")


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
    stall: float,
) -> dict[str, Any]:
    """Subscribe again from the soak's first cursor, on the other server, as one board
    and one deal subscriber of a manager and of a salesperson, and compare the replay
    with what the live subscriber got (waiting for as long as the replays move on)."""
    originals = _one_of_each_kind(expectations, watchers)
    replays = [
        dataclasses.replace(w, received=[], client=None, server=(w.server + 1) % len(servers))
        for w in originals
    ]
    for original, replay in zip(originals, replays, strict=True):
        expectations.of[replay] = expectations.of[original]
    started = time.perf_counter()
    async with contextlib.AsyncExitStack() as stack:
        await Watching(replays, errors).open(stack, servers, after)
        await wait_while_progressing(
            lambda: expectations.all_arrived(replays),
            lambda: sum(len(replay.received) for replay in replays),
            stall,
        )
    differing = [
        _difference(original, expectations.received(original), expectations.received(replay))
        for original, replay in zip(originals, replays, strict=True)
        if expectations.received(original) != expectations.received(replay)
    ]
    return {
        "replays": len(replays),
        "replayed_events": sum(len(expectations.received(replay)) for replay in replays),
        "replay_seconds": round(time.perf_counter() - started, 1),
        "replay_differences": differing,
    }


def _difference(watcher: Watcher, live: list[Delivery], replayed: list[Delivery]) -> str:
    if live[: len(replayed)] == replayed:
        return f"{watcher.describe()}: replayed {len(replayed)} of {len(live)} events only"
    index = next(
        i for i, pair in enumerate(zip(live, replayed, strict=False)) if pair[0] != pair[1]
    )
    return f"{watcher.describe()}: event {index}: live {live[index]}, replayed {replayed[index]}"


def _one_of_each_kind(expectations: Expectations, watchers: list[Watcher]) -> list[Watcher]:
    chosen: dict[tuple[bool, bool], Watcher] = {}
    for watcher in watchers:
        kind = (watcher.person.manager, isinstance(watcher.watch, BoardWatch))
        if expectations.of[watcher] and kind not in chosen:
            chosen[kind] = watcher
    return list(chosen.values())


def logged_records(logs: Path) -> list[str]:
    """The servers' log records above INFO (uvicorn's lines say INFO; Dealflow logs only
    warnings and errors), each with the exception its traceback ended on, if any."""
    records: list[str] = []
    for log in sorted(logs.glob("*.log")):
        in_traceback = False
        for line in log.read_text(errors="replace").splitlines():
            if not line.strip() or line[0].isspace() or line.startswith("INFO:"):
                continue
            if line.startswith(TRACEBACK_LINES):
                in_traceback = True
            elif in_traceback:  # the exception's own line ends the traceback
                in_traceback = False
                if records and records[-1].startswith(log.name):
                    records[-1] += f" ({line})"
                else:
                    records.append(f"{log.name}: {line}")
            else:
                records.append(f"{log.name}: {line}")
    return records


def is_bus_notice(record: str) -> bool:
    """A server telling that Redis went away (and that it carries on by polling)."""
    return BUS_NOTICE.search(record) is not None
