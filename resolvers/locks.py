"""Row locks that serialise changes which must see each other (PostgreSQL; SQLite has a
single writer anyway). Always take the workspace lock before any other row's lock."""

from __future__ import annotations

from models.account import Workspace


async def lock_workspace(workspace_id: int) -> None:
    """Serialise the changes that guard a workspace-wide rule: exactly one default
    process, at least one active administrator, unique process names."""
    await Workspace.filter(id=workspace_id).select_for_update().first()
