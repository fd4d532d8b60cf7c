"""The soak's figures: latency percentiles per operation, memory growth, and the tables
the README shows."""

from __future__ import annotations

import statistics
from collections import Counter
from typing import Any


def percentiles(samples: list[float]) -> dict[str, float]:
    """p50, p95, p99 and the maximum of `samples` (milliseconds), rounded to 0.1."""
    if not samples:
        return {}
    if len(samples) == 1:
        cuts = [samples[0]] * 99
    else:
        cuts = statistics.quantiles(samples, n=100, method="inclusive")
    return {
        "p50_ms": round(cuts[49], 1),
        "p95_ms": round(cuts[94], 1),
        "p99_ms": round(cuts[98], 1),
        "max_ms": round(max(samples), 1),
    }


def per_operation(
    latencies: dict[str, list[float]], refusals: dict[str, Counter[str]], seconds: float
) -> dict[str, dict[str, Any]]:
    """Each operation's count, rate, percentiles and expected refusals (by code)."""
    table: dict[str, dict[str, Any]] = {}
    for name in sorted(latencies, key=lambda n: -len(latencies[n])):
        samples = latencies[name]
        table[name] = {
            "count": len(samples),
            "per_s": round(len(samples) / seconds, 2),
            **percentiles(samples),
        }
        if refusals.get(name):
            table[name]["refusals"] = dict(refusals[name])
    return table


def growth(start: list[int], end: list[int]) -> float:
    """How much the servers' memory together grew, as a fraction of where it started."""
    return round((sum(end) - sum(start)) / sum(start), 4)


def operations_table(table: dict[str, dict[str, Any]]) -> str:
    lines = [
        "| operation | count | per s | p50 ms | p95 ms | p99 ms | CONFLICT |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for name, row in table.items():
        conflicts = row.get("refusals", {}).get("CONFLICT", "")
        lines.append(
            f"| {name} | {row['count']:,} | {row['per_s']} | {row['p50_ms']} | "
            f"{row['p95_ms']} | {row['p99_ms']} | {conflicts} |"
        )
    return "\n".join(lines)


def summary_table(result: dict[str, Any]) -> str:
    start, end = result["memory_kb"]["start"], result["memory_kb"]["end"]
    delivery = result["delivery"]
    rows = [
        ("minutes", result["minutes"]),
        ("operations (per s)", f"{result['operations']:,} ({result['operations_per_s']})"),
        ("errors", result["errors"]),
        ("events logged", f"{result['events']:,}"),
        ("deliveries expected", f"{delivery['expected']:,}"),
        ("delivery completeness", result["delivery_completeness"]),
        ("duplicates", result["duplicates"]),
        (
            "out of order / unexpected / wrong kind",
            _slashed(delivery, "out_of_order", "unexpected", "wrong_kind"),
        ),
        ("server RSS start → end MB", f"{_mb(start)} → {_mb(end)}"),
        ("memory growth", f"{result['memory_growth']:.1%}"),
        ("server CPU (of one core, each)", " / ".join(f"{c:.0%}" for c in result["server_cpu"])),
    ]
    lines = ["| measure | value |", "| --- | --- |"]
    lines += [f"| {name} | {value} |" for name, value in rows]
    return "\n".join(lines)


def _slashed(values: dict[str, Any], *names: str) -> str:
    return " / ".join(str(values[name]) for name in names)


def _mb(kilobytes: list[int]) -> str:
    return " + ".join(f"{kb / 1024:.0f}" for kb in kilobytes)
