"""The process's webhook worker: as soon as something is committed (the live updates'
announcement wakes it) and at least every `WEBHOOK_POLL_SECONDS` (retries fall due,
announcements can be missed), make out deliveries for what was committed and make the
attempts that are due (`resolvers.webhooks.delivery`:
every server process runs one, and they share the work without doing any twice).

Woken by a commit, the worker looks `SETTLE_SECONDS` later, not at once: the commits of
a burst make one round, and the live feeds, woken by the same announcement, read the log
ahead of it (on SQLite's one connection its statement would queue before theirs, and
every socket's frame would wait for it). A webhook is told tens of milliseconds later
than it could be; a board, not at all."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from types import TracebackType

import httpx

from resolvers.clock import now_utc
from resolvers.webhooks.delivery import active_webhooks, make_out, send_due
from resolvers.webhooks.policy import WebhookPolicy
from subscriptions.background import log_failure, stop_task

logger = logging.getLogger("dealflow.webhooks")

SETTLE_SECONDS = 0.02


class WebhookWorker:
    def __init__(self, policy: WebhookPolicy, poll_seconds: float) -> None:
        self.policy = policy
        self.poll_seconds = poll_seconds
        self._task: asyncio.Task[None] | None = None
        self._http: httpx.AsyncClient | None = None
        self._woken = asyncio.Event()

    def wake(self, _workspace_id: int = 0) -> None:
        """Something was committed: look now rather than at the next poll."""
        self._woken.set()

    async def run_once(self) -> None:
        assert self._http is not None
        webhooks = await active_webhooks()
        if not webhooks:
            return  # nothing to make out, and only an active webhook's deliveries are sent
        await make_out(now_utc(), webhooks)
        await send_due(self.policy, self._http, now_utc())

    async def _run(self) -> None:
        while True:
            try:
                await self.run_once()
            except Exception:
                log_failure(logger, "the webhook worker failed; retrying")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._woken.wait(), self.poll_seconds)
            if self._woken.is_set():
                await asyncio.sleep(SETTLE_SECONDS)  # the rest of a burst wakes it meanwhile
            self._woken.clear()

    async def __aenter__(self) -> WebhookWorker:
        # No redirects followed: a receiver cannot send us on to an address we refuse.
        self._http = httpx.AsyncClient(follow_redirects=False, trust_env=False)
        self._task = asyncio.create_task(self._run(), name="dealflow-webhooks")
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await stop_task(self._task)
        if self._http is not None:
            with contextlib.suppress(Exception):
                await self._http.aclose()
