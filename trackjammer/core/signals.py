"""Signals: continuous patterns of numbers in 0..1.

A signal has no whole span; queried over a span it answers one event whose
value is the signal at the span's begin. Sampling is therefore exact and
window-independent: `segment`, CC lanes and velocity lanes read a signal at
precise times. Frequencies are in periods per cycle.
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Callable

from trackjammer.core.event import Event
from trackjammer.core.pattern import Pattern, State
from trackjammer.core.rand import rand_at, salt_of
from trackjammer.core.registry import transformation
from trackjammer.core.time import cycle_pos

RAND_SALT = salt_of("Rand")
PERLIN_SALT = salt_of("Perlin")


def signal(f: Callable[[Fraction, int], float]) -> Pattern:
    """A continuous pattern from `f(time, seed)`."""

    def query(state: State) -> list[Event]:
        return [Event(None, state.span, f(state.span.begin, state.seed))]

    return Pattern(query)


def _phase(frequency: Fraction, t: Fraction) -> Fraction:
    return cycle_pos(frequency * t)


# Exact values of (sin(2πp) + 1) / 2 at the quarter periods, where floating
# point would give 0.5000000000000001.
QUARTER_SINE = {Fraction(0): 0.5, Fraction(1, 4): 1.0, Fraction(1, 2): 0.5, Fraction(3, 4): 0.0}


def _sine_at(phase: Fraction) -> float:
    exact = QUARTER_SINE.get(phase)
    return exact if exact is not None else (math.sin(2 * math.pi * float(phase)) + 1) / 2


@transformation("Sine", constructor=True, kinds={"frequency": "time"}, family="signal")
def sine(frequency=1):
    """A sine wave in 0..1: 0.5 at time 0, rising; `frequency` periods per cycle."""
    return signal(lambda t, seed: _sine_at(_phase(frequency, t)))


@transformation("Cosine", constructor=True, kinds={"frequency": "time"}, family="signal")
def cosine(frequency=1):
    """Sine a quarter period earlier: 1 at time 0, falling."""
    return signal(lambda t, seed: _sine_at(cycle_pos(_phase(frequency, t) + Fraction(1, 4))))


@transformation("Saw", constructor=True, kinds={"frequency": "time"}, family="signal", aliases=("Ramp",))
def saw(frequency=1):
    """Rises from 0 to 1 over each period (Ramp is the same)."""
    return signal(lambda t, seed: float(_phase(frequency, t)))


@transformation("Tri", constructor=True, kinds={"frequency": "time"}, family="signal")
def tri(frequency=1):
    """Triangle: 0 up to 1 at half period, back down to 0."""
    return signal(lambda t, seed: float(1 - abs(2 * _phase(frequency, t) - 1)))


@transformation("Square", constructor=True, kinds={"frequency": "time"}, family="signal")
def square(frequency=1):
    """0 for the first half of each period, 1 for the second."""
    return signal(lambda t, seed: 0.0 if _phase(frequency, t) < Fraction(1, 2) else 1.0)


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
    """The same value at every point of time."""
    return signal(lambda t, seed: value)
