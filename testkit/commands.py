"""The `dealflow` command as an operator runs it: the installed script, in a process of
its own, with its settings in the environment."""

from __future__ import annotations

import asyncio
import os
import sys
from dataclasses import dataclass
from pathlib import Path

DEALFLOW = str(Path(sys.executable).with_name("dealflow"))


@dataclass(frozen=True)
class Ran:
    code: int
    out: str
    err: str


async def dealflow(database_url: str, *args: str | Path, **env: str | Path) -> Ran:
    """Run `dealflow ARGS` against the database, with extra settings (`STORAGE_DIR=...`)."""
    process = await asyncio.create_subprocess_exec(
        DEALFLOW,
        *map(str, args),
        env={
            **os.environ,
            "DATABASE_URL": database_url,
            **{name: str(value) for name, value in env.items()},
        },
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await process.communicate()
    assert process.returncode is not None
    return Ran(process.returncode, out.decode(), err.decode())
