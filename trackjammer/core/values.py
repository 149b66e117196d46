"""Event values: a plain number, or a Note carrying velocity, gate and gain.

A note number with nothing attached stays a plain number, so `[C4]` and
`[60]` are the same pattern; `^80`, `vel(...)`, `gate(...)` and `gain(...)`
attach a velocity, gate or gain (a factor on whatever velocity the note
ends up with, as `echo` fades its copies) by wrapping the number in a `Note`. Arithmetic and tonal
transformations act on the number and keep what is attached.
"""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Callable

from trackjammer.errors import TrackJammerError


@dataclass(frozen=True, slots=True)
class Note:
    note: Any
    velocity: int | None = None
    gate: Fraction | None = None
    gain: float | None = None

    def __repr__(self) -> str:
        extra = "" if self.velocity is None else f"^{self.velocity}"
        extra += "" if self.gate is None else f" gate {self.gate}"
        extra += "" if self.gain is None else f" gain {self.gain:g}"
        return f"{self.note}{extra}"


class Unit(float):
    """A signal's own value in 0..1, not yet scaled.

    Lanes read it as a fraction of their full range (0.5 → CC 64, velocity
    64). Any arithmetic, and `range`, gives a plain number, which lanes use
    as given: `Sine(1).range(40, 100)` sends 40..100.
    """

    __slots__ = ()


def make_value(number: Any, velocity: int | None = None, gate: Fraction | None = None,
               gain: float | None = None) -> Any:
    """A plain number when nothing is attached, else a Note."""
    if velocity is None and gate is None and gain is None:
        return number
    return Note(number, velocity, gate, gain)


def number_of(value: Any) -> Any:
    return value.note if isinstance(value, Note) else value


def velocity_of(value: Any) -> int | None:
    return value.velocity if isinstance(value, Note) else None


def gate_of(value: Any) -> Fraction | None:
    return value.gate if isinstance(value, Note) else None


def gain_of(value: Any) -> float | None:
    return value.gain if isinstance(value, Note) else None


def map_number(value: Any, f: Callable[[Any], Any]) -> Any:
    """Apply `f` to the number inside a value, keeping velocity and gate."""
    if isinstance(value, Note):
        return Note(checked_number(lambda: f(_numeric(value.note))), value.velocity, value.gate, value.gain)
    return checked_number(lambda: f(_numeric(value)))


LARGEST = sys.float_info.max


def is_number(value: Any) -> bool:
    """An int, float or Fraction; true and false are not numbers here."""
    return not isinstance(value, bool) and isinstance(value, (int, float, Fraction))


def _numeric(number: Any) -> Any:
    """`number`, when it is one: a pattern of names (cat("major", "minor"))
    has no arithmetic, transposition or scale degrees."""
    if not is_number(number):
        shown = f'"{number}"' if isinstance(number, str) else type(number).__name__
        raise TrackJammerError(f"this needs numbers, but the pattern holds {shown}")
    return number


def checked_number(compute: Callable[[], Any]) -> Any:
    """The result of arithmetic, which must stay a finite number no larger
    than the largest float (about 1.8e308) either way."""
    try:
        result = compute()
    except OverflowError:
        result = math.inf
    if isinstance(result, (int, float, Fraction)) and not isinstance(result, bool) and not -LARGEST <= result <= LARGEST:
        raise TrackJammerError("a number grew too large", hint="numbers must stay within about ±1.8e308")
    return result


def with_velocity(value: Any, velocity: int | None) -> Any:
    return make_value(number_of(value), velocity, gate_of(value), gain_of(value))


def with_gate(value: Any, gate: Fraction | None) -> Any:
    return make_value(number_of(value), velocity_of(value), gate, gain_of(value))


def with_gain(value: Any, gain: float) -> Any:
    """`gain` times the value's own (gains multiply: a fade keeps a gain set before it)."""
    own = gain_of(value)
    return make_value(number_of(value), velocity_of(value), gate_of(value), gain if own is None else own * gain)


def combine_numbers(left: Any, right: Any, op: Callable[[Any, Any], Any]) -> Any:
    """`op` on the numbers of two values; what is attached comes from the left,
    or from the right where the left has nothing attached."""
    result = checked_number(lambda: op(_numeric(number_of(left)), _numeric(number_of(right))))
    velocity, gate, gain = velocity_of(left), gate_of(left), gain_of(left)
    return make_value(
        result,
        velocity if velocity is not None else velocity_of(right),
        gate if gate is not None else gate_of(right),
        gain if gain is not None else gain_of(right),
    )
