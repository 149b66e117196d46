"""Fitting each cycle into part of itself: `fastGap` plays a cycle faster
and leaves the rest silent, `compress` puts it between two points of the
cycle, `zoom` stretches a window of it over the whole cycle, and `press`
squeezes each event into the later part of its own span (Strudel's names
and readings, checked against Strudel itself in tests/strudel)."""

from __future__ import annotations

from fractions import Fraction

from trackjammer.core.constructors import pure, silence
from trackjammer.core.event import Event
from trackjammer.core.pattern import Pattern, State, cycle_choice
from trackjammer.core.registry import transformation
from trackjammer.core.span import TimeSpan


@transformation("fastGap", kinds={"factor": "time"}, family="time")
def fast_gap(pat: Pattern, factor) -> Pattern:
    """Play each cycle `factor` times faster, once, and leave the rest of
    the cycle silent: [C4 E4].fastGap(2) is [[C4 E4] ~]."""
    if factor <= 0:
        return silence

    def query(state: State) -> list[Event]:
        found: list[Event] = []
        for piece in state.span.cycles():
            cycle = Fraction(piece.begin.__floor__())
            begin = min(Fraction(1), (piece.begin - cycle) * factor)
            end = min(Fraction(1), (piece.end - cycle) * factor)
            if begin >= 1:  # the silent rest of the cycle
                continue
            for event in pat.query(state.with_span(TimeSpan(cycle + begin, cycle + end))):
                found.append(_squeezed(event, cycle, factor))
        return found

    return Pattern(query)


def _squeezed(event: Event, cycle: Fraction, factor) -> Event:
    """An event of `cycle` played `factor` times faster from the cycle's start;
    its whole keeps its length around the part (it may reach past the cycle)."""
    part = event.part
    begin = cycle + min(Fraction(1), (part.begin - cycle) / factor)
    end = cycle + min(Fraction(1), (part.end - cycle) / factor)
    whole = event.whole
    if whole is not None:
        whole = TimeSpan(begin - (part.begin - whole.begin) / factor, end + (whole.end - part.end) / factor)
    return Event(whole, TimeSpan(begin, end), event.value, event.context)


@transformation(kinds={"start": "time", "end": "time"}, family="time")
def compress(pat: Pattern, start, end) -> Pattern:
    """Play each cycle between `start` and `end` (fractions of the cycle),
    silent outside: [C4 E4].compress(1/4, 3/4) is [~ C4 E4 ~]."""
    if not 0 <= start <= end <= 1 or start == end:
        return silence
    return fast_gap(pat, 1 / (end - start)).late_by(start)


@transformation(kinds={"start": "time", "end": "time"}, family="time")
def zoom(pat: Pattern, start, end) -> Pattern:
    """Stretch the part of each cycle from `start` to `end` over the whole
    cycle: [C4 E4 G4 B4].zoom(1/4, 3/4) is [E4 G4]."""
    if start >= end:
        return silence
    length = end - start

    def zoomed(cycle: int) -> Pattern:
        def inward(span: TimeSpan) -> TimeSpan:
            return span.with_time(lambda t: cycle + (t - cycle) * length + start)

        def outward(span: TimeSpan) -> TimeSpan:
            return span.with_time(lambda t: cycle + (t - cycle - start) / length)

        return pat.with_query_span(inward).with_event_span(outward)

    return cycle_choice(zoomed)


@transformation("pressBy", kinds={"share": "time"}, family="time")
def press_by(pat: Pattern, share) -> Pattern:
    """Squeeze each event into the last part of its span, from `share` of it
    on: pressBy(1/2) is press; pressBy(1/3) starts each a third in."""
    return pat.fmap(lambda value: compress(pure(value), share, 1)).squeeze_join()


@transformation(family="time")
def press(pat: Pattern) -> Pattern:
    """Syncopate: each event moves halfway into its own span, and lasts the rest of it."""
    return press_by(pat, Fraction(1, 2))
