"""Transformations of structure: rhythms imposed on a pattern, and the
variadic combinators stack, cat and seq."""

from __future__ import annotations

from functools import lru_cache

from trackjammer.core import constructors
from trackjammer.core.constructors import fastcat, pure, silence
from trackjammer.core.euclid import euclid_steps
from trackjammer.core.limits import check_steps
from trackjammer.core.pattern import Pattern
from trackjammer.core.registry import transformation


def struct(pat: Pattern, rhythm: Pattern) -> Pattern:
    """Impose the onsets of the true values of `rhythm` on `pat`, keeping the
    values `pat` has at those times."""
    return rhythm.filter_values(bool).app_left(pat, lambda _, value: value)


@lru_cache(maxsize=512)
def euclid_rhythm(pulses: int, steps: int, rotation: int = 0) -> Pattern:
    """True on the onsets of a Euclidean rhythm, one step each."""
    if steps <= 0:
        return silence
    return fastcat(*(pure(step) for step in euclid_steps(pulses, steps, rotation)))


@transformation(kinds={"pulses": "int", "steps": "int", "rotation": "int"}, family="structure")
def euclid(pat: Pattern, pulses, steps, rotation=0) -> Pattern:
    """Play on a Euclidean rhythm of `pulses` onsets over `steps` steps, rotated
    left by `rotation` (negative `pulses` plays the off-beats)."""
    check_steps(steps, "a Euclidean rhythm")
    return struct(pat, euclid_rhythm(pulses, steps, rotation))


@transformation(variadic=True, family="combine")
def stack(*patterns) -> Pattern:
    """Play patterns together: stack(a, b)."""
    return constructors.stack(*patterns)


@transformation(variadic=True, family="combine")
def cat(*patterns) -> Pattern:
    """One pattern per cycle, in turn: cat(a, b) plays a, then b."""
    return constructors.slowcat(*patterns)


@transformation(variadic=True, family="combine")
def seq(*patterns) -> Pattern:
    """All patterns in one cycle, one step each: seq(a, b) is [a b]."""
    return constructors.fastcat(*patterns)
