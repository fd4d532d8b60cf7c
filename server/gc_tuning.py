"""Garbage-collector settings for a long-running server with many open sockets.

CPython's default thresholds (700, 10, 10) start a young collection every 700 net
allocations and a full one, which walks every live object, after about a hundred of
those. A process holding a thousand subscribed sockets has millions of live objects, so
a full collection takes tens of milliseconds, and fanning one event out to every socket
allocates enough to start several young collections and, now and then, a full one in
the middle of the fan-out. Measured with `bench/fanout.py`'s setup (1,000 subscribers,
one process): the collector took 26-31 ms per event and its full collections set the
p99 (450-600 ms); with these thresholds it takes about 3 ms per event and the p99 is
about 200-220 ms. Cycles are still collected, only less often.

`gc.freeze()` is left out on purpose: it empties the count of long-lived objects that
CPython weighs a full collection against, so full collections became more frequent and
the p99 went back up (385-620 ms).
"""

from __future__ import annotations

import gc

YOUNG = 20_000  # net allocations between young collections (default 700)
MIDDLE = 20  # young collections between middle ones (default 10)
FULL = 50  # middle collections between full ones (default 10)


def tune_for_serving() -> None:
    """Call once the app has started, in every server process."""
    gc.set_threshold(YOUNG, MIDDLE, FULL)
