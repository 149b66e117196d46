"""Applying a function to part of a pattern: some cycles (`whenmod`), one
part of each cycle in turn (`chunk`), a window of every cycle (`within`), a
copy on top (`superimpose`), or at another time scale (`inside`, `outside`).
"""

from __future__ import annotations

from fractions import Fraction

from trackjammer.core.constructors import fastcat, silence, stack
from trackjammer.core.event import Event
from trackjammer.core.pattern import Pattern, State, cycle_choice
from trackjammer.core.registry import apply_function, transformation
from trackjammer.core.span import TimeSpan
from trackjammer.core.time import cycle_pos
from trackjammer.core.values import number_of


@transformation(kinds={"period": "int", "from_cycle": "int", "function": "function"}, family="time")
def whenmod(pat: Pattern, period, from_cycle, function) -> Pattern:
    """Apply `function` in the cycles whose number modulo `period` is
    `from_cycle` or more: whenmod(4, 2, rev) reverses cycles 2 and 3 of every 4."""
    if period <= 0:
        return pat
    changed = apply_function(function, pat, "whenmod")
    return cycle_choice(lambda cycle: changed if cycle % period >= from_cycle else pat)


@transformation("lastOf", kinds={"period": "int", "function": "function"}, family="time")
def last_of(pat: Pattern, period, function) -> Pattern:
    """Apply `function` in the last of every `period` cycles: lastOf(4, rev)
    reverses cycles 3, 7, 11 … (every and firstOf: the first)."""
    if period <= 0:
        return pat
    changed = apply_function(function, pat, "lastOf")
    return cycle_choice(lambda cycle: changed if cycle % period == period - 1 else pat)


@transformation(family="time")
def brak(pat: Pattern) -> Pattern:
    """A breakbeat feel: every other cycle plays in its first half, a
    quarter of a cycle late (Tidal's and Strudel's brak)."""
    squeezed = fastcat(pat, silence).late_by(Fraction(1, 4))
    return cycle_choice(lambda cycle: squeezed if cycle % 2 else pat)


def repeat_cycles(pat: Pattern, times: int) -> Pattern:
    """Play each cycle `times` times: cycle c plays the pattern's cycle c // times."""
    return cycle_choice(lambda cycle: pat.late_by(Fraction(cycle - cycle // times)))


def play_in(pat: Pattern, window) -> Pattern:
    """Only the parts of `pat` inside `window(cycle)` (a span of that cycle):
    events crossing its edges are cut to fragments, as Strudel's `when` does."""

    def query(state: State) -> list[Event]:
        events: list[Event] = []
        for piece in state.span.cycles():
            span = window(piece.begin.__floor__())
            inside = piece.intersection(span) if span.begin < span.end else None
            if inside is not None:
                events.extend(pat.query(state.with_span(inside)))
        return events

    return Pattern(query)


@transformation(kinds={"parts": "int", "function": "function"}, family="time")
def chunk(pat: Pattern, parts, function) -> Pattern:
    """Split each cycle into `parts` and apply `function` to one part per
    cycle, in turn: the first part in cycle 0, the second in cycle 1, ...
    As in Strudel, each cycle of the pattern is played `parts` times over."""
    return _chunked(pat, parts, function, back=False, fast=False, who="chunk")


@transformation("chunkBack", kinds={"parts": "int", "function": "function"}, family="time")
def chunk_back(pat: Pattern, parts, function) -> Pattern:
    """chunk from the last part backwards: the first part in cycle 0, the
    last in cycle 1, ... (Strudel's chunkBack, Tidal's chunk')."""
    return _chunked(pat, parts, function, back=True, fast=False, who="chunkBack")


@transformation("fastChunk", kinds={"parts": "int", "function": "function"}, family="time")
def fast_chunk(pat: Pattern, parts, function) -> Pattern:
    """chunk, but the pattern goes on cycle by cycle instead of each cycle
    being played `parts` times over (Strudel's fastChunk)."""
    return _chunked(pat, parts, function, back=False, fast=True, who="fastChunk")


def _chunked(pat: Pattern, parts: int, function, back: bool, fast: bool, who: str) -> Pattern:
    """`function` applied to part k of cycle c: k = c mod parts (back: −c mod parts)."""
    if parts <= 0:
        return pat
    if not fast:
        pat = repeat_cycles(pat, parts)
    changed = apply_function(function, pat, who)

    def chosen(cycle: int) -> TimeSpan:
        k = (-cycle if back else cycle) % parts
        return TimeSpan(cycle + Fraction(k, parts), cycle + Fraction(k + 1, parts))

    def rest_before(cycle: int) -> TimeSpan:
        return TimeSpan(Fraction(cycle), chosen(cycle).begin)

    def rest_after(cycle: int) -> TimeSpan:
        return TimeSpan(chosen(cycle).end, Fraction(cycle + 1))

    return stack(play_in(changed, chosen), play_in(pat, rest_before), play_in(pat, rest_after))


@transformation(kinds={"start": "time", "end": "time", "function": "function"}, family="time")
def within(pat: Pattern, start, end, function) -> Pattern:
    """Apply `function` to the events that start in [start, end) of each cycle
    (fractions of a cycle): within(0, 1/2, fast(2))."""

    def inside(event: Event) -> bool:
        return start <= cycle_pos(event.whole_or_part().begin) < end

    changed = apply_function(function, pat, "within")
    return stack(changed.filter_events(inside), pat.filter_events(lambda e: not inside(e)))


@transformation(kinds={"function": "function"}, family="time")
def superimpose(pat: Pattern, function) -> Pattern:
    """Play the pattern and, on top, a copy changed by `function`:
    superimpose(transpose(12)) doubles it an octave up."""
    return stack(pat, apply_function(function, pat, "superimpose"))


@transformation(variadic=True, each="function", family="time")
def layer(pat: Pattern, *functions) -> Pattern:
    """Play a copy of the pattern changed by each function, together (not the
    pattern itself: superimpose keeps it): layer(rev, add(7))."""
    return stack(*(apply_function(function, pat, "layer") for function in functions))


@transformation(kinds={"condition": "number", "function": "function"}, family="time")
def when(pat: Pattern, condition, function) -> Pattern:
    """Apply `function` where `condition` is true (not 0): when("<0 1>", rev)
    reverses every other cycle, when([0 1], add(12)) the second half of each."""
    return apply_function(function, pat, "when") if number_of(condition) else pat


@transformation(kinds={"factor": "positive time", "function": "function"}, family="time")
def inside(pat: Pattern, factor, function) -> Pattern:
    """Apply `function` as if each 1/factor of a cycle were a whole cycle:
    [0 1 2 3 4 5 6 7].inside(2, rev) reverses each half."""
    return apply_function(function, pat.fast_by(1 / factor), "inside").fast_by(factor)


@transformation(kinds={"factor": "positive time", "function": "function"}, family="time")
def outside(pat: Pattern, factor, function) -> Pattern:
    """Apply `function` as if `factor` cycles were one: [<a b c d>].outside(4, rev)
    plays the four cycles backwards."""
    return apply_function(function, pat.fast_by(factor), "outside").fast_by(1 / factor)
