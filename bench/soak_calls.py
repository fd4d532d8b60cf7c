"""The soak's GraphQL calls over HTTP, made as a client makes them, each one timed and
judged: answered, refused in a way the client expects (a CONFLICT on a stale version),
or an error (no answer, an HTTP status other than 200, a GraphQL error, a refusal the
client did not expect)."""

from __future__ import annotations

import random
import time
from collections import Counter, defaultdict
from collections.abc import Set
from dataclasses import dataclass, field
from typing import Any

import httpx

SAMPLES_KEPT = 20


@dataclass
class ErrorLog:
    """Every error of the run by kind, with the first few described."""

    kinds: Counter[str] = field(default_factory=Counter)
    samples: list[str] = field(default_factory=list)

    def add(self, kind: str, description: str) -> None:
        self.kinds[kind] += 1
        if len(self.samples) < SAMPLES_KEPT:
            self.samples.append(f"{kind}: {description[:500]}")

    @property
    def total(self) -> int:
        return sum(self.kinds.values())


@dataclass
class Answer:
    """A root field's value, and the codes of the expected refusals it carried."""

    value: Any
    refusals: list[str]


class Calls:
    """Posts operations to the servers (any of them, as a load balancer would). While
    `measuring`, every call's time is kept under its operation's name."""

    def __init__(
        self, http: httpx.AsyncClient, endpoints: list[str], rng: random.Random, errors: ErrorLog
    ) -> None:
        self.http = http
        self.endpoints = endpoints
        self.rng = rng
        self.errors = errors
        self.measuring = False
        self.latencies: dict[str, list[float]] = defaultdict(list)
        self.refusals: dict[str, Counter[str]] = defaultdict(Counter)

    async def call(
        self,
        operation: str,
        token: str,
        document: str,
        variables: dict[str, Any],
        expected: Set[str] = frozenset(),
        label: str | None = None,
    ) -> Answer | None:
        """The answer of `operation` (a root field's name), or None after an error. Its
        time is kept under `label`, by default the operation's name."""
        body = {"query": document, "variables": variables}
        headers = {"authorization": f"Bearer {token}"}
        started = time.perf_counter()
        try:
            response = await self.http.post(
                self.rng.choice(self.endpoints), json=body, headers=headers
            )
        except httpx.HTTPError as error:
            self.errors.add("transport", f"{operation}: {error!r}")
            return None
        elapsed = (time.perf_counter() - started) * 1000
        if self.measuring:
            self.latencies[label or operation].append(elapsed)
        return self._judge(operation, response, expected)

    def _judge(self, operation: str, response: httpx.Response, expected: Set[str]) -> Answer | None:
        if response.status_code != 200:
            self.errors.add("http_status", f"{operation}: {response.status_code} {response.text}")
            return None
        answer = response.json()
        if answer.get("errors"):
            self.errors.add("graphql", f"{operation}: {answer['errors']}")
            return None
        value = answer["data"][operation]
        problems = value.get("errors", []) if isinstance(value, dict) else []
        unexpected = [p for p in problems if p["code"] not in expected]
        if unexpected:
            self.errors.add("user_error", f"{operation}: {unexpected}")
            return None
        codes = [p["code"] for p in problems]
        if self.measuring:
            self.refusals[operation].update(codes)
        return Answer(value, codes)
