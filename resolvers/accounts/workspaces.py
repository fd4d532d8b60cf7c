"""Creating workspaces: the command line's way in, since no user exists before one."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from zoneinfo import available_timezones

from models.account import Role, User, Workspace
from resolvers import validation
from resolvers.accounts.users import NewUser, add_user
from resolvers.errors import Problems
from resolvers.processes.configuration import create_process
from resolvers.processes.specs import ProcessSpec
from resolvers.processes.starters import suggested_process
from resolvers.transactions import in_transaction

_CURRENCY = re.compile(r"^[A-Z]{3}$")


@dataclass(frozen=True)
class NewWorkspace:
    name: str
    admin_email: str
    admin_password: str
    admin_name: str = "Administrator"
    timezone: str = "UTC"
    currency: str = "EUR"


def check_workspace_settings(problems: Problems, timezone: str, currency: str) -> None:
    """A time zone tasks and statistics can count days in; an ISO 4217 currency."""
    if timezone not in available_timezones():
        problems.invalid(f"Unknown time zone {timezone!r}.", ["timezone"])
    if not _CURRENCY.fullmatch(currency):
        problems.invalid("Currency must be a three-letter ISO 4217 code.", ["currency"])


async def create_workspace(
    new: NewWorkspace, processes: Sequence[ProcessSpec] | None = None
) -> tuple[Workspace, User]:
    """A workspace with its first administrator and its processes (by default the
    suggested sales process), all in one transaction."""
    problems = Problems()
    name = validation.required_text(problems, new.name, ["name"])
    check_workspace_settings(problems, new.timezone, new.currency)
    problems.raise_if_any()
    async with in_transaction():
        workspace = await Workspace.create(name=name, timezone=new.timezone, currency=new.currency)
        # The first administrator has nobody to be created by.
        founder = await add_user(
            workspace.id,
            NewUser(new.admin_email, new.admin_name, Role.ADMIN, new.admin_password),
        )
        for spec in processes if processes is not None else [suggested_process()]:
            await create_process(founder, spec)
    return workspace, founder
