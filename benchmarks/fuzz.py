"""The language fuzz test, long: many more programs than the test suite runs.

The same generators and the same check as tests/lang/test_fuzz.py (random
token sequences, mutations of valid programs, random calls; evaluation and
playback may raise only TrackJammerError), but a failure does not stop the
run: failures are grouped by what was raised and where, and the first of
each group is minimised (lexemes, then characters, removed while the same
failure remains) before it is printed.

    scripts/bench fuzz                       50,000 programs
    TJ_FUZZ_PROGRAMS=200000 scripts/bench fuzz
    .venv/bin/python -m benchmarks.fuzz 5000 [--seed N]

Opt-in: `scripts/bench` with no names leaves it out (it takes minutes).
Exit status (as a module): 1 when something failed.
"""

from __future__ import annotations

import os
import random
import sys
import time
from collections import Counter

from hypothesis import HealthCheck, Phase, given, seed, settings

from tests.lang import test_fuzz as fuzz

DEFAULT_PROGRAMS = 50_000
SHOWN_FAILURES = 5
MINIMISE_SECONDS = 30.0


def _generate(generator: str, strategy, count: int, random_seed: int, record) -> None:
    """Run `record` on `count` programs drawn from `strategy`, whatever happens."""

    @seed(random_seed)
    @settings(
        max_examples=count,
        deadline=None,
        database=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(strategy)
    def property_(source: str) -> None:
        record(generator, source)

    property_()


def minimise(source: str, signature: str, budget: float = MINIMISE_SECONDS) -> str:
    """A shorter program with the same failure (same signature), greedily:
    drop runs of lexemes, halving the run length, then single characters."""
    deadline = time.perf_counter() + budget

    def same(candidate: str) -> bool:
        outcome = fuzz.check_program(candidate)
        return outcome.failed and outcome.signature == signature

    for split in (fuzz._lexemes, list):
        pieces = split(source)
        size = max(len(pieces) // 2, 1)
        while size >= 1 and time.perf_counter() < deadline:
            i, changed = 0, False
            while i < len(pieces) and time.perf_counter() < deadline:
                candidate = pieces[:i] + pieces[i + size:]
                if candidate and same("".join(candidate)):
                    pieces, changed = candidate, True
                else:
                    i += size
            if not changed:
                size //= 2
        source = "".join(pieces)
    return source


def run(programs: int | None = None, random_seed: int | None = None) -> bool:
    programs = programs or int(os.environ.get("TJ_FUZZ_PROGRAMS", DEFAULT_PROGRAMS))
    random_seed = random.randrange(1 << 32) if random_seed is None else random_seed
    stats: Counter = Counter()
    failures: dict[str, list[fuzz.Outcome]] = {}
    expensive: list[str] = []
    slowest: list[tuple[float, str]] = []

    def record(generator: str, source: str) -> None:
        outcome = fuzz.check_program(source)
        stats[generator, "programs"] += 1
        stats[generator, outcome.kind] += 1
        if outcome.failed:
            failures.setdefault(outcome.signature, []).append(outcome)
        elif outcome.kind == "expensive" and len(expensive) < SHOWN_FAILURES:
            expensive.append(source)
        elif outcome.kind in ("ok", "error"):
            slowest.append((outcome.seconds, source))
            slowest.sort(reverse=True)
            del slowest[3:]

    generators = {
        "tokens": fuzz.token_programs,
        "mutations": fuzz.mutated_programs(),
        "calls": fuzz.call_programs(),
    }
    print(f"fuzz: {programs:,} programs over {', '.join(generators)} (seed {random_seed}); "
          f"time limits {fuzz.SHORT_LIMIT} s with a huge/tiny number, {fuzz.LONG_LIMIT} s otherwise")
    start = time.perf_counter()
    for index, (name, strategy) in enumerate(generators.items()):
        count = max(1, round(programs * fuzz.SHARES[name]))
        began = time.perf_counter()
        _generate(name, strategy, count, random_seed + index, record)
        seconds = time.perf_counter() - began
        ran = stats[name, "programs"]
        print(f"  {name:10} {ran:8,d} programs  {stats[name, 'ok']:7,d} ok  {stats[name, 'error']:7,d} TrackJammerError"
              f"  {stats[name, 'expensive']:5,d} expensive  {stats[name, 'failure']:5,d} failed"
              f"  {seconds:7.1f} s  {ran / seconds:6.0f} programs/s")
    total = sum(stats[name, "programs"] for name in generators)
    seconds = time.perf_counter() - start
    kinds = {kind: sum(stats[name, kind] for name in generators) for kind in ("ok", "error", "expensive", "failure")}
    print(f"  {'all':10} {total:8,d} programs  {kinds['ok']:7,d} ok  {kinds['error']:7,d} TrackJammerError"
          f"  {kinds['expensive']:5,d} expensive  {kinds['failure']:5,d} failed  {seconds:7.1f} s"
          f"  {total / seconds:6.0f} programs/s")
    if slowest:
        print("  slowest programs that finished: " + ", ".join(f"{s:.2f} s" for s, _ in slowest))
        print(f"    {_short(slowest[0][1])}")
    if expensive:
        print(f"  expensive (cut off after {fuzz.SHORT_LIMIT} s; they ask for huge work with a huge or tiny number):")
        for source in expensive:
            print(f"    {_short(source)}")
    if not failures:
        print("  no failures: every program ran or raised a TrackJammerError")
        return True
    print(f"  FAILURES: {kinds['failure']} programs, {len(failures)} distinct (by exception and place):")
    for shown, (signature, outcomes) in enumerate(sorted(failures.items(), key=lambda kv: -len(kv[1]))):
        if shown >= SHOWN_FAILURES:
            print(f"  ... and {len(failures) - SHOWN_FAILURES} more distinct failures")
            break
        first = min(outcomes, key=lambda o: len(o.source))
        small = first.source if signature == "hang" else minimise(first.source, signature)
        detail = fuzz.check_program(small)
        print(f"\n  [{len(outcomes)}x] {signature}")
        print(f"    minimal program: {small!r}")
        print("    " + (detail.detail or first.detail).replace("\n", "\n    "))
    return False


def _short(source: str, width: int = 160) -> str:
    text = repr(source)
    return text if len(text) <= width else text[: width - 20] + " ... " + text[-15:]


def main(argv: list[str]) -> int:
    programs = int(argv[0]) if argv and not argv[0].startswith("-") else None
    random_seed = int(argv[argv.index("--seed") + 1]) if "--seed" in argv else None
    return 0 if run(programs, random_seed) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
