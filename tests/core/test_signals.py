"""Signals (language.md §7) and arithmetic on patterns and signals.

Values at exact points are computed by hand from the formulas in the
contract: Sine(f)(t) = (sin 2πft + 1)/2, Cosine = (cos 2πft + 1)/2,
Saw = frac(ft), Tri = 1 - |2 frac(ft) - 1|, Square = 0 then 1.
"""

from __future__ import annotations

import math
from fractions import Fraction as F

import pytest

from trackjammer.core.pattern import Pattern
from trackjammer.core.span import TimeSpan
from trackjammer.core.transforms.arith import combine
from trackjammer.core.values import Note
from trackjammer.errors import TrackJammerError

from .helpers import ev, fn, mini, seq_events

Sine, Cosine, Saw, Ramp, Tri, Square = (fn(n) for n in ("Sine", "Cosine", "Saw", "Ramp", "Tri", "Square"))
Rand, Perlin, Const = fn("Rand"), fn("Perlin"), fn("Const")

R2 = math.sqrt(2) / 2


def approx(x):
    return pytest.approx(x, abs=1e-12)


def values(sig, times):
    return [sig.value_at(t) for t in times]


# -- the waves at exact points ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "t, expected",
    [(0, 0.5), (F(1, 8), (R2 + 1) / 2), (F(1, 4), 1.0), (F(1, 2), 0.5), (F(3, 4), 0.0), (1, 0.5), (F(5, 4), 1.0)],
)
def test_sine(t, expected):
    assert Sine(1).value_at(t) == approx(expected)


def test_sine_is_rising_at_zero_and_frequency_is_periods_per_cycle():
    assert Sine(1).value_at(F(1, 100)) > 0.5
    # Sine(0.25): one period every 4 cycles
    assert values(Sine(0.25), [0, 1, 2, 3, 4]) == [approx(v) for v in (0.5, 1.0, 0.5, 0.0, 0.5)]
    assert values(Sine(2), [0, F(1, 8), F(3, 8)]) == [approx(v) for v in (0.5, 1.0, 0.0)]
    assert Sine().value_at(F(1, 4)) == approx(1.0)  # frequency 1 unless given


@pytest.mark.parametrize("t, expected", [(0, 1.0), (F(1, 4), 0.5), (F(1, 2), 0.0), (F(3, 4), 0.5), (F(1, 8), (R2 + 1) / 2)])
def test_cosine(t, expected):
    assert Cosine(1).value_at(t) == approx(expected)


@pytest.mark.parametrize("t", [0, F(1, 8), F(1, 3), F(5, 7), F(9, 4)])
def test_cosine_is_sine_a_quarter_period_earlier(t):
    assert Cosine(1).value_at(t) == approx(Sine(1).early(F(1, 4)).value_at(t))
    assert Cosine(0.5).value_at(t) == approx(Sine(0.5).early(F(1, 2)).value_at(t))


def test_saw_and_ramp():
    times = [0, F(1, 4), F(1, 2), F(3, 4), 1, F(5, 4)]
    assert values(Saw(1), times) == [0.0, 0.25, 0.5, 0.75, 0.0, 0.25]
    assert values(Ramp(1), times) == values(Saw(1), times)
    assert values(Saw(2), [F(1, 4), F(1, 2), F(5, 8)]) == [0.5, 0.0, 0.25]
    assert values(Saw(0.5), [1, F(3, 2), 2]) == [0.5, 0.75, 0.0]
    assert Saw(1).value_at(F(-1, 4)) == 0.75


def test_tri():
    assert values(Tri(1), [0, F(1, 4), F(1, 2), F(3, 4), 1, F(1, 8)]) == [0.0, 0.5, 1.0, 0.5, 0.0, 0.25]
    assert values(Tri(2), [F(1, 4), F(1, 2)]) == [1.0, 0.0]


def test_square():
    assert values(Square(1), [0, F(49, 100), F(1, 2), F(3, 4), F(99, 100), 1]) == [0.0, 0.0, 1.0, 1.0, 1.0, 0.0]
    assert values(Square(2), [0, F(1, 4), F(1, 2), F(3, 4)]) == [0.0, 1.0, 0.0, 1.0]


