"""TimeSpan: an immutable half-open interval [begin, end) of cycles."""

from __future__ import annotations

from fractions import Fraction
from typing import Callable, NamedTuple

from trackjammer.core.limits import MAX_CYCLES_PER_QUERY, charge, too_many_cycles
from trackjammer.core.time import sam


class TimeSpan(NamedTuple):
    begin: Fraction
    end: Fraction

    @property
    def duration(self) -> Fraction:
        return self.end - self.begin

    def cycles(self, weight: int = 1) -> list[TimeSpan]:
        """Split at cycle boundaries. A zero-width span stays whole. A span
        over several cycles is work (`weight` events in each cycle): what it
        covers of them, and one more for each piece, is counted against the
        query's budget (core/limits.py) before it is done. (Counting each
        cycle touched whole made a live window across a cycle boundary, 1/20
        of a cycle, count twice a cycle's events: `[C5*512]` was refused.)"""
        begin, end = self
        # Compared as integers (numerator × denominator): much cheaper than
        # Fraction's own comparisons, and this runs for every query.
        end_n, end_d = end.numerator, end.denominator
        begin_n, begin_d = begin.numerator, begin.denominator
        if begin_n * end_d >= end_n * begin_d:
            return [self] if begin_n * end_d == end_n * begin_d else []
        boundary = begin_n // begin_d + 1
        if boundary * end_d >= end_n:
            return [self]
        count = -(-end_n // end_d) - (boundary - 1)
        if count > MAX_CYCLES_PER_QUERY:
            raise too_many_cycles(count)
        covered = -(-(end_n * begin_d - begin_n * end_d) * weight // (end_d * begin_d))  # ⌈length × weight⌉
        charge(min(count * weight, covered + count))
        pieces = [TimeSpan(begin, Fraction(boundary))]
        while True:
            begin = Fraction(boundary)
            boundary += 1
            if boundary * end_d >= end_n:
                pieces.append(TimeSpan(begin, end))
                return pieces
            pieces.append(TimeSpan(begin, Fraction(boundary)))

    def with_time(self, f: Callable[[Fraction], Fraction]) -> TimeSpan:
        return TimeSpan(f(self.begin), f(self.end))

    def with_cycle(self, f: Callable[[Fraction], Fraction]) -> TimeSpan:
        """Apply `f` to the times relative to the cycle of `begin`."""
        cycle = sam(self.begin)
        return TimeSpan(cycle + f(self.begin - cycle), cycle + f(self.end - cycle))

    def intersection(self, other: TimeSpan) -> TimeSpan | None:
        """The overlap of two spans, or None when they do not touch.

        A zero-width span touching the other span's begin counts as overlap,
        so point queries find the events that start there. When one span lies
        inside the other, that span itself is returned (no new object).
        """
        self_begin, self_end = self
        other_begin, other_end = other
        if other_begin <= self_begin and self_end <= other_end and self_begin < self_end:
            return self
        if self_begin <= other_begin and other_end <= self_end and other_begin < other_end:
            return other
        begin = self_begin if self_begin > other_begin else other_begin
        end = self_end if self_end < other_end else other_end
        if begin > end:
            return None
        if begin == end:
            # Zero width: only meaningful when one of the spans is a point
            # inside the other, not when two spans merely abut.
            if end == self.end and self.begin < self.end:
                return None
            if end == other.end and other.begin < other.end:
                return None
        return TimeSpan(begin, end)

    def contains(self, t: Fraction) -> bool:
        return self.begin <= t < self.end

    def __repr__(self) -> str:
        return f"({self.begin}→{self.end})"
