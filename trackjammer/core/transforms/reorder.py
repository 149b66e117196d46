"""Rearranging what a pattern plays within each cycle: values moved along
the events (`rot`), the start of a cycle repeated (`linger`), slices of a
cycle played in random order (`shuffle`, `scramble`) or in the order a
pattern of indices gives (`bite`); and the patterns made
from nothing but a count or a list (`run`, `choose`).

Random orders are a function of the seed and the cycle (core.rand), so they
are the same live and in export.
"""

from __future__ import annotations

from bisect import bisect_right
from fractions import Fraction
from functools import lru_cache
from itertools import accumulate
from typing import Any, Callable

from trackjammer.core.constructors import fastcat, pure, silence
from trackjammer.core.event import Event
from trackjammer.core.limits import check_steps
from trackjammer.core.pattern import Pattern, State
from trackjammer.core.rand import rand_at, rand_int_at, salt_of
from trackjammer.core.registry import describe, transformation
from trackjammer.core.span import TimeSpan
from trackjammer.core.theory import note_number
from trackjammer.core.transforms.squeeze import zoom
from trackjammer.core.values import is_number
from trackjammer.errors import ArgumentError

SHUFFLE_SALT = salt_of("shuffle")
SCRAMBLE_SALT = salt_of("scramble")
CHOOSE_SALT = salt_of("choose")
WCHOOSE_SALT = salt_of("wchoose")


@transformation(kinds={"steps": "int"}, family="structure")
def rot(pat: Pattern, steps) -> Pattern:
    """Move each value `steps` events along within its cycle, keeping the
    rhythm: [a ~ b c].rot(1) plays [b ~ c a] (as Tidal's rot)."""

    def query(state: State) -> list[Event]:
        events: list[Event] = []
        for piece in state.span.cycles():
            cycle = piece.begin.__floor__()
            whole_cycle = TimeSpan(Fraction(cycle), Fraction(cycle + 1))
            found = [e for e in pat.query(state.with_span(whole_cycle)) if e.whole is not None]
            found.sort(key=lambda e: (e.whole.begin, e.part.begin))
            count = len(found)
            for i, e in enumerate(found):
                part = e.part.intersection(piece)
                if part is not None:
                    events.append(Event(e.whole, part, found[(i + steps) % count].value, e.context))
        return events

    return Pattern(query)


def _placed(pat: Pattern, places: Callable[[int, int], list[tuple[TimeSpan, Fraction]]]) -> Pattern:
    """In cycle c, for each (destination span, shift) of `places(c, seed)`,
    play `pat` shifted later by `shift`, cut to the destination."""

    def query(state: State) -> list[Event]:
        events: list[Event] = []
        for piece in state.span.cycles():
            for destination, shift in places(piece.begin.__floor__(), state.seed):
                part = piece.intersection(destination)
                if part is None or (part.begin == part.end and part.begin == destination.end):
                    continue
                source = TimeSpan(part.begin - shift, part.end - shift)
                for e in pat.query(state.with_span(source)):
                    events.append(e.with_span(lambda span: TimeSpan(span.begin + shift, span.end + shift)))
        return events

    return Pattern(query)