def test_const():
    assert values(Const(0.3), [0, F(1, 3), 7]) == [0.3, 0.3, 0.3]
    assert ev(Const(64).segment(2)) == [(0, F(1, 2), 64), (F(1, 2), 1, 64)]


def test_a_signal_answers_one_event_valued_at_the_begin():
    events = Saw(1).query_span(F(1, 4), F(1, 2))
    assert len(events) == 1
    assert events[0].whole is None
    assert events[0].part == TimeSpan(F(1, 4), F(1, 2))
    assert events[0].value == 0.25
    assert not events[0].has_onset()
    assert Saw(1).onsets(0, 4) == []  # a signal alone has no onsets


# -- range / segment / time transformations ------------------------------------------------------------------------


def test_range():
    sig = Sine(1).range(60, 110)
    assert values(sig, [0, F(1, 4), F(1, 2), F(3, 4)]) == [approx(v) for v in (85, 110, 85, 60)]
    assert values(Saw(1).range(-1, 1), [0, F(1, 4), F(1, 2)]) == [-1.0, -0.5, 0.0]


def test_segment():
    assert ev(Saw(1).segment(4), 0, 2) == seq_events([0.0, 0.25, 0.5, 0.75] * 2, step=F(1, 4))
    sine = ev(Sine(1).segment(4))
    assert [(b, e) for b, e, _ in sine] == [(F(i, 4), F(i + 1, 4)) for i in range(4)]
    assert [v for _, _, v in sine] == [approx(v) for v in (0.5, 1.0, 0.5, 0.0)]
    assert ev(Saw(1).range(0, 8).segment(8)) == seq_events([float(i) for i in range(8)], step=F(1, 8))


def test_segment_patterned():
    # 2 segments in cycle 0, 4 in cycle 1
    assert ev(Saw(1).segment(mini("<2 4>")), 0, 2) == seq_events([0.0, 0.5], step=F(1, 2)) + seq_events(
        [0.0, 0.25, 0.5, 0.75], begin=1, step=F(1, 4)
    )


def test_time_transformations_on_signals():
    assert Saw(1).fast(2).value_at(F(1, 4)) == 0.5
    assert Saw(1).fast(2).value_at(F(3, 4)) == 0.5
    assert Saw(1).slow(2).value_at(F(1, 2)) == 0.25
    assert Saw(1).slow(4).value_at(3) == 0.75
    assert Saw(1).early(F(1, 4)).value_at(0) == 0.25
    assert Saw(1).late(F(1, 4)).value_at(F(1, 2)) == 0.25
    assert Saw(1).late(F(1, 4)).value_at(0) == 0.75
    assert Sine(1).late(F(1, 4)).value_at(F(1, 2)) == approx(1.0)


# -- arithmetic ------------------------------------------------------------------------------------------------------


def test_signal_times_number_plus_number():
    sig = combine(combine(Sine(1), 0.5, "*"), 0.25, "+")
    assert values(sig, [0, F(1, 4), F(1, 2), F(3, 4)]) == [approx(v) for v in (0.5, 0.75, 0.5, 0.25)]
    same = Sine(1).mul(0.5).add(0.25)
    assert values(same, [0, F(1, 4), F(3, 4)]) == values(sig, [0, F(1, 4), F(3, 4)])


def test_signal_plus_signal():
    sig = combine(Saw(1), Square(1), "+")
    assert values(sig, [0, F(1, 4), F(1, 2), F(3, 4)]) == [0.0, 0.25, 1.5, 1.75]
    assert values(Saw(1).sub(Tri(1)), [F(1, 4), F(3, 4)]) == [-0.25, 0.25]


def test_number_on_the_left():
    assert values(combine(1, Saw(1), "-"), [0, F(1, 4)]) == [1.0, 0.75]
    assert ev(combine(60, mini("0 2 4"), "+")) == seq_events([60, 62, 64], step=F(1, 3))
    assert combine(3, 4, "*") == 12


