"""A benchmark's workspace: its default process tree, managers and salespeople."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from models.account import Role, User, Workspace
from models.process import Process
from resolvers.accounts.workspaces import NewWorkspace, create_workspace
from resolvers.processes.specs import ProcessSpec
from resolvers.processes.tree import ProcessTree, load_process_tree


@dataclass
class BenchTeam:
    workspace: Workspace
    tree: ProcessTree
    managers: list[User]
    sellers: list[User]

    @property
    def manager(self) -> User:
        return self.managers[0]


async def bench_team(
    name: str, sellers: int, process: ProcessSpec | None = None, managers: int = 1
) -> BenchTeam:
    workspace, _ = await create_workspace(
        NewWorkspace(
            name=name,
            admin_email=f"admin-{uuid.uuid4().hex[:6]}@bench.dev",
            admin_password="bench-password",
            timezone="Europe/Warsaw",
        ),
        [process] if process is not None else None,
    )
    default = await Process.get(workspace_id=workspace.id, is_default=True)
    tree = await load_process_tree(workspace.id, default.id)
    assert tree is not None
    leads = [
        await User.create(
            workspace=workspace,
            email=f"m{i}-{workspace.id}@bench.dev",
            name="Manager" if i == 0 else f"Manager {i}",
            role=Role.MANAGER,
            password_hash="x",
        )
        for i in range(managers)
    ]
    members = [
        await User.create(
            workspace=workspace,
            email=f"s{i}-{workspace.id}@bench.dev",
            name=f"Seller {i}",
            role=Role.USER,
            password_hash="x",
        )
        for i in range(sellers)
    ]
    return BenchTeam(workspace, tree, leads, members)
