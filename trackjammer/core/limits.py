"""How much work one request may ask for.

A live coder who types `fast(1000000000)` or `C4(3,100000000)` must get a
clear error at once, not a frozen instrument. These bounds are far beyond
anything playable (MIDI carries about a thousand messages a second).
"""

from __future__ import annotations

import gc
import math
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Callable, Iterator, Sized

from trackjammer.errors import TrackJammerError

# Cycles of any pattern that one query may reach (after fast, segment, ply...).
MAX_CYCLES_PER_QUERY = 1_000_000

# Steps one construct may lay out: euclid steps, `!n` copies, `a .. b` runs.
MAX_STEPS = 10_000


class TooMuchWork(TrackJammerError):
    """A request for more work than any performance could use."""


def too_many_cycles(count: int) -> TooMuchWork:
    return TooMuchWork(
        f"this asks for {count:,} cycles at once (at most {MAX_CYCLES_PER_QUERY:,})",
        hint="is a fast(), segment() or ply() factor, or a range of cycles, far too large?",
    )


def check_steps(count: int, what: str) -> None:
    if count > MAX_STEPS:
        raise TooMuchWork(f"{what} of {count:,} steps is too many (at most {MAX_STEPS:,})",
                          hint="use fewer steps; a cycle cannot play this many notes")


# -- how dense a track may be ----------------------------------------------------------
#
# A DIN MIDI cable carries about 1,000 messages a second (31,250 baud, 30 bits a
# three-byte message); a note is two messages. USB and virtual ports carry more,
# but not without end, and no instrument makes music of more. So one track may
# ask for at most EVENTS_PER_SECOND events (notes and CC values) a second: live,
# at the tempo playing (a window of 1/40 cycle, 50 ms at cps 0.5, may hold 250), and
# offline, where the tempo may still change, at a cycle of four seconds.
EVENTS_PER_SECOND = 5_000
SLOWEST_CYCLE = 4  # seconds (cps 0.25): the offline count is made for a cycle this long
FEWEST_EVENTS = 128  # any window may hold this many (a full chord; a window cut short at a boundary)
WINDOW_SECONDS = 0.02  # CPU time one track's window may take live (what is asked 50-100 ms ahead),
WINDOW_SHARE = 0.2  # or this share of the window's own length, when a late window is long
FALLBACK_CPS = 0.5  # a tempo of 0 or less counts as this (export writes 120 BPM then)


class TooDense(TooMuchWork):
    """A pattern asks for more events than a MIDI port could carry, or takes
    too long to work out."""


class Exhausted(Exception):
    """Raised inside a query when the thread's meter runs out (never seen by
    the performer: `Budget.run` turns it into TooDense)."""

    def __init__(self, slow: bool):
        super().__init__("out of budget")
        self.slow = slow


class _Meter(threading.local):
    """The work this thread may still do in the query it is running. Work is
    counted where a query reaches over more than one cycle (TimeSpan.cycles),
    which is where every speed-up turns into many events, and where a join
    asks its inner patterns (ply, nested sequences), so a dense query is
    stopped before it builds them, not after."""

    left: float = math.inf
    deadline: float = math.inf  # thread CPU time (immune to other processes' load)
    collecting: float | None = None  # when the garbage collection under way began


_meter = _Meter()


def _not_counting_collections(phase: str, info: dict) -> None:
    """A garbage collection is not the pattern's work: the deadline moves by its length."""
    meter = _meter
    if meter.deadline == math.inf:
        return
    if phase == "start":
        meter.collecting = time.thread_time()
    elif meter.collecting is not None:
        meter.deadline += time.thread_time() - meter.collecting
        meter.collecting = None


gc.callbacks.append(_not_counting_collections)


def charge(work: int) -> None:
    """Count `work` (cycles reached × events in each) against the running query's budget."""
    meter = _meter
    meter.left -= work
    if meter.left < 0:
        raise Exhausted(slow=False)
    if meter.deadline != math.inf and time.thread_time() > meter.deadline:
        raise Exhausted(slow=True)


