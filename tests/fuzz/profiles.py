"""How long the fuzz run goes: a short, derandomised run in `make test` (the same
examples on every run, so CI is deterministic), a long random one in `make fuzz`
(`DEALFLOW_FUZZ=long`; `DEALFLOW_FUZZ_EXAMPLES` overrides the count)."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, Phase, settings

LONG = os.environ.get("DEALFLOW_FUZZ", "short") == "long"
_SUPPRESSED = [
    # The world is seeded once per test, and examples share it (and the app) on purpose.
    HealthCheck.function_scoped_fixture,
    HealthCheck.too_slow,
    HealthCheck.data_too_large,
    HealthCheck.filter_too_much,
]


def fuzz_settings(short_examples: int) -> settings:
    """`short_examples` per test in `make test`; many more in `make fuzz`."""
    examples = int(os.environ.get("DEALFLOW_FUZZ_EXAMPLES", "0")) or (
        short_examples * 40 if LONG else short_examples
    )
    return settings(
        max_examples=examples,
        deadline=None,
        derandomize=not LONG,
        database=None,
        # The short run reports what it found as found; the long one shrinks it first.
        phases=list(Phase) if LONG else [Phase.explicit, Phase.generate],
        suppress_health_check=_SUPPRESSED,
        report_multiple_bugs=True,
        print_blob=LONG,
    )
