"""Signals: continuous patterns of numbers in 0..1.

A signal has no whole span; queried over a span it answers one event whose
value is the signal at the span's begin. Sampling is therefore exact and
window-independent: `segment`, CC lanes and velocity lanes read a signal at
precise times. Frequencies are in periods per cycle.
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any, Callable

from trackjammer.core.event import Event
from trackjammer.core.knobs import knob_of
from trackjammer.core.pattern import Pattern
from trackjammer.core.rand import rand_at, salt_of
from trackjammer.core.registry import transformation
from trackjammer.core.values import Unit

RAND_SALT = salt_of("Rand")
PERLIN_SALT = salt_of("Perlin")


class Signal(Pattern):
    """A continuous pattern that can also be read at a point directly.

    Queried, it answers like any pattern; `sample(t, seed)` gives the same
    value without building spans and events, which is what CC lanes need 128
    times a cycle. Mapping its values (`range`, arithmetic with a number)
    keeps it a Signal; other transformations give plain patterns, which
    lanes read by querying.
    """

    __slots__ = ("sample",)

    def __init__(self, sample: Callable[[Fraction, int], Any], period: int | None = None):
        self.sample = sample
        super().__init__(lambda state: [Event(None, state.span, sample(state.span.begin, state.seed))], period=period)

    def fmap(self, f: Callable[[Any], Any]) -> Signal:
        sample = self.sample
        return Signal(lambda t, seed: f(sample(t, seed)), self.period)


def signal(f: Callable[[Fraction, int], float], unit: bool = True, period: int | None = None) -> Signal:
    """A continuous pattern from `f(time, seed)`; its values are tagged as
    `Unit` (0..1, scaled by the lane) unless `unit` is false. `period`: the
    cycles after which it repeats exactly, when it does (not when random)."""
    return Signal(lambda t, seed: Unit(f(t, seed)), period) if unit else Signal(f, period)


def _period(frequency: Fraction) -> int:
    """A wave read through `_phase` repeats once frequency × cycles is whole."""
    return frequency.denominator


def _phase(frequency: Fraction, t: Fraction) -> tuple[int, int]:
    """The position within its period of `frequency` × `t`, as the exact
    fraction r/d in [0, 1). Whole-number arithmetic: signals are read 128
    times a cycle per CC lane, and Fraction objects cost ten times more."""
    d = frequency.denominator * t.denominator
    return frequency.numerator * t.numerator % d, d


# (sin(2πp) + 1) / 2 at the quarter periods, exactly, where floating point
# would give 0.5000000000000001.
QUARTER_SINE = (0.5, 1.0, 0.5, 0.0)


def _sine_at(r: int, d: int) -> float:
    if 4 * r % d == 0:
        return QUARTER_SINE[4 * r // d]
    return (math.sin(2 * math.pi * (r / d)) + 1) / 2  # r / d first: r and d may be past the largest float


@transformation("Sine", constructor=True, kinds={"frequency": "time"}, family="signal")
def sine(frequency=1):
    """A sine wave in 0..1: 0.5 at time 0, rising; `frequency` periods per cycle."""
    return signal(lambda t, seed: _sine_at(*_phase(frequency, t)), period=_period(frequency))


def _quarter_later(r: int, d: int) -> tuple[int, int]:
    return (4 * r + d) % (4 * d), 4 * d


@transformation("Cosine", constructor=True, kinds={"frequency": "time"}, family="signal")
def cosine(frequency=1):
    """Sine a quarter period earlier: 1 at time 0, falling."""
    return signal(lambda t, seed: _sine_at(*_quarter_later(*_phase(frequency, t))), period=_period(frequency))


@transformation("Saw", constructor=True, kinds={"frequency": "time"}, family="signal", aliases=("Ramp",))
def saw(frequency=1):
    """Rises from 0 to 1 over each period (Ramp is the same)."""

    def value(t: Fraction, seed: int) -> float:
        r, d = _phase(frequency, t)
        return r / d

    return signal(value, period=_period(frequency))


@transformation("Tri", constructor=True, kinds={"frequency": "time"}, family="signal")
def tri(frequency=1):
    """Triangle: 0 up to 1 at half period, back down to 0."""

    def value(t: Fraction, seed: int) -> float:
        r, d = _phase(frequency, t)
        return 1 - abs(2 * r - d) / d

    return signal(value, period=_period(frequency))


@transformation("Square", constructor=True, kinds={"frequency": "time"}, family="signal")
def square(frequency=1):
    """0 for the first half of each period, 1 for the second."""

    def value(t: Fraction, seed: int) -> float:
        r, d = _phase(frequency, t)
        return 0.0 if 2 * r < d else 1.0

    return signal(value, period=_period(frequency))


@transformation("Rand", constructor=True, family="signal")
def rand():
    """A random value in 0..1 at every point of time, fixed by the seed."""
    return signal(lambda t, seed: rand_at(seed, t, RAND_SALT))


@transformation("Perlin", constructor=True, kinds={"frequency": "time"}, family="signal")
def perlin(frequency=1):
    """Smooth random wandering in 0..1: a new random target every 1/frequency cycles."""

    def value(t: Fraction, seed: int) -> float:
        x = frequency * t
        whole = x.__floor__()
        a = rand_at(seed, Fraction(whole), PERLIN_SALT)
        b = rand_at(seed, Fraction(whole + 1), PERLIN_SALT)
        p = float(x - whole)
        smooth = p * p * p * (p * (p * 6 - 15) + 10)
        return a + smooth * (b - a)

    return signal(value)


@transformation("Const", constructor=True, kinds={"value": "number"}, family="signal")
def const(value=0):
    """The same value at every point of time, used as given on a lane."""
    return signal(lambda t, seed: value, unit=False, period=1)


# -- Strudel's lowercase names ---------------------------------------------------
# In Strudel `sine`, `saw`, `rand` … are signal values, not functions:
# `sine.slow(4)`, `saw.range(60, 72)`. They are the capitalised signals at
# one period per cycle; the language offers them as global values.

LOWERCASE_SIGNALS: dict[str, Callable[[], Signal]] = {
    "sine": lambda: sine(1), "cosine": lambda: cosine(1), "saw": lambda: saw(1), "tri": lambda: tri(1),
    "square": lambda: square(1), "rand": rand, "perlin": lambda: perlin(1),
}


@transformation("irand", constructor=True, kinds={"count": "int"}, family="signal")
def irand(count):
    """A random whole number 0 … count-1 at every point of time, fixed by the
    seed: irand(8).segment(4). At each time it is floor(rand × count)."""
    return signal(lambda t, seed: min(int(rand_at(seed, t, RAND_SALT) * count), max(count - 1, 0)), unit=False)


@transformation("knob", constructor=True, kinds={"cc": "int", "port": "string"}, family="input")
def knob(cc, port=None):
    """What controller `cc` (0..127) last sent on a MIDI input, as 0..1: lead.cc(74) << knob(21),
    bass.vel << knob(7).range(60, 120); knob(21, "nano") only from inputs whose name holds "nano".
    Silent until the controller is moved (input(port) opens an input)."""
    return knob_of(cc, port)
