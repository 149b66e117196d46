"""Arithmetic on patterns: applied to each event's number, the right side
sampled at each left event's onset. Velocity and gate are kept."""

from __future__ import annotations

import math
import operator
from fractions import Fraction
from typing import Any, Callable

from trackjammer.core.pattern import Pattern
from trackjammer.core.registry import describe, pattern_of_text, transformation
from trackjammer.core.values import combine_numbers, is_number, map_number
from trackjammer.errors import ArgumentError, TrackJammerError


def _divide(a: Any, b: Any) -> Any:
    """Whole numbers divide exactly: 1/3 is a third of a cycle, not 0.333..."""
    if b == 0:
        raise TrackJammerError("division by zero", hint="divide by a number other than 0")
    if isinstance(a, (int, Fraction)) and isinstance(b, (int, Fraction)):
        quotient = Fraction(a) / b
        return int(quotient) if quotient.denominator == 1 else quotient
    return a / b


def _modulo(a: Any, b: Any) -> Any:
    """The remainder on the divisor's side of 0, as Strudel's mod: -1 mod 12 is 11."""
    if b == 0:
        raise TrackJammerError("modulo by zero", hint="mod(12) wraps notes into an octave; use a number other than 0")
    return a % b


OPERATORS: dict[str, Callable[[Any, Any], Any]] = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
    "/": _divide,
    "mod": _modulo,
}


def combine(left: Any, right: Any, symbol: str) -> Any:
    """`left <symbol> right` for numbers, patterns and signals alike (a
    string is mini-notation: [0 4].add("<60 72>"))."""
    op = OPERATORS[symbol]
    left, right = pattern_of_text(left), pattern_of_text(right)
    for value in (left, right):
        if not (isinstance(value, Pattern) or is_number(value)):
            raise ArgumentError(f"cannot use '{symbol}' with {describe(value)}", hint="use numbers and patterns")
    if isinstance(left, Pattern):
        if isinstance(right, Pattern):
            return left.app_onset(right, lambda a, b: combine_numbers(a, b, op))
        return left.fmap(lambda a: combine_numbers(a, right, op))
    if isinstance(right, Pattern):
        return right.fmap(lambda b: combine_numbers(left, b, op))
    return combine_numbers(left, right, op)


def negate(value: Any) -> Any:
    return combine(0, value, "-")


@transformation(kinds={"other": "any"}, family="arithmetic")
def add(pat: Pattern, other) -> Pattern:
    """Add a number or pattern to each value: [0 4 7].add(60)."""
    return combine(pat, other, "+")


@transformation(kinds={"other": "any"}, family="arithmetic")
def sub(pat: Pattern, other) -> Pattern:
    """Subtract a number or pattern from each value."""
    return combine(pat, other, "-")


@transformation(kinds={"other": "any"}, family="arithmetic")
def mul(pat: Pattern, other) -> Pattern:
    """Multiply each value by a number or pattern: [30 32].mul(2) (p * 2 is time: fast)."""
    return combine(pat, other, "*")


@transformation(kinds={"other": "any"}, family="arithmetic")
def div(pat: Pattern, other) -> Pattern:
    """Divide each value by a number or pattern: [120 128].div(2) (p / 2 is time: slow)."""
    return combine(pat, other, "/")


@transformation(kinds={"other": "any"}, family="arithmetic")
def mod(pat: Pattern, other) -> Pattern:
    """The remainder of each value divided by a number or pattern, never
    below 0 for a positive one: [0 5 13 -1].mod(12) is [0 5 1 11]."""
    return combine(pat, other, "mod")


@transformation("round", family="arithmetic", per_value=True)
def round_(value) -> Any:
    """Each value to the nearest whole number, a half up (as Strudel's
    round): Sine(1).segment(8).range(0, 7).round().scale("C4:major")."""
    return map_number(value, lambda v: math.floor(v + Fraction(1, 2)))  # exact for whole numbers and fractions


@transformation(family="arithmetic", per_value=True)
def floor(value) -> Any:
    """Each value down to a whole number: [0.4 1.6 -0.5].floor() is [0 1 -1]."""
    return map_number(value, math.floor)


@transformation(family="arithmetic", per_value=True)
def ceil(value) -> Any:
    """Each value up to a whole number: [0.4 1.6 -0.5].ceil() is [1 2 0]."""
    return map_number(value, math.ceil)
