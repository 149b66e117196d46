"""Choosing among patterns with a pattern of numbers: `pick` plays, at each
of its events, the pattern of that index (the index's own events only keep
time, the chosen pattern's notes sound); `pickF` applies the function of
that index. Strudel's names and readings (checked in tests/strudel)."""

from __future__ import annotations

from trackjammer.core.constructors import silence
from trackjammer.core.pattern import Pattern
from trackjammer.core.registry import apply_function, describe, transformation
from trackjammer.core.values import is_number, number_of
from trackjammer.errors import TrackJammerError


def _index(value, count: int, wrap: bool, who: str) -> int:
    """A pattern's value as an index among `count` (rounded; clamped, or wrapped)."""
    number = number_of(value)
    if not is_number(number):
        raise TrackJammerError(f"{who} picks by number, but its pattern holds {describe(number)}",
                           hint=f"[<0 1 2>].{who}(#[…]) picks the first, the second, the third")
    index = round(number)
    return index % count if wrap else min(count - 1, max(0, index))


def _picked(indices: Pattern, choices: tuple, wrap: bool, who: str) -> Pattern:
    if not choices:
        return silence
    return indices.fmap(lambda value: choices[_index(value, len(choices), wrap, who)]).inner_join()


@transformation(kinds={"choices": "patterns"}, family="combine")
def pick(pat: Pattern, choices) -> Pattern:
    """At each event, play the pattern its number picks from `choices`:
    [<0 1>].pick(#[verse, chorus]); past the last, the last (pickmod wraps)."""
    return _picked(pat, choices, False, "pick")


@transformation(kinds={"choices": "patterns"}, family="combine")
def pickmod(pat: Pattern, choices) -> Pattern:
    """pick, but a number past the last wraps around: 3 of 2 patterns is the second."""
    return _picked(pat, choices, True, "pickmod")


@transformation("pickF", kinds={"indices": "pattern", "functions": "functions"}, family="combine")
def pick_f(pat: Pattern, indices, functions) -> Pattern:
    """Apply the function `indices` picks from `functions` at each of its events:
    [C4 E4 G4].pickF("<0 1>", #[rev, fast(2)]); past the last, the last."""
    changed = tuple(apply_function(f, pat, "pickF") for f in functions)
    return _picked(indices, changed, False, "pickF")