@contextmanager
def metered(work: float, seconds: float | None = None) -> Iterator[None]:
    """Queries made in this block may do `work` and take `seconds` of CPU time."""
    meter = _meter
    saved = meter.left, meter.deadline
    try:  # set inside: an exception raised between (Ctrl-C) must not leave this thread's meter spent
        meter.left = work
        meter.deadline = time.thread_time() + seconds if seconds is not None else math.inf
        yield
    finally:
        meter.left, meter.deadline = saved


@dataclass(frozen=True)
class Budget:
    """How many events one track may ask for, per cycle, and (live) how much
    CPU time one window of it may take."""

    per_cycle: float
    cps: float | None = None  # the tempo the count was made at (live); None: offline
    seconds: float | None = None

    @staticmethod
    def live(cps: float, seconds: float | None = WINDOW_SECONDS) -> Budget:
        cps = float(cps) if cps > 0 else FALLBACK_CPS
        return Budget(EVENTS_PER_SECOND / cps, cps, seconds)

    def allowed(self, length: Fraction) -> int:
        """Events a window of `length` cycles may hold."""
        return max(FEWEST_EVENTS, int(self.per_cycle * length))

    def run(self, query: Callable[[], Sized], count: Callable[[Fraction, Fraction], int],
            begin: Fraction, end: Fraction) -> Any:
        """`query()` (the events of [begin, end)) within the budget, or
        TooDense. `count(start, length)` counts the events of [start, start +
        length) without side effects; it estimates the density of a refused query."""
        return self.window(begin, end).run(query, count)

    def window(self, begin: Fraction, end: Fraction) -> WindowBudget:
        """The budget of each track's queries in [begin, end), worked out once
        for all of them (a live window asks it for every track)."""
        length = end - begin
        # the float, as Fraction's own arithmetic makes it
        return WindowBudget(self, begin, length, self.allowed(length),
                            self.seconds_for(length.numerator / length.denominator))

    def query(self, pattern: Any, begin: Any, end: Any, seed: int = 0, onsets: bool = False) -> list:
        """A pattern's events in [begin, end) (with `onsets`, only those
        starting there, sorted) within the budget: what a binding, `events`
        and the other offline paths ask."""
        begin, end = Fraction(begin), Fraction(end)
        ask = pattern.onsets if onsets else pattern.query_span
        return self.run(lambda: ask(begin, end, seed),
                        lambda start, length: len(pattern.onsets(start, start + length, seed)), begin, end)

    def too_dense(self, per_cycle: float, at_least: bool = False) -> TooDense:
        # "More than" the limit is said as the limit itself, not rounded below it (it once read
        # "more than 4,800 a second; a MIDI port carries at most 5,000")
        shown = int(max(per_cycle, self.per_cycle)) if at_least else _rounded(per_cycle)
        asked = f"this asks for {'more than' if at_least else 'about'} {shown:,} events a cycle"
        if self.cps is not None:
            message = (f"{asked}, {_rounded(shown * self.cps):,} a second at cps {self.cps:g}; "
                       f"a MIDI port carries at most {EVENTS_PER_SECOND:,} a second on one track")
        else:
            message = (f"{asked}; a MIDI port carries at most {EVENTS_PER_SECOND:,} a second on one track, "
                       f"{int(self.per_cycle):,} a cycle even at {SLOWEST_CYCLE} seconds a cycle")
        return TooDense(message, hint=DENSE_HINT)

    def seconds_for(self, length: Fraction | float) -> float | None:
        """CPU time a window of `length` cycles may take (None: no limit)."""
        if self.seconds is None or self.cps is None:
            return self.seconds
        return max(self.seconds, WINDOW_SHARE * float(length) / self.cps)

    def too_slow(self, length: Fraction, seconds: float) -> TooDense:
        return TooDense(
            f"this takes more than {seconds * 1000:.3g} ms of work for {length} of a cycle (at most "
            f"{self.seconds * 1000:g} ms a window, or a {WINDOW_SHARE:.0%} share of a longer one)", hint=DENSE_HINT)


