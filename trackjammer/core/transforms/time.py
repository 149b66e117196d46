"""Transformations of time: speed, shifts, reversal, cycle-by-cycle variation."""

from __future__ import annotations

from fractions import Fraction

from trackjammer.core.constructors import pure, silence, stack
from trackjammer.core.event import Event
from trackjammer.core.limits import charge
from trackjammer.core.pattern import Pattern, State, cycle_choice
from trackjammer.core.registry import apply_function, transformation
from trackjammer.core.span import TimeSpan
from trackjammer.core.time import cycle_pos
from trackjammer.errors import ArgumentError


@transformation(kinds={"factor": "time"}, family="time")
def fast(pat: Pattern, factor) -> Pattern:
    """Play `factor` times faster: [a b].fast(2) is [a b a b]."""
    return pat.fast_by(factor)


@transformation(kinds={"factor": "time"}, family="time")
def slow(pat: Pattern, factor) -> Pattern:
    """Play `factor` times slower: [a b].slow(2) takes two cycles."""
    return pat.fast_by(1 / factor) if factor > 0 else pat.fast_by(0)


@transformation(kinds={"offset": "time"}, family="time")
def early(pat: Pattern, offset) -> Pattern:
    """Shift earlier by `offset` cycles: [a b c d].early(1/4) is [b c d a]."""
    return pat.late_by(-offset)


@transformation(kinds={"offset": "time"}, family="time")
def late(pat: Pattern, offset) -> Pattern:
    """Shift later by `offset` cycles: [a b c d].late(1/4) is [d a b c]."""
    return pat.late_by(offset)


@transformation(family="time")
def rev(pat: Pattern) -> Pattern:
    """Reverse each cycle: [a b c] becomes [c b a]."""

    def reversed_cycle(cycle: int) -> Pattern:
        mirror = 2 * cycle + 1  # t -> mirror - t reflects cycle c onto itself

        def reflect(span: TimeSpan) -> TimeSpan:
            return TimeSpan(mirror - span.end, mirror - span.begin)

        return pat.with_query_span(reflect).with_event_span(reflect)

    return cycle_choice(reversed_cycle)


@transformation(kinds={"times": "time"}, family="time")
def ply(pat: Pattern, times) -> Pattern:
    """Repeat each event `times` times within its own span: [a b].ply(2) is [[a a] [b b]]."""
    return pat.fmap(lambda value: pure(value).fast_by(times)).squeeze_join()


@transformation("iter", kinds={"divisions": "int"}, family="time")
def iter_(pat: Pattern, divisions) -> Pattern:
    """Start each cycle 1/divisions later in the pattern: [a b c d].iter(4) plays
    a b c d, then b c d a, then c d a b, ... No parts (0 or less): nothing, as in Strudel."""
    if divisions <= 0:
        return silence
    return cycle_choice(lambda cycle: pat.late_by(-Fraction(cycle % divisions, divisions)))


@transformation("iterBack", kinds={"divisions": "int"}, family="time")
def iter_back(pat: Pattern, divisions) -> Pattern:
    """iter the other way: [a b c d].iterBack(4) plays a b c d, then d a b c,
    then c d a b, ... (Strudel's iterBack, Tidal's iter'). No parts: nothing."""
    if divisions <= 0:
        return silence
    return cycle_choice(lambda cycle: pat.late_by(Fraction(cycle % divisions, divisions)))


@transformation(kinds={"offset": "time", "cycles": "positive time"}, family="time", aliases=("rib",))
def ribbon(pat: Pattern, offset, cycles) -> Pattern:
    """Loop `cycles` cycles of the pattern from cycle `offset` on, forever:
    [<C4 D4 E4 F4>].ribbon(1, 2) plays D4 E4 D4 E4 ...; a note running past
    the loop's end is cut there (Strudel's ribbon, rib)."""
    start = pat.late_by(-offset)

    def query(state: State) -> list[Event]:
        found: list[Event] = []
        span = state.span
        first = (span.begin / cycles).__floor__()
        last = max(first + 1, (span.end / cycles).__ceil__())
        charge(last - first)  # a loop of 1/100000 cycle is that many queries a cycle (core/limits.py)
        for loop in range(first, last):
            bounds = TimeSpan(loop * cycles, (loop + 1) * cycles)
            piece = span.intersection(bounds)
            if piece is None:
                continue
            for event in start.late_by(bounds.begin).query(state.with_span(piece)):
                part = event.part.intersection(bounds)
                if part is not None:
                    whole = None if event.whole is None else event.whole.intersection(bounds)
                    found.append(Event(whole, part, event.value, event.context))
        return found

    # It repeats every `cycles` (a whole number of cycles: the numerator), but the
    # repeat cache (core/repeat.py) serves every seed alike: only a pattern with a
    # period of its own is known not to hang on the seed (randomness has none).
    return Pattern(query, period=Fraction(cycles).numerator if pat.period is not None else None)


@transformation(family="time")
def palindrome(pat: Pattern) -> Pattern:
    """Forwards, then backwards, every other cycle."""
    backwards = rev(pat)
    return cycle_choice(lambda cycle: backwards if cycle % 2 else pat)


@transformation(kinds={"period": "int", "function": "function"}, family="time", aliases=("firstOf",))
def every(pat: Pattern, period, function) -> Pattern:
    """Apply `function` in the first of every `period` cycles (cycles 0, period, 2×period, ...);
    firstOf is the same (Strudel's name)."""
    if period <= 0:
        return pat
    changed = apply_function(function, pat, "every")
    return cycle_choice(lambda cycle: changed if cycle % period == 0 else pat)


@transformation(kinds={"offset": "time", "function": "function"}, family="time")
def off(pat: Pattern, offset, function) -> Pattern:
    """Add a copy shifted `offset` cycles later, with `function` applied to it."""
    return stack(pat, apply_function(function, pat.late_by(offset), "off"))


@transformation(kinds={"amount": "time", "subdivision": "time"}, family="time", aliases=("swingBy",))
def swing(pat: Pattern, amount, subdivision=4) -> Pattern:
    """Delay the off-beats: in each 1/subdivision of a cycle, events starting in
    the second half move later by `amount` of that half (0 straight, 1/3 a
    triplet feel); swingBy is the same (Strudel's name, and order)."""
    if abs(amount) > 1:  # past the next beat: Strudel's swing(4), read as an amount
        raise ArgumentError(f"swing's amount is a share of half a beat, from -1 to 1; got {amount}",
                            hint=f"swing(1/3, {amount}) swings {amount} beats a cycle by a triplet feel "
                                 f"(Strudel's swing({amount}))")
    if subdivision <= 0 or amount == 0:
        return pat
    shift = amount / (2 * subdivision)

    def offbeat(event) -> bool:
        return cycle_pos(event.whole_or_part().begin * subdivision) >= Fraction(1, 2)

    return stack(pat.filter_events(lambda e: not offbeat(e)), pat.filter_events(offbeat).late_by(shift))


@transformation(kinds={"steps": "time"}, family="time")
def segment(pat: Pattern, steps) -> Pattern:
    """Sample into `steps` events per cycle (turns a signal into notes or CC steps)."""
    return pure(True).fast_by(steps).app_left(pat, lambda _, value: value)
