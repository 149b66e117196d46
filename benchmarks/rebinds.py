"""Memory over many rebinds (issue 15, item 9): `let t = MidiTrack(1); t <<
[...]` typed again and again, each input run as the REPL runs it (the
interpreter, then `commit()`) on an engine playing on a fake clock, a take
recorded. Python's allocations (tracemalloc) after 100 rebinds and after
10,000; before the fix each rebind kept its track alive (about 2 KB each in
this setting, 8 KB in the REPL). Target: under 1 MB more after 10,000.

Opt-in (`scripts/bench rebinds`): it takes a minute or two.
"""

from __future__ import annotations

import gc
import os
import tempfile
import time
import tracemalloc
from fractions import Fraction

from trackjammer.engine.clock import Clock, FakeClock
from trackjammer.engine.live import Engine
from trackjammer.lang.evaluator import Interpreter
from trackjammer.midi.output import Output
from trackjammer.session import Session

REBINDS = 10_000
FIRST = 100
TARGET = 1_000_000  # bytes more after REBINDS than after FIRST


class _Discarding(Output):
    """An output that sends nowhere (it still tracks held notes, as a port does)."""

    def _send(self, data) -> None:
        pass


def _traced() -> int:
    gc.collect()
    return tracemalloc.get_traced_memory()[0]


def measure(rebinds: int = REBINDS) -> tuple[int, int, float]:
    """(bytes after FIRST rebinds, bytes after `rebinds`, seconds)."""
    fake = FakeClock()
    session = Session(cps=Fraction(1, 2), out=lambda text: None)
    interpreter = Interpreter(session)
    engine = Engine(session, _Discarding("bench"), report=lambda text: None,
                    clock=Clock(session.cps, now=fake.now, sleep=fake.sleep))
    engine.start(thread=False)
    tracemalloc.start()
    start = time.perf_counter()
    try:
        after_first = 0
        for i in range(rebinds):
            interpreter.execute(f"let t = MidiTrack(1); t << [C4 {i % 50 + 40}]")
            engine.commit()
            end = engine.clock.time_of(Fraction(i + 1, 4))
            while fake.t < end:
                due, _ = engine.scheduler.step()
                fake.t = min(due, end)
            if i + 1 == FIRST:
                after_first = _traced()
        after = _traced()
    finally:
        tracemalloc.stop()
        engine.close()
    return after_first, after, time.perf_counter() - start


def run() -> bool:
    here = os.getcwd()
    with tempfile.TemporaryDirectory(prefix="tj-bench-rebinds-") as folder:
        os.chdir(folder)  # the take is recorded under renders/ here
        try:
            first, last, seconds = measure()
        finally:
            os.chdir(here)
    growth = last - first
    ok = growth < TARGET
    print(f"Memory over rebinds (new track each input, REPL's commit, fake clock; {seconds:.0f} s)")
    print(f"  after {FIRST:,} rebinds: {first / 1e6:6.2f} MB traced")
    print(f"  after {REBINDS:,} rebinds: {last / 1e6:6.2f} MB traced   "
          f"(+{growth / 1e3:,.0f} KB, {growth / (REBINDS - FIRST):.0f} bytes a rebind)")
    print(f"  target: under {TARGET / 1e6:.0f} MB more: {'met' if ok else 'MISSED'}")
    return ok


if __name__ == "__main__":
    raise SystemExit(0 if run() else 1)
