"""What the benchmarks read about server processes from /proc: resident memory and CPU
time (Linux)."""

from __future__ import annotations

import os
import resource
from pathlib import Path


def rss_kb(pids: list[int]) -> int:
    """The processes' resident memory together, in KB."""
    total = 0
    for pid in pids:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1])
    return total


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time the process has used so far."""
    # The command name, in parentheses, may hold spaces: the fields count from after it.
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    user, system = int(fields[11]), int(fields[12])
    return (user + system) / os.sysconf("SC_CLK_TCK")


def own_cpu_seconds() -> float:
    """User plus system CPU time this process (the benchmark's client) has used so far."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime
