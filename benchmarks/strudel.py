"""Mini-notation against the real Strudel, long: thousands of seeded random
patterns instead of the test suite's few hundred (tests/strudel: the same
generator, the same comparison, event for event over four spans).

    scripts/bench strudel                         3,000 patterns
    TJ_STRUDEL_PATTERNS=10000 scripts/bench strudel

Opt-in: `scripts/bench` with no names leaves it out (it takes minutes).
Prints the counts (compared, agreed, each documented difference) and the
first disagreements; a disagreement is a failure.
"""

from __future__ import annotations

import os
import time

BATCH = 1000  # patterns per node process


def run() -> bool:
    from tests.strudel.reference import Report, compare, unavailable

    reason = unavailable()
    if reason is not None:
        print(f"strudel: not run: {reason}")
        return False
    total = int(os.environ.get("TJ_STRUDEL_PATTERNS", "3000"))
    started = time.perf_counter()
    report = Report()
    for batch, first in enumerate(range(0, total, BATCH)):
        part = compare(min(BATCH, total - first), seed=100 + batch)
        report.compared += part.compared
        report.agreed += part.agreed
        report.strudel_rejected += part.strudel_rejected
        report.differences.update(part.differences)
        report.disagreements.extend(part.disagreements)
    seconds = time.perf_counter() - started
    print("strudel: " + report.summary())
    print(f"strudel: {seconds:.1f} s ({1000 * seconds / max(total, 1):.1f} ms a pattern, both sides)")
    return not report.disagreements
