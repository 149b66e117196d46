"""Exact musical time: plain helpers over `fractions.Fraction`.

One cycle is the unit. Times are Fractions (ints are accepted wherever a
time is read, since they are exact too); floats are converted through their
shortest decimal form so that `0.1` means one tenth, not a binary neighbour.
"""

from __future__ import annotations

from fractions import Fraction
from numbers import Rational
from typing import Callable

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


def _coprime_maker() -> Callable[[int, int], Fraction]:
    """The cheapest way this Python offers to make n/d when n and d have no
    common factor and d > 0 (a time shifted by whole cycles keeps its
    denominator): Fraction's constructor spends most of its time checking
    types and dividing by the gcd. Filling a new Fraction's two slots is five
    times cheaper; it is used only if it makes a Fraction equal to the one
    the constructor makes, else the constructor is."""

    def filled(numerator: int, denominator: int) -> Fraction:
        """numerator/denominator, already in lowest terms."""
        made = new(Fraction)
        made._numerator, made._denominator = numerator, denominator
        return made

    new = object.__new__
    try:
        made = filled(-3, 4)
        if made == Fraction(-3, 4) and hash(made) == hash(Fraction(-3, 4)) and made + 1 == Fraction(1, 4) \
                and (made.numerator, made.denominator) == (-3, 4) and str(made) == "-3/4":
            return filled
    except (AttributeError, TypeError):
        pass
    return Fraction


coprime = _coprime_maker()  # coprime(n, d) is n/d, for n and d with no common factor and d > 0


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