class WindowBudget:
    """One window's budget, run once per track: the events and CPU time each
    may take. The CPU clock read when one track's query ends starts the next
    one's (a read is a system call: two per track were 5 % of a live window)."""

    __slots__ = ("budget", "begin", "length", "allowed", "seconds", "_clock")

    def __init__(self, budget: Budget, begin: Fraction, length: Fraction, allowed: int, seconds: float | None):
        self.budget, self.begin, self.length, self.allowed, self.seconds = budget, begin, length, allowed, seconds
        self._clock: float | None = None  # the thread's CPU time when the last query ended

    def run(self, query: Callable[[], Sized], count: Callable[[Fraction, Fraction], int]) -> Any:
        """`query()` within the budget, or TooDense (see Budget.run)."""
        allowed, seconds = self.allowed, self.seconds
        # metered(allowed, seconds), written out: this runs for every lane of every live window
        meter = _meter
        saved = meter.left, meter.deadline
        try:  # set inside, as in metered
            meter.left = allowed
            if seconds is None:
                meter.deadline = math.inf
            else:
                started = self._clock if self._clock is not None else time.thread_time()
                meter.deadline = started + seconds
            self._clock = None  # read again only when this query ends well
            found = query()
            if seconds is not None:
                self._clock = time.thread_time()
                slow = self._clock > meter.deadline
            else:
                slow = False
        except Exhausted as over:
            if over.slow:
                raise self.budget.too_slow(self.length, seconds) from None
            least = allowed / self.length
            estimate = _density(count, self.begin, self.length)
            raise self.budget.too_dense(max(estimate, least), estimate < least) from None
        finally:
            meter.left, meter.deadline = saved
        if len(found) > allowed:
            raise self.budget.too_dense(len(found) / self.length)
        if slow:
            raise self.budget.too_slow(self.length, seconds)
        return found


DENSE_HINT = "play it slower or with fewer steps, as fast(16) or segment(16) would"
OFFLINE = Budget(EVENTS_PER_SECOND * SLOWEST_CYCLE)


PROBE = 500  # work the density of a refused window is estimated with
PROBE_SECONDS = 0.25  # CPU time the estimate may take in all (an echo 60 copies deep costs each halving dearly)
PROBED_CYCLES = 16  # a long window's density is also counted from the start of its first this many cycles


def _density(count: Callable[[Fraction, Fraction], int], begin: Fraction, length: Fraction) -> float:
    """Events a cycle: from where the window begins and from each cycle it
    reaches into (a pattern may turn dense there: `<C5!8 C5*100000>`), the
    longest first part (halved again and again) that `PROBE` work can count,
    the densest of them; 0 when none can within PROBE_SECONDS (the refusal
    then says "more than" the limit)."""
    deadline = time.thread_time() + PROBE_SECONDS
    end = begin + length
    first = math.floor(begin) + 1
    starts = [begin] + [Fraction(c) for c in range(first, min(math.ceil(end), first + PROBED_CYCLES))]
    return max(_density_from(count, start, end - start, deadline) for start in starts)


def _density_from(count: Callable[[Fraction, Fraction], int], start: Fraction, length: Fraction,
                  deadline: float) -> float:
    for _ in range(64):
        length /= 2
        left = deadline - time.thread_time()
        if left <= 0:
            return 0.0
        try:
            with metered(PROBE, left):
                found = count(start, length)
        except Exhausted:
            continue
        if found <= PROBE:
            return found / length
    return 0.0


def _rounded(number: float) -> int:
    """Two significant digits: an estimate should not look exact."""
    number = int(number)
    if number < 100:
        return number
    scale = 10 ** (len(str(number)) - 2)
    return (number + scale // 2) // scale * scale
