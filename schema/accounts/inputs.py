"""What logging in and managing users take."""

from __future__ import annotations

import strawberry

from schema.scalars import Role


@strawberry.input
class LoginInput:
    email: str
    password: str


@strawberry.input
class CreateUserInput:
    email: str
    name: str
    role: Role
    password: str


@strawberry.input(description="Fields left out keep their current value.")
class UpdateUserInput:
    id: strawberry.ID
    name: strawberry.Maybe[str | None]
    role: strawberry.Maybe[Role | None]
    active: strawberry.Maybe[bool | None]
    password: strawberry.Maybe[str | None]
