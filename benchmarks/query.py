"""Events per second when querying 1,000 cycles of a reference set of patterns,
and the same set asked of Strudel itself, side by side.

Each pattern is queried cycle by cycle, as the live engine and export do;
each is timed three times and the best run counts (the machines are shared,
so the slower runs measure the neighbours). Strudel 1.2.6 (the pinned npm
packages in tests/strudel, under node) is asked the same way by
benchmarks/strudel_query.mjs, each pattern written as a Strudel user writes
it; both sides must find the same number of events. Targets: at least
100,000 events/s (issue 2) and at least twice Strudel's rate (issue 20);
without node or the packages the comparison is skipped, saying why.
"""

from __future__ import annotations

import json
import subprocess
import time
from fractions import Fraction
from pathlib import Path

import trackjammer.core  # noqa: F401
from trackjammer.lang.evaluator import evaluate_expression

# name: (TrackJammer expression, the same pattern in Strudel's JavaScript)
REFERENCE = {
    "nested": ("[C4 [E4 [G4 B4]] <C5 [D5 E5]>*2 [~ A4]/2]",
               'mini("[C4 [E4 [G4 B4]] <C5 [D5 E5]>*2 [~ A4]/2]")'),
    "polymeter": ("[{C3 E3 G3, A2 C3 E3 G3 B3}%8]",
                  'mini("{C3 E3 G3, A2 C3 E3 G3 B3}%8")'),
    "euclid": ("[C2(<3 5>,8,<0 2>) E2(5,16)]",
               'mini("C2(<3 5>,8,<0 2>) E2(5,16)")'),
    # Strudel's chord() is @strudel/tonal's voicing; a chord of numbers is `add` of a stack.
    "stacked chords": ("[C3 F3 G3 C3].chord(\"maj7\").fast(2)",
                       'mini("48 53 55 48").add(mini("[0,4,7,11]")).fast(2)'),
    "signal segmented at 16": ("Sine(0.25).segment(16).range(0, 127)",
                               "sine.slow(4).segment(16).range(0, 127)"),
}
TARGET = 100_000
STRUDEL_RATIO = 2.0  # at least this many times Strudel's events/s
STRUDEL_SCRIPT = Path(__file__).with_name("strudel_query.mjs")


def measure(expression: str, cycles: int, repeats: int = 3) -> tuple[int, float]:
    """(events found, best time in seconds) for querying `cycles` cycles."""
    pattern = evaluate_expression(expression)
    best = float("inf")
    for _ in range(repeats):
        count = 0
        start = time.perf_counter()
        for cycle in range(cycles):
            count += len(pattern.onsets(Fraction(cycle), Fraction(cycle + 1)))
        best = min(best, time.perf_counter() - start)
    return count, best


def measure_strudel(cycles: int, repeats: int = 3) -> dict[str, tuple[int, float]] | str:
    """Strudel's (events, best seconds) per pattern, or why it could not be asked."""
    from tests.strudel.reference import unavailable  # imported here: the benchmark runs without the test suite's node packages

    reason = unavailable()
    if reason is not None:
        return reason
    request = {"cycles": cycles, "repeats": repeats, "patterns": {name: js for name, (_, js) in REFERENCE.items()}}
    done = subprocess.run(["node", str(STRUDEL_SCRIPT)], input=json.dumps(request), capture_output=True,
                          text=True, timeout=600)
    if done.returncode != 0:
        return f"node {STRUDEL_SCRIPT.name} failed ({done.returncode}): {done.stderr.strip()[-300:]}"
    return {name: (count, seconds) for name, (count, seconds) in json.loads(done.stdout).items()}


def run(cycles: int = 1000) -> bool:
    print(f"query: {cycles} cycles of each reference pattern, one query per cycle, best of 3; Strudel 1.2.6 beside")
    strudel = measure_strudel(cycles)
    total_events, total_seconds, strudel_seconds = 0, 0.0, 0.0
    same_counts = True
    for name, (expression, _) in REFERENCE.items():
        count, seconds = measure(expression, cycles)
        total_events += count
        total_seconds += seconds
        line = f"  {name:24} {count:8d} events  {seconds:7.3f} s  {count / seconds:10,.0f} events/s"
        if isinstance(strudel, dict):
            theirs, their_seconds = strudel[name]
            strudel_seconds += their_seconds
            same_counts &= theirs == count
            line += f"   Strudel {theirs / their_seconds:10,.0f} events/s  ({their_seconds / seconds:.2f}x)"
            if theirs != count:
                line += f"  DIFFERENT COUNT: Strudel found {theirs}"
        print(line)
    rate = total_events / total_seconds
    met = rate >= TARGET
    verdict = "meets" if met else "MISSES"
    print(f"  {'all':24} {total_events:8d} events  {total_seconds:7.3f} s  {rate:10,.0f} events/s"
          f"  ({rate / TARGET:.2f}x the {TARGET:,} events/s target: {verdict})")
    if isinstance(strudel, str):
        print(f"  Strudel: not compared: {strudel}")
        return met
    strudel_rate = total_events / strudel_seconds
    ratio = rate / strudel_rate
    fast_enough = ratio >= STRUDEL_RATIO and same_counts
    print(f"  {'Strudel 1.2.6 (node)':24} {total_events:8d} events  {strudel_seconds:7.3f} s  {strudel_rate:10,.0f} events/s"
          f"  (TrackJammer {ratio:.2f}x Strudel, target {STRUDEL_RATIO:g}x: {'meets' if fast_enough else 'MISSES'})")
    return met and fast_enough


if __name__ == "__main__":
    run()
