"""What logging in and managing users take."""

from __future__ import annotations

import strawberry
from strawberry import UNSET

from schema.accounts.types import Role


@strawberry.input
class LoginInput:
    email: str
    password: str


@strawberry.input
class CreateUserInput:
    email: str
    name: str
    role: Role  # type: ignore[valid-type]
    password: str


@strawberry.input(description="Fields left out keep their current value.")
class UpdateUserInput:
    id: strawberry.ID
    name: str | None = UNSET
    role: Role | None = UNSET  # type: ignore[valid-type]
    active: bool | None = UNSET
    password: str | None = UNSET
