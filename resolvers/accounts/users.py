"""Users of a workspace: listing them, and the administrators' changes to them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from tortoise.exceptions import IntegrityError
from tortoise.queryset import QuerySet

from models.account import Role, User
from resolvers import validation
from resolvers.access import require_admin
from resolvers.accounts import passwords
from resolvers.accounts.auth import normalise_email, revoke_all_tokens
from resolvers.errors import ErrorCode, Problems, Refused, not_found
from resolvers.locks import lock_workspace
from resolvers.statements import Statement
from resolvers.transactions import in_transaction


@dataclass(frozen=True)
class NewUser:
    email: str
    name: str
    role: Role
    password: str


@dataclass(frozen=True)
class UserChanges:
    """Fields left as None keep their current value."""

    name: str | None = None
    role: Role | None = None
    active: bool | None = None
    password: str | None = None


async def workspace_users(actor: User) -> list[User]:
    return await User.filter(workspace_id=actor.workspace_id).order_by("name", "id")


# What an operation reads of the users it shows beside what it is about (a card's owner,
# a deal's participants, a task's assignee: `schema.accounts.types.User` and
# `in_workspace`), never their password's hash: partial rows (reading another column is
# an AttributeError), which cannot be saved.
SHOWN_COLUMNS = ("id", "workspace_id", "email", "name", "role", "active")


def _users_of(workspace_id: int, ids: list[int]) -> QuerySet[User]:
    return User.filter(workspace_id=workspace_id, id__in=ids).only(*SHOWN_COLUMNS)


# What a page of cards or deals shows of their owners: rendered once per count of ids.
_USERS = Statement(_users_of)


def in_workspace(workspace_id: int, users: Iterable[User]) -> dict[int, User]:
    """Of `users`, those of the workspace, by id: the only users an operation in that
    workspace may show (an owner, a participant), however they were read. (`_users_of`
    asks the database for no others, so that none is even read: that filter narrows the
    read, this decides.)"""
    return {user.id: user for user in users if user.workspace_id == workspace_id}


async def users_by_ids(workspace_id: int, ids: list[int]) -> dict[int, User]:
    return in_workspace(workspace_id, await _USERS.all(workspace_id, ids))


def _email_in_use() -> Refused:
    """Emails name one user across all workspaces (login takes only an email), so this
    tells an administrator that the address is taken somewhere, and nothing more."""
    return Refused.one(
        ErrorCode.CONFLICT, "This email address is already in use.", ("input", "email")
    )


async def add_user(workspace_id: int, new: NewUser) -> User:
    """Validate and insert a user; the caller has decided that it may."""
    problems = Problems()
    email = normalise_email(new.email)
    validation.email(problems, email, ("input", "email"))
    name = validation.required_text(problems, new.name, ("input", "name"))
    validation.password(problems, new.password, ("input", "password"))
    problems.raise_if_any()
    if await User.filter(email=email).exists():
        raise _email_in_use()
    password_hash = await passwords.hash_password(new.password)
    try:
        return await User.create(
            workspace_id=workspace_id,
            email=email,
            name=name,
            role=new.role,
            password_hash=password_hash,
        )
    except IntegrityError:  # the same email created concurrently
        raise _email_in_use() from None


async def create_user(actor: User, new: NewUser) -> User:
    require_admin(actor, "create users")
    return await add_user(actor.workspace_id, new)


async def update_user(actor: User, user_id: int, changes: UserChanges) -> User:
    """Rename, change role, (de)activate or reset a password.

    A workspace always keeps at least one active administrator, and a deactivated user
    (or one whose password was reset) loses every session at once.
    """
    require_admin(actor, "change users")
    problems = Problems()
    name = (
        None
        if changes.name is None
        else validation.required_text(problems, changes.name, ("input", "name"))
    )
    if changes.password is not None:
        validation.password(problems, changes.password, ("input", "password"))
    problems.raise_if_any()
    password_hash = (
        await passwords.hash_password(changes.password) if changes.password is not None else None
    )
    async with in_transaction():
        # The workspace lock serialises admin changes, so two admins demoting each other
        # at once cannot both pass the last-admin check; the actor is re-read under it.
        await lock_workspace(actor.workspace_id)
        current = await User.get_or_none(id=actor.id, active=True)
        if current is None or current.role != Role.ADMIN:
            raise Refused.one(ErrorCode.FORBIDDEN, "Only administrators may change users.")
        user = await User.get_or_none(id=user_id, workspace_id=actor.workspace_id)
        if user is None:
            raise not_found("User", ("input", "id"))
        stays_admin = (changes.role or user.role) == Role.ADMIN and (
            user.active if changes.active is None else changes.active
        )
        if user.role == Role.ADMIN and user.active and not stays_admin:
            others = await User.filter(
                workspace_id=actor.workspace_id, role=Role.ADMIN, active=True
            ).exclude(id=user.id)
            if not others:
                raise Refused.one(
                    ErrorCode.CONFLICT,
                    "A workspace needs at least one active administrator.",
                    ("input", "role" if changes.active is not False else "active"),
                )
        if name is not None:
            user.name = name
        if changes.role is not None:
            user.role = changes.role
        if changes.active is not None:
            user.active = changes.active
        if password_hash is not None:
            user.password_hash = password_hash
        await user.save()
        if changes.active is False or password_hash is not None:
            await revoke_all_tokens(user.id)
    return user
