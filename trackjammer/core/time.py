"""Exact musical time: plain helpers over `fractions.Fraction`.

One cycle is the unit. Times are Fractions (ints are accepted wherever a
time is read, since they are exact too); floats are converted through their
shortest decimal form so that `0.1` means one tenth, not a binary neighbour.
"""

from __future__ import annotations

from fractions import Fraction
from numbers import Rational

Time = Fraction


def to_time(value: object) -> Fraction:
    """Convert a number (int, float, Fraction or numeric string) to exact time."""
    if isinstance(value, Fraction):
        return value
    if isinstance(value, bool):
        raise TypeError("a time cannot be true or false")
    if isinstance(value, (int, Rational)):
        return Fraction(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise ValueError("a time must be a finite number")
        return Fraction(repr(value))
    if isinstance(value, str):
        return Fraction(value)
    raise TypeError(f"expected a number, got {type(value).__name__}")


def sam(t: Fraction) -> Fraction:
    """The start of the cycle that `t` lies in."""
    return Fraction(t.__floor__())


def next_sam(t: Fraction) -> Fraction:
    """The start of the cycle after the one `t` lies in."""
    return Fraction(t.__floor__() + 1)


def cycle_pos(t: Fraction) -> Fraction:
    """Position of `t` within its cycle, in [0, 1)."""
    return t - t.__floor__()


def format_time(t: Fraction | int) -> str:
    """Exact reduced form: "0", "3/8", "5/2", "-1/4"."""
    t = Fraction(t)
    return str(t.numerator) if t.denominator == 1 else f"{t.numerator}/{t.denominator}"
