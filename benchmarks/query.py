"""Events per second when querying 1,000 cycles of a reference set of patterns.

Each pattern is queried cycle by cycle, as the live engine and export do;
each is timed three times and the best run counts (the machines are shared,
so the slower runs measure the neighbours). Target (issue 2): at least
100,000 events/s.
"""

from __future__ import annotations

import time
from fractions import Fraction

import trackjammer.core  # noqa: F401
from trackjammer.lang.evaluator import evaluate_expression

REFERENCE = {
    "nested": "[C4 [E4 [G4 B4]] <C5 [D5 E5]>*2 [~ A4]/2]",
    "polymeter": "[{C3 E3 G3, A2 C3 E3 G3 B3}%8]",
    "euclid": "[C2(<3 5>,8,<0 2>) E2(5,16)]",
    "stacked chords": "[C3 F3 G3 C3].chord(\"maj7\").fast(2)",
    "signal segmented at 16": "Sine(0.25).segment(16).range(0, 127)",
}
TARGET = 100_000


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


def run(cycles: int = 1000) -> bool:
    print(f"query: {cycles} cycles of each reference pattern, one query per cycle, best of 3")
    total_events, total_seconds = 0, 0.0
    for name, expression in REFERENCE.items():
        count, seconds = measure(expression, cycles)
        total_events += count
        total_seconds += seconds
        print(f"  {name:24} {count:8d} events  {seconds:7.3f} s  {count / seconds:10,.0f} events/s")
    rate = total_events / total_seconds
    verdict = "meets" if rate >= TARGET else "MISSES"
    print(f"  {'all':24} {total_events:8d} events  {total_seconds:7.3f} s  {rate:10,.0f} events/s"
          f"  ({rate / TARGET:.2f}x the {TARGET:,} events/s target: {verdict})")
    return rate >= TARGET


if __name__ == "__main__":
    run()
