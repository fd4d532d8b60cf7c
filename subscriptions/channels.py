"""Channel names and the messages sent on them, in one place.

The bus is a doorbell, not a mailbox: a message says only which workspace's event log
grew. Every server process then reads the log itself, from where it stopped, so a lost,
late or repeated message loses nothing and repeats nothing.
"""

from __future__ import annotations

import json

LOG_CHANNEL = "dealflow.log"


def log_grew(workspace_id: int, origin: str) -> str:
    """`origin` names the server process that says it (it need not hear itself)."""
    return json.dumps({"workspace": workspace_id, "origin": origin})


def read_log_grew(message: str) -> tuple[int, str | None] | None:
    """The workspace a `log_grew` message names, and the process it came from (None
    when it does not say); None for anything else."""
    try:
        data = json.loads(message)
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    workspace = data.get("workspace")
    if not isinstance(workspace, int) or isinstance(workspace, bool):
        return None
    origin = data.get("origin")
    return workspace, origin if isinstance(origin, str) else None