@transformation(kinds={"fraction": "time"}, family="structure")
def linger(pat: Pattern, fraction) -> Pattern:
    """Repeat the first `fraction` of each cycle to fill it: [0 1 2 3 4 5 6 7]
    .linger(1/4) plays [0 1 0 1 0 1 0 1]; a negative fraction repeats the end."""
    if fraction == 0:
        return silence
    size = abs(fraction)
    if size >= 1:
        return pat
    start = 0 if fraction > 0 else 1 - size
    count = -(-1 // size)  # ceiling of 1 / size
    check_steps(count, "linger")

    def places(cycle: int, seed: int) -> list[tuple[TimeSpan, Fraction]]:
        return [
            (TimeSpan(cycle + r * size, min(cycle + (r + 1) * size, Fraction(cycle + 1))), r * size - start)
            for r in range(count)
        ]

    return _placed(pat, places)


def _slices(pat: Pattern, parts: int, index_of: Callable[[int, int, int], int]) -> Pattern:
    """Cut each cycle into `parts` slices; slice k plays slice index_of(cycle, k, seed)."""
    if parts <= 0:
        return silence
    check_steps(parts, "a shuffle")

    def places(cycle: int, seed: int) -> list[tuple[TimeSpan, Fraction]]:
        return [
            (TimeSpan(cycle + Fraction(k, parts), cycle + Fraction(k + 1, parts)),
             Fraction(k - index_of(cycle, k, seed), parts))
            for k in range(parts)
        ]

    return _placed(pat, places)


@transformation(kinds={"slices": "positive time", "indices": "pattern"}, family="structure")
def bite(pat: Pattern, slices, indices) -> Pattern:
    """Cut each cycle into `slices` equal parts and play them in the order
    `indices` gives, each squeezed into its index's step (Strudel's bite):
    [C4 D4 E4 F4].bite(4, [3 2 1 0]) plays the quarters backwards."""

    def part(index: Any) -> Pattern:
        if not is_number(index):
            raise ArgumentError(f"bite's indices are numbers, got {describe(index)}",
                                hint="number the slices from 0: bite(4, [0 2 1 3])")
        start = (Fraction(index) / slices) % 1
        return zoom(pat, start, start + 1 / Fraction(slices))

    return indices.fmap(part).squeeze_join()


@lru_cache(maxsize=256)
def _permutation(seed: int, cycle: int, parts: int) -> tuple[int, ...]:
    """A random order of 0 … parts-1 for one cycle."""
    return tuple(sorted(range(parts), key=lambda j: rand_at(seed, Fraction(cycle) + Fraction(j, parts), SHUFFLE_SALT)))


@transformation(kinds={"parts": "int"}, family="chance")
def shuffle(pat: Pattern, parts) -> Pattern:
    """Cut each cycle into `parts` slices and play them in a random order,
    each slice once per cycle: [C4 D4 E4 F4].shuffle(4)."""
    return _slices(pat, parts, lambda cycle, k, seed: _permutation(seed, cycle, parts)[k])


@transformation(kinds={"parts": "int"}, family="chance")
def scramble(pat: Pattern, parts) -> Pattern:
    """Cut each cycle into `parts` slices and play `parts` slices picked at
    random, so a slice may come twice and another not at all."""
    return _slices(
        pat, parts, lambda cycle, k, seed: rand_int_at(seed, cycle + Fraction(k, parts), parts, SCRAMBLE_SALT)
    )


@transformation("run", constructor=True, kinds={"count": "int"}, family="structure")
def run_(count=4) -> Pattern:
    """The numbers 0 … count-1 in one cycle: run(4) is [0 1 2 3]."""
    if count <= 0:
        return silence
    check_steps(count, "run")
    return fastcat(*(pure(i) for i in range(count)))


def _choice(value: Any) -> Pattern:
    if isinstance(value, Pattern):
        return value
    if is_number(value):
        return pure(value)
    if isinstance(value, str):
        try:
            return pure(note_number(value))
        except ValueError:
            pass
    raise ArgumentError(f"choose picks from numbers, notes and patterns, not {describe(value)}",
                        hint="choose(C3, E3, G3).segment(4)")


@transformation(variadic=True, constructor=True, family="chance")
def choose(*choices) -> Pattern:
    """A value picked at random from the choices at every point of time, like
    a signal: choose(C3, E3, G3).segment(4) plays four random picks a cycle."""
    pats = [_choice(c) for c in choices]
    if not pats:
        return silence
    count = len(pats)

    def query(state: State) -> list[Event]:
        begin = state.span.begin
        picked = pats[rand_int_at(state.seed, begin, count, CHOOSE_SALT)]
        return [Event(None, state.span, e.value, e.context) for e in picked.query(state.with_span(TimeSpan(begin, begin)))[:1]]

    return Pattern(query)


def wchoose(*weighted: tuple[Any, Any]) -> Pattern:
    """choose, each value as often as its weight says: wchoose((48, 3),
    (55, 1)) picks 48 about three times in four (the language's
    wchoose(#[C3, 3], #[G3, 1]), as Tidal's and Strudel's)."""
    pairs = [(_choice(value), float(weight)) for value, weight in weighted if weight > 0]
    if not pairs:
        return silence
    ends = list(accumulate(weight for _, weight in pairs))  # each choice owns [its end − its weight, its end)
    total = ends[-1]

    def query(state: State) -> list[Event]:
        begin = state.span.begin
        picked = pairs[min(bisect_right(ends, rand_at(state.seed, begin, WCHOOSE_SALT) * total), len(pairs) - 1)][0]
        return [Event(None, state.span, e.value, e.context) for e in picked.query(state.with_span(TimeSpan(begin, begin)))[:1]]

    return Pattern(query)
