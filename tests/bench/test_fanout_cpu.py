"""The fan-out benchmark's CPU clock: it adds up the servers' and the client's CPU time
over the spans it times, and nothing between them."""

from __future__ import annotations

import subprocess
import sys
import time

from bench.fanout import CpuClock


def _spin(seconds: float) -> None:
    until = time.process_time() + seconds
    while time.process_time() < until:
        pass


def test_the_clock_adds_up_the_timed_spans_and_leaves_out_the_pauses() -> None:
    busy = "import time\nuntil = time.time() + 5\nwhile time.time() < until: pass"
    server = subprocess.Popen([sys.executable, "-c", busy])
    try:
        clock = CpuClock([server.pid])
        with clock.timing():
            _spin(0.3)  # the client works; the server spins meanwhile
        time.sleep(0.6)  # a pause: the server spins on, the client idles
        _spin(0.3)  # the client works outside any span
        with clock.timing():
            time.sleep(0.3)
        used = clock.used()
    finally:
        server.kill()
        server.wait()
    # Two spans of about 0.3 s each, the server busy throughout, on a shared machine
    # (it may get a small share of a core, under a loaded test run); clock ticks are
    # 10 ms. Counting the pause too would make it 1.2 s or more.
    assert 0.03 <= used.servers <= 0.75
    # The client spun 0.3 s inside a span and 0.3 s outside it.
    assert 0.25 <= used.client <= 0.45
