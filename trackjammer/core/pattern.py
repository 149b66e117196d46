"""Pattern: a function from a query (a time span and a seed) to events.

This module holds the few primitives every transformation is written with:
reshaping the query (`with_query_span`) and the events (`with_event_span`,
`with_events`, `fmap`, `filter_events`, `filter_values`), combining two
patterns (`app_left`: structure from the left; `app_onset`: the right sampled
at each left onset), flattening patterns of patterns (`inner_join`,
`squeeze_join`), speed and shift (`fast_by`, `late_by`), choosing a pattern
per cycle (`cycle_choice`), and templates for patterns that are the same
every cycle (`template_pattern`). Everything else lives in `constructors` and
`transforms/`, and is reached as methods through the registry.
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any, Callable, NamedTuple

from trackjammer.core.event import Event
from trackjammer.core import repeat
from trackjammer.core.limits import charge, metered
from trackjammer.core.repeat import Period, period_lcm, period_of, times_period
from trackjammer.core.span import TimeSpan
from trackjammer.core.time import coprime, sam, to_time
from trackjammer.errors import TrackJammerError


def _too_deep() -> TrackJammerError:
    return TrackJammerError("this pattern is nested too deeply to play", hint="build it from fewer nested transformations")


class State(NamedTuple):
    """What a query asks for: a span of cycles, under a random seed."""

    span: TimeSpan
    seed: int = 0

    def with_span(self, span: TimeSpan) -> State:
        return State(span, self.seed)


Query = Callable[[State], list[Event]]
Template = tuple[tuple[Fraction, Fraction, Any, tuple], ...]


class Pattern:
    """A pattern of values over cyclic time.

    Methods not defined here (`fast`, `every`, `scale`, ...) are looked up in
    the transformation registry, so each one exists exactly once and is
    available both as a method and as a curried free function.
    """

    __slots__ = ("query", "template", "period", "__weakref__")  # weakref: the provenance table (lang.provenance)

    def __init__(self, query: Query, template: Template | None = None, period: Period = None):
        # When not None: this pattern is the same every cycle, and these are
        # its events within one cycle as (begin, end, value, context), with
        # 0 <= begin < end <= 1. Sequences of plain values keep it, so they
        # are merged into one flat template instead of nested queries.
        self.template = template
        # After how many cycles it repeats (None: unknown, or never); a
        # repeating pattern answers a whole cycle from the same place of an
        # earlier period, shifted (core/repeat.py).
        self.period = 1 if template is not None else period
        self.query = query if self.period is None or template is not None else repeat.cycles(query, self.period)

    # -- asking for events ------------------------------------------------

    def query_span(self, begin: object, end: object, seed: int = 0) -> list[Event]:
        try:
            return self.query(State(TimeSpan(to_time(begin), to_time(end)), seed))
        except RecursionError:
            raise _too_deep() from None

    def onsets(self, begin: object, end: object, seed: int = 0) -> list[Event]:
        """Events whose onset lies in [begin, end), sorted by time (none when
        the window is empty: a point query is `value_at`'s business)."""
        begin, end = to_time(begin), to_time(end)
        if begin >= end:
            return []
        found = [e for e in self.query_span(begin, end, seed)
                 if (whole := e.whole) is not None and (e.part is whole or whole.begin == e.part.begin)]
        found.sort(key=_onset_order)
        return found

    def value_at(self, t: object, seed: int = 0) -> Any:
        """Sample the pattern at one point of time (None where it is silent)."""
        t = to_time(t)
        try:
            events = self.query(State(TimeSpan(t, t), seed))
        except RecursionError:
            raise _too_deep() from None
        return events[0].value if events else None

    # -- reshaping queries and events --------------------------------------

    def split_queries(self) -> Pattern:
        """Query one cycle at a time, so the query function never spans two."""
        inner = self.query

        def query(state: State) -> list[Event]:
            span = state.span
            if span.begin.__floor__() == span.end.__floor__() or span.end == span.begin.__floor__() + 1:
                return inner(state)
            events: list[Event] = []
            for piece in span.cycles():
                events.extend(inner(State(piece, state.seed)))
            return events

        return Pattern(query, period=self.period)

    def with_query_span(self, f: Callable[[TimeSpan], TimeSpan]) -> Pattern:
        inner = self.query
        return Pattern(lambda state: inner(State(f(state.span), state.seed)))

    def with_event_span(self, f: Callable[[TimeSpan], TimeSpan]) -> Pattern:
        inner = self.query
        return Pattern(lambda state: [e.with_span(f) for e in inner(state)])

    def with_events(self, f: Callable[[list[Event]], list[Event]], same_times: bool = False) -> Pattern:
        """`f` applied to each answer; `same_times`: it changes values and
        which events there are, never their times (so the period stays)."""
        inner = self.query
        return Pattern(lambda state: f(inner(state)), period=self.period if same_times else None)

    def fmap(self, f: Callable[[Any], Any]) -> Pattern:
        if self.template is not None:
            return template_pattern(tuple((b, e, f(v), c) for b, e, v, c in self.template))
        inner = self.query
        return Pattern(lambda state: [Event(e.whole, e.part, f(e.value), e.context) for e in inner(state)],
                       period=self.period)

    def filter_events(self, keep: Callable[[Event], bool]) -> Pattern:
        inner = self.query
        return Pattern(lambda state: [e for e in inner(state) if keep(e)])

    def filter_values(self, keep: Callable[[Any], bool]) -> Pattern:
        if self.template is not None:
            return template_pattern(tuple(slot for slot in self.template if keep(slot[2])))
        inner = self.query
        return Pattern(lambda state: [e for e in inner(state) if keep(e.value)], period=self.period)

    # -- combining two patterns ----------------------------------------------

    def app_left(self, other: Pattern, f: Callable[[Any, Any], Any]) -> Pattern:
        """Combine values; the structure (wholes) comes from `self`."""
        combined = _app_left_templates(self.template, other.template, f)
        if combined is not None:
            return template_pattern(combined)
        left_query, right_query = self.query, other.query

        def query(state: State) -> list[Event]:
            events = []
            for left in left_query(state):
                for right in right_query(state.with_span(left.whole_or_part())):
                    part = left.part.intersection(right.part)
                    if part is not None:
                        events.append(Event(left.whole, part, f(left.value, right.value), left.context + right.context))
            return events

        return Pattern(query, period=period_lcm(self.period, other.period))

    def app_onset(self, other: Pattern, f: Callable[[Any, Any], Any]) -> Pattern:
        """Combine each event of `self` with the value(s) `other` has at that
        event's onset: a note's velocity or transposition is decided where the
        note starts, whatever the query window. Events where `other` is silent
        at the onset are dropped."""
        left_query, right_query = self.query, other.query

        def query(state: State) -> list[Event]:
            events = []
            for left in left_query(state):
                onset = left.whole_or_part().begin
                for right in right_query(State(TimeSpan(onset, onset), state.seed)):
                    events.append(Event(left.whole, left.part, f(left.value, right.value), left.context + right.context))
            return events

        return Pattern(query, period=period_lcm(self.period, other.period))

    # -- patterns of patterns -------------------------------------------------

    def inner_join(self) -> Pattern:
        """Flatten; the structure comes from the inner patterns."""
        outer_query = self.query

        def query(state: State) -> list[Event]:
            events = []
            for outer in outer_query(state):
                found = outer.value.query(state.with_span(outer.part))
                charge(len(found))  # many small inner queries are work too (core/limits.py)
                for inner in found:
                    events.append(Event(inner.whole, inner.part, inner.value, outer.context + inner.context))
            return events

        return Pattern(query, period=self._joined_period())

    def squeeze_join(self) -> Pattern:
        """Flatten by squeezing one cycle of each inner pattern into the whole
        of the outer event that holds it."""
        outer_query = self.query

        def query(state: State) -> list[Event]:
            events = []
            for outer in outer_query(state):
                whole = outer.whole_or_part()
                if whole.duration <= 0:
                    continue
                # Focus cycle sam(begin) of the inner pattern onto the whole
                # (like Strudel's focus): unlike compress, this also works
                # for wholes longer than a cycle or crossing a cycle boundary.
                squeezed = (
                    outer.value.late_by(-sam(whole.begin)).fast_by(1 / whole.duration).late_by(whole.begin)
                )
                found = squeezed.query(state.with_span(outer.part))
                charge(len(found))  # many small inner queries are work too (core/limits.py)
                for inner in found:
                    part = inner.part.intersection(outer.part)
                    if part is None:
                        continue
                    if inner.whole is None or outer.whole is None:
                        inner_whole = inner.whole
                    else:
                        inner_whole = inner.whole.intersection(outer.whole)
                        if inner_whole is None:
                            continue
                    events.append(Event(inner_whole, part, inner.value, outer.context + inner.context))
            return events

        return Pattern(query, period=self._joined_period())

    def _joined_period(self) -> Period:
        """A join of this pattern of patterns repeats when this pattern and
        every pattern it holds do: known once this one has been asked for
        one of its periods (so it is worked out when first needed)."""
        if self.period is None:
            return None

        def later() -> int | None:
            outer = period_of(self)
            if outer is None:
                return None
            try:
                with metered(math.inf):  # looking is not the work of the query that asked (core/limits.py)
                    held = self._held_periods(outer)
            except Exception:  # noqa: BLE001 - a pattern that fails here fails when played, and says so there
                return None
            return None if held is None else period_lcm(outer, *held)

        return later

    def _held_periods(self, cycles: int) -> list[int] | None:
        """The periods of the patterns this one holds in its first `cycles`
        cycles (None: one of them is not a pattern, or does not repeat)."""
        periods: list[int] = []
        for cycle in range(cycles):
            for event in self.query(State(TimeSpan(Fraction(cycle), Fraction(cycle + 1)))):
                held = period_of(event.value) if isinstance(event.value, Pattern) else None
                if held is None:
                    return None
                periods.append(held)
        return periods

    # -- speed and shift ----------------------------------------------------------

    def fast_by(self, factor: object) -> Pattern:
        """Speed up by an exact factor (the primitive behind `fast`/`slow`);
        0 or less gives silence."""
        factor = to_time(factor)
        if factor <= 0:
            return Pattern(lambda state: [], ())
        if factor == 1 or self.template == ():  # silence is silence at any speed (no range(10**300) below)
            return self
        if self.template is not None and factor.denominator == 1 and len(self.template) * factor <= 1024:
            n = factor.numerator
            return template_pattern(tuple(
                ((k + b) / n, (k + e) / n, value, context) for k in range(n) for b, e, value, context in self.template
            ))
        inverse = 1 / factor
        inner = self.query

        def scale_back(span: TimeSpan) -> TimeSpan:
            return TimeSpan(span.begin * inverse, span.end * inverse)

        def query(state: State) -> list[Event]:
            span = state.span
            found = inner(State(TimeSpan(span.begin * factor, span.end * factor), state.seed))
            return [e.with_span(scale_back) for e in found]

        return Pattern(query, period=times_period(self.period, factor))

    def late_by(self, offset: Fraction) -> Pattern:
        """Shift later by an exact amount (the primitive behind `late`/`early`)."""
        if offset == 0:
            return self
        inner = self.query

        def shift_back(span: TimeSpan) -> TimeSpan:
            return TimeSpan(span.begin + offset, span.end + offset)

        def query(state: State) -> list[Event]:
            span = state.span
            found = inner(State(TimeSpan(span.begin - offset, span.end - offset), state.seed))
            return [e.with_span(shift_back) for e in found]

        return Pattern(query, period=self.period)

    # -- the registry supplies the rest -----------------------------------------

    # The registry (which imports this module) hands in how a name becomes a
    # method: `p.fast(2)` is the registered `fast` bound to `p`.
    method_named: Callable[[Pattern, str], Callable[..., Pattern] | None] = staticmethod(lambda pattern, name: None)

    def __getattr__(self, name: str):
        method = Pattern.method_named(self, name)
        if method is None:
            raise AttributeError(name)
        return method

    def __repr__(self) -> str:
        try:
            events = self.onsets(0, 1)
        except Exception:  # repr must never raise; show the failure instead
            return "Pattern(<error while querying>)"
        return "Pattern(" + " ".join(f"{e.whole.begin}:{e.value!r}" for e in events) + ")"


def _onset_order(event: Event) -> tuple[float, Fraction]:
    """Events in order of onset: by the float first (cheap to compare), by
    the exact time where floats tie (the same order as by the time alone)."""
    begin = event.whole.begin
    return begin.numerator / begin.denominator, begin


def _app_left_templates(left: Template | None, right: Template | None, f) -> Template | None:
    """`app_left` of two templates as a template, when each right event that
    meets a left event covers it whole (no fragments); else None."""
    if left is None or right is None:
        return None
    combined = []
    for lb, le, lv, lc in left:
        for rb, re, rv, rc in right:
            if re <= lb or rb >= le:
                continue
            if not (rb <= lb and le <= re):
                return None
            combined.append((lb, le, f(lv, rv), lc + rc))
    return tuple(combined)


def template_pattern(template: Template) -> Pattern:
    """A pattern that plays the same events every cycle (see Pattern.template)."""
    if not template:
        return Pattern(lambda state: [], ())
    weight = len(template)
    # Every time of the template as a whole number of 1/scale cycles: a query
    # is placed among the slots with integer comparisons, which cost a
    # fraction of Fraction's (a live window of 1/80 cycle asks every slot).
    scale = math.lcm(*(t.denominator for b, e, _, _ in template for t in (b, e)))
    slots = tuple((b, e, value, context, b.numerator * (scale // b.denominator), e.numerator * (scale // e.denominator),
                   b.numerator, b.denominator, e.numerator, e.denominator) for b, e, value, context in template)

    def query(state: State) -> list[Event]:
        events: list[Event] = []
        for piece in state.span.cycles(weight):
            begin, end = piece
            cycle = begin.__floor__()
            # The piece as [low / low_d, high / high_d) within its cycle.
            low_d, high_d = begin.denominator, end.denominator
            low, high = begin.numerator - cycle * low_d, end.numerator - cycle * high_d
            if low == 0 and high == high_d:  # the whole cycle: every event fits
                for _, _, value, context, _, _, bn, bd, en, ed in slots:
                    whole = TimeSpan(coprime(bn + cycle * bd, bd), coprime(en + cycle * ed, ed))
                    events.append(Event(whole, whole, value, context))
                continue
            point = low * high_d == high * low_d
            low_s, high_s = low * scale, high * scale  # compared with slot times × the piece's denominators
            for _, _, value, context, slot_begin, slot_end, bn, bd, en, ed in slots:
                if low_s >= slot_end * low_d:
                    continue
                if slot_begin * high_d >= high_s and not (point and slot_begin * low_d == low_s):
                    continue
                whole = TimeSpan(coprime(bn + cycle * bd, bd), coprime(en + cycle * ed, ed))
                starts_inside = low_s <= slot_begin * low_d
                ends_inside = slot_end * high_d <= high_s
                if starts_inside and ends_inside:
                    part = whole
                else:
                    part = TimeSpan(whole.begin if starts_inside else begin, whole.end if ends_inside else end)
                events.append(Event(whole, part, value, context))
        return events

    return Pattern(query, template)


def cycle_choice(choose: Callable[[int], Pattern]) -> Pattern:
    """A pattern that, in cycle c, plays `choose(c)` (queried at cycle c)."""

    def query(state: State) -> list[Event]:
        return choose(state.span.begin.__floor__()).query(state)

    return Pattern(query).split_queries()
