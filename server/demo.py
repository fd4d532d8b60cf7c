"""The demo workspace that `make run` serves: who logs in, and with what."""

from __future__ import annotations

from models.account import Role, User, Workspace
from resolvers.starter_processes import demo_processes
from resolvers.users import NewUser, create_user
from resolvers.workspaces import NewWorkspace, create_workspace

DEMO_PASSWORD = "dealflow-demo"
DEMO_ADMIN = "admin@demo.dealflow.dev"
DEMO_TEAM = (
    NewUser("manager@demo.dealflow.dev", "Marta Manager", Role.MANAGER, DEMO_PASSWORD),
    NewUser("anna@demo.dealflow.dev", "Anna Nowak", Role.USER, DEMO_PASSWORD),
    NewUser("bartek@demo.dealflow.dev", "Bartek Zielinski", Role.USER, DEMO_PASSWORD),
    NewUser("carla@demo.dealflow.dev", "Carla Mendes", Role.USER, DEMO_PASSWORD),
)


async def seed_demo(if_empty: bool = False) -> Workspace | None:
    """Create the demo workspace; with `if_empty`, only when the database has none."""
    if if_empty and await Workspace.exists():
        return None
    workspace, admin = await create_workspace(
        NewWorkspace(
            name="Demo Sales",
            admin_email=DEMO_ADMIN,
            admin_password=DEMO_PASSWORD,
            admin_name="Adam Admin",
            timezone="Europe/Warsaw",
            currency="PLN",
        ),
        processes=demo_processes(),
    )
    for new in DEMO_TEAM:
        await create_user(admin, new)
    return workspace


async def demo_users(workspace: Workspace) -> list[User]:
    return await User.filter(workspace=workspace).order_by("id")
