"""Deterministic randomness: a pure function of (seed, time, salt).

Nothing here reads the wall clock or keeps state, so a random pattern gives
the same values in every run and for every way of slicing the query windows;
live playback and export agree by construction. `salt` keeps independent
random constructs (two `?` in one pattern, say) from moving in lock-step.
"""

from __future__ import annotations

from fractions import Fraction

MASK = (1 << 64) - 1


def _mix(x: int) -> int:
    """A 64-bit finalizer (splitmix64's): every input bit affects every output bit."""
    x = (x + 0x9E3779B97F4A7C15) & MASK
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & MASK
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & MASK
    return x ^ (x >> 31)


def rand_at(seed: int, t: Fraction, salt: int = 0) -> float:
    """A float in [0, 1) determined by the seed, the exact time and the salt."""
    h = _mix(seed & MASK)
    h = _mix(h ^ (salt & MASK))
    h = _mix(h ^ (t.numerator & MASK))
    h = _mix(h ^ (t.denominator & MASK))
    return (h >> 11) / float(1 << 53)


def rand_int_at(seed: int, t: Fraction, n: int, salt: int = 0) -> int:
    """An int in [0, n) drawn like `rand_at`."""
    return min(int(rand_at(seed, t, salt) * n), n - 1)


def salt_of(*parts: object) -> int:
    """A stable salt from strings and ints (Python's hash() is randomized per run)."""
    h = 0
    for part in parts:
        data = part if isinstance(part, int) else int.from_bytes(str(part).encode(), "little")
        h = _mix(h ^ (data & MASK))
    return h
