"""Who may do what: the one place every role and visibility rule lives."""

from __future__ import annotations

from models.account import Role, User
from resolvers.errors import ErrorCode, Refused


def is_admin(actor: User) -> bool:
    return actor.role == Role.ADMIN


def sees_every_deal(actor: User) -> bool:
    """Admins and managers see (and work on) every deal of their workspace."""
    return actor.role in (Role.ADMIN, Role.MANAGER)


def require_admin(actor: User, action: str) -> None:
    if not is_admin(actor):
        raise Refused.one(ErrorCode.FORBIDDEN, f"Only administrators may {action}.")
