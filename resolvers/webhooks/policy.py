"""What the settings decide about webhooks."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class WebhookPolicy:
    max_per_user: int = 10
    # http://, loopback and private addresses: for development and tests only.
    allow_private: bool = False
    retry_base_seconds: float = 10
    max_attempts: int = 14  # 10 s doubling: the last about a day after the first
    timeout_seconds: float = 10
    # A webhook failing for this long is disabled (`failingSince`).
    disable_after_seconds: float = 24 * 3600
