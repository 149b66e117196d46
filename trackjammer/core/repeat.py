"""Patterns that repeat: each cycle worked out once, then shifted.

Most patterns a performer types repeat after a few cycles: `[a <b c>]` every
two, `{a b c, d e}%4` every fifteen, `Sine(1/4).segment(16)` every four.
Such a pattern knows its period (`Pattern.period`: a whole number of cycles,
or None when unknown or never, as with anything random): the primitives
work it out from their parts (`period_lcm`), and a join, whose parts are
only known once its outer pattern is asked, works it out then (a function
in place of the number, `period_of` calls it once).

A repeating pattern asked for one whole cycle answers from `cycles`: the
first time a cycle of its period is asked, the pattern's own query works it
out, and it is kept as plain integers (`Cycle`); every later cycle that
falls on the same place in the period is that cycle shifted by a whole
number of periods, so its events are built from numerators and
denominators, without any Fraction arithmetic. The answer is the very list
the query gives, fragments, order and values included (tests/core check it
against the query on random patterns). Other spans are asked of the query.
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any, Callable

from trackjammer.core.event import Event
from trackjammer.core.span import TimeSpan
from trackjammer.core.time import coprime

MAX_PERIOD = 64  # cycles: longer periods are not kept (a cycle each; few patterns repeat this late)
MAX_EVENTS = 2048  # events of one cycle kept at most (a denser cycle is asked each time)
MISSING = object()

Period = Any  # int, None, or a function giving one (a join's, worked out when first needed)


def period_of(pattern: Any) -> int | None:
    """The pattern's period in cycles, or None (worked out now if it was waiting)."""
    period = pattern.period
    if callable(period):
        period = pattern.period = _worked_out(period)
    return period


def _worked_out(later: Callable[[], int | None]) -> int | None:
    period = later()
    return None if period is not None and period > MAX_PERIOD else period


def period_lcm(*periods: Period) -> Period:
    """The period of patterns played together: the least common multiple of
    theirs (None when any is None); a function when any is not known yet."""
    if any(p is None for p in periods):
        return None
    if any(callable(p) for p in periods):
        def later() -> int | None:
            known = [p() if callable(p) else p for p in periods]
            return None if any(p is None for p in known) else _bounded(math.lcm(*known))
        return later
    return _bounded(math.lcm(*periods))


def _bounded(period: int) -> int | None:
    return period if period <= MAX_PERIOD else None


def times_period(period: Period, factor: Fraction) -> Period:
    """The period of a pattern sped up by `factor` (> 0): the fewest whole
    cycles in which it goes through a whole number of its own periods."""
    if period is None:
        return None
    if callable(period):
        def later() -> int | None:
            known = period()
            return None if known is None else times_period(known, factor)
        return later
    p, q = factor.numerator, factor.denominator
    return _bounded(period * q // math.gcd(period * q, p))


class Cycle:
    """The events of one cycle as integers, to be rebuilt `shift` cycles later.
    Each distinct time is (numerator, denominator); each distinct span is a
    pair of time indices; each event is (whole index or -1, part index,
    value, context)."""

    __slots__ = ("cycle", "times", "spans", "events")

    def __init__(self, cycle: int, events: list[Event]):
        self.cycle = cycle
        times: dict[Fraction, int] = {}
        spans: dict[tuple[int, int], int] = {}

        def span_index(span: TimeSpan) -> int:
            key = (times.setdefault(span.begin, len(times)), times.setdefault(span.end, len(times)))
            return spans.setdefault(key, len(spans))

        self.events = tuple(
            (-1 if e.whole is None else span_index(e.whole), span_index(e.part), e.value, e.context) for e in events)
        self.times = tuple((t.numerator, t.denominator) for t in times)
        self.spans = tuple(spans)

    def at(self, cycle: int) -> list[Event]:
        """The events of `cycle`, which lies a whole number of periods from this one."""
        shift = cycle - self.cycle
        times = [coprime(n + shift * d, d) for n, d in self.times]  # n + shift·d and d: still no common factor
        spans = [TimeSpan(times[b], times[e]) for b, e in self.spans]
        return [Event(None if w < 0 else spans[w], spans[p], value, context) for w, p, value, context in self.events]


def cycles(query: Callable, period: Period) -> Callable:
    """`query`, answering whole cycles of a pattern that repeats every
    `period` cycles from its cycles worked out before (see the module's
    docstring). It holds the period, not the pattern: a closure over the
    pattern whose query it is would be a reference cycle, garbage only the
    collector frees (which the export keeps paused)."""
    kept: dict[int, Cycle | None] = {}  # place in the period → its cycle (None: too dense to keep)
    known = [period]  # a function is called once, when first needed

    def repeating(state: Any) -> list[Event]:
        begin, end = state.span
        if begin.denominator != 1 or end.denominator != 1 or end.numerator - begin.numerator != 1 or not ENABLED:
            return query(state)
        period = known[0]
        if type(period) is not int:
            if period is None:
                return query(state)
            period = known[0] = _worked_out(period)
            if period is None:
                return query(state)
        cycle = begin.numerator
        place = cycle % period
        done = kept.get(place, MISSING)
        if done is None:  # too dense to keep
            return query(state)
        if done is not MISSING:
            return done.at(cycle)
        events = query(state)
        kept[place] = Cycle(cycle, events) if len(events) <= MAX_EVENTS else None  # one store: safe from any thread
        return events

    return repeating


ENABLED = True  # tests turn it off to compare with the patterns' own queries
