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
        spans = time.perf_counter()
        with clock.timing():
            _spin(0.3)  # the client works; the server spins meanwhile
        spans = time.perf_counter() - spans
        time.sleep(0.6)  # a pause: the server spins on, the client idles
        _spin(0.3)  # the client works outside any span
        second = time.perf_counter()
        with clock.timing():
            time.sleep(0.3)
        spans += time.perf_counter() - second
        used = clock.used()
    finally:
        server.kill()
        server.wait()
    # Two spans of about 0.3 s each, the server busy throughout, on a shared machine
    # (it may get a small share of a core, under a loaded test run); clock ticks are
    # 10 ms. A span lasts longer than 0.3 s when the machine is loaded (the client's
    # spin counts its own CPU time), and the server spins for all of it: its CPU is
    # bounded by the spans' own length (a run beside another suite measured 0.81 s),
    # never by that and the pause too, which would add 0.9 s or more.
    assert 0.03 <= used.servers <= spans + 0.05
    # The client spun 0.3 s inside a span and 0.3 s outside it.
    assert 0.25 <= used.client <= 0.45
