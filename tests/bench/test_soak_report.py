"""The soak's figures: percentiles and memory growth."""

from __future__ import annotations

from collections import Counter

from bench.soak_report import growth, per_operation, percentiles


def test_percentiles_of_a_hundred_samples() -> None:
    cut = percentiles([float(ms) for ms in range(1, 101)])

    assert cut == {"p50_ms": 50.5, "p95_ms": 95.0, "p99_ms": 99.0, "max_ms": 100.0}


def test_percentiles_of_one_sample_and_of_none() -> None:
    assert percentiles([7.0]) == {"p50_ms": 7.0, "p95_ms": 7.0, "p99_ms": 7.0, "max_ms": 7.0}
    assert percentiles([]) == {}


def test_operations_are_counted_per_second_with_their_refusals() -> None:
    table = per_operation(
        {"board": [10.0, 20.0], "updateDeal": [5.0] * 4},
        {"updateDeal": Counter({"CONFLICT": 1})},
        seconds=2,
    )

    assert list(table) == ["updateDeal", "board"]
    assert table["updateDeal"]["per_s"] == 2.0
    assert table["updateDeal"]["refusals"] == {"CONFLICT": 1}
    assert "refusals" not in table["board"]


def test_growth_is_over_both_servers_together() -> None:
    assert growth([100, 100], [110, 100]) == 0.05
    assert growth([100, 100], [90, 100]) == -0.05
