"""Channel names and the messages sent on them, in one place.

The bus is a doorbell, not a mailbox: a message says only which workspace's event log
grew. Every server process then reads the log itself, from where it stopped, so a lost,
late or repeated message loses nothing and repeats nothing.
"""

from __future__ import annotations

import json

LOG_CHANNEL = "dealflow.log"


def log_grew(workspace_id: int) -> str:
    return json.dumps({"workspace": workspace_id})


def workspace_of(message: str) -> int | None:
    """The workspace a `log_grew` message names; None for anything else."""
    try:
        data = json.loads(message)
    except ValueError:
        return None
    workspace = data.get("workspace") if isinstance(data, dict) else None
    return workspace if isinstance(workspace, int) and not isinstance(workspace, bool) else None
