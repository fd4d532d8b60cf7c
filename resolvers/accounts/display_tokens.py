"""Wall screens: a long-lived, read-only token for one board, made by an administrator.

A display token reads its board as a manager would see it (every open deal of the
process, private ones included: the administrator who puts a board on a wall chooses
which process it shows) and subscribes to it, and nothing else, over HTTP and
WebSocket. It belongs to the board, not to a person: the viewer it authenticates as is
made up (`viewer_of`), a manager of the workspace with no id of its own, who owns and
takes part in nothing, and whom `access.display_board` marks. What such a viewer may
ask is decided before anything runs (`schema.display_scope`: the board's fields, the
board's process only); the file route refuses it.

Tokens start with `DISPLAY_PREFIX`, so that a request's kind of token is known before
any lookup; only their SHA-256 is stored, and the token itself is shown once. A token
may be made to expire (a screen lent for a trade fair): from then on it opens nothing,
as if revoked, and its sockets close at the next session check.
"""

from __future__ import annotations

import secrets
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from tortoise.expressions import Q

from models.account import DisplayToken, Role, User
from models.process import Process
from resolvers import access, validation
from resolvers.accounts.auth import token_digest
from resolvers.clock import now_utc
from resolvers.errors import Problems, not_found
from resolvers.transactions import in_transaction

DISPLAY_PREFIX = "dfd_"
MAX_DISPLAY_TOKENS_PER_WORKSPACE = 100


def is_display_token(token: str | None) -> bool:
    return token is not None and token.startswith(DISPLAY_PREFIX)


@dataclass(frozen=True)
class DisplayGrant:
    """What a display token opens: one process's board, in one workspace."""

    token_id: int
    process_id: int


def viewer_of(row: DisplayToken) -> User:
    """The made-up viewer a display token reads as: a manager of the workspace whose
    negative id names no user (so it owns and takes part in nothing), never saved."""
    viewer = User(
        id=-row.id,
        workspace_id=row.workspace_id,
        email="",
        name=row.label or "Wall screen",
        role=Role.MANAGER,
        password_hash="",
        active=True,
    )
    viewer.workspace = row.workspace
    access.grant_display(viewer, DisplayGrant(row.id, row.process_id))
    return viewer


async def display_viewers(tokens: Collection[str]) -> dict[str, User]:
    """Of these display tokens, the unrevoked, unexpired ones of live processes, as
    their viewers (one query)."""
    digests = {
        token_digest(token): token
        for token in tokens
        if is_display_token(token) and len(token) <= 512
    }
    if not digests:
        return {}
    rows = await DisplayToken.filter(
        Q(expires_at=None) | Q(expires_at__gt=now_utc()),
        token_hash__in=list(digests),
        revoked_at=None,
        process__deleted_at=None,
    ).select_related("workspace")
    return {digests[row.token_hash]: viewer_of(row) for row in rows}


async def create_display_token(
    actor: User, process_id: int, label: str | None, expires_at: datetime | None = None
) -> tuple[str, DisplayToken]:
    """A new token for the board of `process_id` (the token itself is returned once),
    valid until revoked or, if given, until `expires_at`."""
    access.require_admin(actor, "create display tokens")
    problems = Problems()
    label = validation.optional_text(problems, label, ["input", "label"])
    if expires_at is not None and expires_at <= now_utc():
        problems.invalid("A display token must expire in the future.", ["input", "expiresAt"])
    problems.raise_if_any()
    async with in_transaction():
        found = await Process.filter(
            id=process_id, workspace_id=actor.workspace_id, deleted_at=None
        ).exists()
        if not found:
            raise not_found("Process", ("input", "processId"))
        live = DisplayToken.filter(workspace_id=actor.workspace_id, revoked_at=None)
        if await live.count() >= MAX_DISPLAY_TOKENS_PER_WORKSPACE:
            problems.invalid(
                f"A workspace has at most {MAX_DISPLAY_TOKENS_PER_WORKSPACE} display tokens: "
                "revoke one first.",
                ["input", "processId"],
            )
            problems.raise_if_any()
        token = DISPLAY_PREFIX + secrets.token_urlsafe(32)
        row = await DisplayToken.create(
            workspace_id=actor.workspace_id,
            process_id=process_id,
            label=label,
            token_hash=token_digest(token),
            created_by_id=actor.id,
            expires_at=expires_at,
        )
    return token, row


async def list_display_tokens(actor: User) -> list[DisplayToken]:
    """The workspace's display tokens, the revoked ones included, newest first."""
    access.require_admin(actor, "list display tokens")
    return await DisplayToken.filter(workspace_id=actor.workspace_id).order_by("-id")


async def revoke_display_token(actor: User, token_id: int) -> DisplayToken:
    """Revoked at once: requests with it are refused, its sockets close (4403) at the
    next session check."""
    access.require_admin(actor, "revoke display tokens")
    row = await DisplayToken.get_or_none(id=token_id, workspace_id=actor.workspace_id)
    if row is None:
        raise not_found("DisplayToken", ("input", "id"))
    if row.revoked_at is None:
        row.revoked_at = now_utc()
        await row.save(update_fields=["revoked_at"])
    return row
