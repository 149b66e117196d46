"""Transformations of structure: rhythms imposed on a pattern, and the
variadic combinators stack, cat and seq."""

from __future__ import annotations

from fractions import Fraction
from functools import lru_cache

from trackjammer.core import constructors
from trackjammer.core.constructors import fastcat, pure, silence, timecat
from trackjammer.core.euclid import euclid_steps
from trackjammer.core.limits import check_steps
from trackjammer.core.pattern import Pattern
from trackjammer.core.registry import transformation
from trackjammer.core.values import number_of


def _true(value) -> bool:
    """A step of a rhythm plays unless it is 0 or false (as Strudel's keepif)."""
    return bool(number_of(value))


@transformation(kinds={"rhythm": "pattern"}, family="structure")
def struct(pat: Pattern, rhythm) -> Pattern:
    """Play `pat` with the rhythm of `rhythm`: an event at each of its steps
    that is not 0 or a rest, with the value `pat` has there:
    [C4 E4].struct([1 0 1 1])."""
    return rhythm.filter_values(_true).app_left(pat, lambda _, value: value)


@transformation(kinds={"rhythm": "pattern"}, family="structure")
def mask(pat: Pattern, rhythm) -> Pattern:
    """Keep `pat`'s own rhythm but silence it where `rhythm` is 0 or a rest:
    [C4 D4 E4 F4].mask([1 0]) plays only the first half."""
    return pat.app_left(rhythm.filter_values(_true), lambda value, _: value)


@transformation(family="structure", aliases=("invert",))
def inv(pat: Pattern) -> Pattern:
    """A rhythm the other way round: each step that plays becomes 0 and each
    0 becomes 1, so [1 0 1 1].inv() is [0 1 0 0] (Strudel's inv and invert)."""
    return pat.fmap(lambda value: 0 if _true(value) else 1)


@lru_cache(maxsize=512)
def euclid_rhythm(pulses: int, steps: int, rotation: int = 0) -> Pattern:
    """True on the onsets of a Euclidean rhythm, one step each."""
    if steps <= 0:
        return silence
    return fastcat(*(pure(step) for step in euclid_steps(pulses, steps, rotation)))


@transformation(kinds={"pulses": "int", "steps": "int", "rotation": "int"}, family="structure",
                aliases=("euclidOff",))
def euclid(pat: Pattern, pulses, steps, rotation=0) -> Pattern:
    """Play on a Euclidean rhythm of `pulses` onsets over `steps` steps, rotated
    left by `rotation` (negative `pulses` plays the off-beats); euclidOff is
    the same (Tidal's name)."""
    check_steps(steps, "a Euclidean rhythm")
    return struct(pat, euclid_rhythm(pulses, steps, rotation))


@transformation("euclidRot", kinds={"pulses": "int", "steps": "int", "rotation": "int"}, family="structure")
def euclid_rot(pat: Pattern, pulses, steps, rotation) -> Pattern:
    """Strudel's euclidRot: the Euclidean rhythm rotated RIGHT by `rotation`
    steps, the other way from euclid's third number (Tidal's)."""
    return euclid(pat, pulses, steps, -rotation)


@lru_cache(maxsize=512)
def legato_rhythm(pulses: int, steps: int) -> Pattern:
    """One step per onset of a Euclidean rhythm, each lasting until the next onset."""
    onsets = [k for k, on in enumerate(euclid_steps(pulses, steps)) if on]
    return timecat(*((end - begin, True) for begin, end in zip(onsets, onsets[1:] + [steps])))


@transformation("euclidLegato", kinds={"pulses": "int", "steps": "int"}, family="structure")
def euclid_legato(pat: Pattern, pulses, steps) -> Pattern:
    """Like euclid, but each note is held until the next onset: no gaps
    (Strudel's euclidLegato; 0 pulses or fewer is silence)."""
    return euclid_legato_rot(pat, pulses, steps, 0)


@transformation("euclidLegatoRot", kinds={"pulses": "int", "steps": "int", "rotation": "int"}, family="structure")
def euclid_legato_rot(pat: Pattern, pulses, steps, rotation) -> Pattern:
    """euclidLegato rotated RIGHT by `rotation` steps (Strudel's euclidLegatoRot)."""
    check_steps(steps, "a Euclidean rhythm")
    if pulses < 1 or steps < 1:
        return silence
    return struct(pat, legato_rhythm(pulses, steps)).late_by(Fraction(rotation, steps))


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
