"""The one registry: each function exists once and serves as method, curried
free function, help text and argument checker."""

from __future__ import annotations

from fractions import Fraction as F

import pytest

import trackjammer.core  # noqa: F401
from trackjammer.core.constructors import fastcat, pure
from trackjammer.core.pattern import Pattern
from trackjammer.core.registry import REGISTRY, Partial, free_function
from trackjammer.core.values import Note
from trackjammer.errors import ArgumentError

ABC = fastcat(1, 2, 3, 4)


def onsets(pat, begin=0, end=1):
    return [(e.whole.begin, e.whole.end, e.value) for e in pat.onsets(begin, end)]


def test_every_required_transformation_is_registered_once():
    required = (
        "fast slow rev early late every sometimes often rarely sometimesBy off transpose degrade "
        "euclid ply iter palindrome gate vel chord arp strum scale swing segment range stack cat seq"
    ).split()
    for name in required:
        assert name in REGISTRY, name
        assert REGISTRY[name].summary, f"{name} has no help text"
    signals = "Sine Cosine Saw Tri Square Ramp Rand Perlin Const".split()
    for name in signals:
        assert REGISTRY[name].constructor, name


def test_method_and_free_function_are_the_same_entry():
    assert onsets(ABC.fast(2)) == onsets(free_function("fast")(2, ABC)) == onsets(free_function("fast")(2)(ABC))
    assert onsets(ABC.fast(2))[:2] == [(F(0), F(1, 8), 1), (F(1, 8), F(1, 4), 2)]


def test_fewer_arguments_give_a_partial_that_waits_for_a_pattern():
    partial = free_function("every")(2, free_function("rev"))
    assert isinstance(partial, Partial)
    assert repr(partial) == "every(2, rev())"
    assert [v for _, _, v in onsets(partial(ABC), 0, 1)] == [4, 3, 2, 1]
    assert [v for _, _, v in onsets(partial(ABC), 1, 2)] == [1, 2, 3, 4]


def test_a_bare_zero_argument_function_is_a_transformation():
    rev = free_function("rev")
    assert [v for _, _, v in onsets(rev(ABC))] == [4, 3, 2, 1]


def test_mistakes_are_reported_when_the_partial_is_made():
    with pytest.raises(ArgumentError, match="fast takes 1 argument but was given 2"):
        free_function("fast")(1, 2, ABC)  # two arguments, then the pattern
    with pytest.raises(ArgumentError, match="'speed' is not an argument of fast"):
        free_function("fast")(speed=2)
    with pytest.raises(ArgumentError, match="euclid needs its argument 'steps'"):
        ABC.euclid(3)


def test_keyword_arguments_and_defaults():
    assert onsets(ABC.euclid(3, steps=8)) == onsets(ABC.euclid(3, 8, 0))
    assert onsets(pure(0).scale("major", root="C3")) == [(F(0), F(1), 48)]
    assert onsets(pure(0).scale("major")) == [(F(0), F(1), 60)]


def test_patterned_argument_is_applied_per_cycle():
    # fast(<1 2>): cycle 0 at speed 1, cycle 1 at speed 2
    factor = free_function("cat")(1, 2)
    assert [v for _, _, v in onsets(ABC.fast(factor), 0, 2)] == [1, 2, 3, 4, 1, 2, 3, 4, 1, 2, 3, 4]
    assert onsets(ABC.fast(factor), 1, 2)[0] == (F(1), F(9, 8), 1)


def test_per_value_argument_is_sampled_at_each_onset():
    # A velocity signal rising over the cycle: each note gets the value at its onset.
    saw = free_function("Saw")(1).range(0, 100)
    assert [v for _, _, v in onsets(ABC.vel(saw))] == [Note(1, 0), Note(2, 25), Note(3, 50), Note(4, 75)]


def test_constructors_have_no_method_form():
    with pytest.raises(AttributeError):
        ABC.Sine  # noqa: B018
    assert isinstance(free_function("Sine")(1), Pattern)


def test_signature_text_comes_from_the_function():
    assert REGISTRY["euclid"].signature == "euclid(pulses, steps, rotation = 0)"
    assert REGISTRY["fast"].signature == "fast(factor)"
    assert REGISTRY["stack"].signature == "stack(pattern, ...)"