def test_pattern_arithmetic_with_numbers_keeps_velocity():
    assert ev(combine(mini("0 2 4"), 60, "+")) == seq_events([60, 62, 64], step=F(1, 3))
    assert ev(mini("C4^80 E4").add(12)) == [(0, F(1, 2), Note(72, 80)), (F(1, 2), 1, 76)]
    # whole numbers divide exactly: 7/2 is the fraction 7/2, 6/2 the whole number 3
    halves = ev(mini("6 7").div(2))
    assert halves == [(0, F(1, 2), 3), (F(1, 2), 1, F(7, 2))]
    assert type(halves[0][2]) is int and type(halves[1][2]) is F
    assert ev(mini("1").div(3)) == [(0, 1, F(1, 3))]
    assert ev(mini("1.5").div(2)) == [(0, 1, 0.75)]  # a float stays a float
    assert ev(mini("1 2").mul(3).sub(1)) == [(0, F(1, 2), 2), (F(1, 2), 1, 5)]


def test_pattern_plus_pattern_samples_the_right_at_each_left_onset():
    # structure from the left; the right is read where each left note starts
    assert ev(combine(mini("0 0"), mini("10 20 30"), "+")) == [(0, F(1, 2), 10), (F(1, 2), 1, 20)]
    assert ev(combine(mini("0 0 0 0"), Saw(1), "+")) == seq_events([0.0, 0.25, 0.5, 0.75], step=F(1, 4))
    assert ev(mini("60 64").add(mini("<0 12>")), 0, 2) == seq_events([60, 64, 72, 76], step=F(1, 2))
    # velocity from the right side when the left has none
    assert ev(mini("60").add(mini("0^90"))) == [(0, 1, Note(60, 90))]


def test_division_by_zero_is_a_trackjammer_error():
    with pytest.raises(TrackJammerError):
        ev(mini("1 2").div(0))


# -- Rand / Perlin: range, determinism, seeds ---------------------------------------------------------------------


def _samples(sig, n=2000, seed=0):
    return [sig.value_at(F(i, 7), seed=seed) for i in range(n)]


def test_rand_in_0_1_deterministic_and_seeded():
    first = _samples(Rand())
    assert all(0 <= v < 1 for v in first)
    assert first == _samples(Rand())  # a second construction
    assert len(set(first)) > 1900  # it varies with time
    assert 0.45 <= sum(first) / len(first) <= 0.55
    other = _samples(Rand(), seed=1)
    assert sum(a != b for a, b in zip(first, other)) > 1900


def test_rand_segmented_is_window_independent():
    pat = Rand().segment(8)
    whole = ev(pat, 0, 4)
    assert [(b, e) for b, e, _ in whole] == [(F(i, 8), F(i + 1, 8)) for i in range(32)]
    assert whole == [e for c in range(4) for e in ev(pat, c, c + 1)]
    assert whole == [e for i in range(32) for e in ev(pat, F(i, 8), F(i + 1, 8))]
    assert [v for _, _, v in whole] == [Rand().value_at(F(i, 8)) for i in range(32)]
    assert ev(pat, 0, 4, seed=2) != whole


def test_perlin_in_0_1_smooth_deterministic_and_seeded():
    first = _samples(Perlin(1))
    assert all(0 <= v <= 1 for v in first)
    assert first == _samples(Perlin(1))
    assert _samples(Perlin(1), seed=1) != first
    for k in range(20):
        a, b = Perlin(1).value_at(k), Perlin(1).value_at(k + 1)
        # smoothstep: halfway in time is halfway in value, and it moves continuously
        assert Perlin(1).value_at(k + F(1, 2)) == approx((a + b) / 2)
        assert abs(Perlin(1).value_at(k + F(1, 1000)) - a) < 1e-3
        assert abs(Perlin(1).value_at(k + F(999, 1000)) - b) < 1e-3


def test_perlin_frequency_scales_time():
    for t in (F(1, 2), F(3, 4), F(5, 3)):
        assert Perlin(2).value_at(t) == approx(Perlin(1).value_at(2 * t))
        assert Perlin(1).fast(2).value_at(t) == approx(Perlin(1).value_at(2 * t))


def test_signals_are_patterns():
    for sig in (Sine(1), Cosine(1), Saw(1), Ramp(1), Tri(1), Square(1), Rand(), Perlin(1), Const(1)):
        assert isinstance(sig, Pattern)
