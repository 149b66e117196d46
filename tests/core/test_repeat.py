"""Repeating patterns (core/repeat.py): a whole cycle answered from an
earlier cycle of the same place in the period, shifted, must be exactly what
the pattern's own query gives: the same events in the same order, wholes,
fragments, values and contexts. Checked on random patterns (mini-notation
and method chains), cycles asked in a random order, against the same
pattern asked with the shortcut turned off; and the periods the primitives
work out, by hand."""

from __future__ import annotations

import random
from fractions import Fraction as F

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import trackjammer.core  # noqa: F401
from trackjammer.core import repeat
from trackjammer.core.pattern import Pattern, State
from trackjammer.core.repeat import period_of
from trackjammer.core.span import TimeSpan
from trackjammer.core.time import coprime
from trackjammer.lang.evaluator import evaluate_expression

from .test_properties import PATTERNS

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

METHODS = st.sampled_from([
    "", ".fast(2)", ".slow(3)", ".fast(3/2)", ".slow(2/3)", ".fast(4/3)", ".late(1/3)", ".early(1/8)",
    ".late(5/4)", '.chord("maj7")', ".transpose(12)", ".ply(2)", ".ply(3/2)", ".off(1/8, transpose(12))",
    ".every(3, rev)", ".fast(\"<1 2>\")", ".rev()", ".segment(3)", ".degrade()", ".vel([60 100])",
    ".ribbon(1, 3/2)", ".ribbon(1/3, 2)", ".echo(3, 1/8, 0.5)", ".echoWith(2, 1/3, rev)", ".euclidLegato(3, 8)",
    ".euclidLegatoRot(5, 8, 3)", ".iterBack(3)", ".gain(\"<1 0.5>\")", ".chunkBack(3, rev)", ".fastChunk(2, rev)",
    ".pick(#[[0 1], [<2 3>]])", '.when("<0 1 1>", rev)', ".layer(rev, fast(2))", ".plyWith(3, add(1))", ".mod(5)",
    ".bite(4, [<3 1> 0 ~ 6])",
])
SIGNALS = st.sampled_from([
    "Sine(1/4).segment(16).range(0, 127)", "Saw(2/3).segment(5)", "Tri(1).segment(\"<4 8>\")",
    "Square(3/2).segment(6)", "Cosine(1/3).segment(3).fast(2)", "Rand().segment(4)", "Perlin(1).segment(4)",
])
EXPRESSIONS = st.one_of(
    st.tuples(PATTERNS, METHODS, METHODS).map(lambda t: f"[{t[0]}]{t[1]}{t[2]}"),
    st.tuples(SIGNALS, METHODS).map("".join),
)


def _answer(pattern: Pattern, cycle: int, seed: int) -> list[tuple]:
    return [(e.whole, e.part, e.value, e.context)
            for e in pattern.query(State(TimeSpan(F(cycle), F(cycle + 1)), seed))]


def _built(expression: str) -> Pattern | None:
    try:
        return evaluate_expression(expression)
    except Exception:  # noqa: BLE001 - a random chain the language refuses is not this test's business
        return None


@SETTINGS
@given(EXPRESSIONS, st.randoms(use_true_random=False), st.integers(0, 2))
def test_a_repeating_pattern_answers_every_cycle_as_its_own_query_does(monkeypatch_module, expression, order, seed):
    with monkeypatch_module.context() as patch:
        patch.setattr(repeat, "ENABLED", False)
        plain = _built(expression)
    if plain is None:
        return
    shortcut = evaluate_expression(expression)
    cycles = list(range(-3, 40))
    order.shuffle(cycles)
    for cycle in cycles:
        with monkeypatch_module.context() as patch:
            patch.setattr(repeat, "ENABLED", False)
            expected = _answer(plain, cycle, seed)
        assert _answer(shortcut, cycle, seed) == expected, (expression, cycle)


@SETTINGS
@given(EXPRESSIONS, st.integers(0, 2))
def test_the_period_is_one(monkeypatch_module, expression, seed):
    """Cycle c + period is cycle c shifted, for every c (asked of the query itself)."""
    with monkeypatch_module.context() as patch:
        patch.setattr(repeat, "ENABLED", False)
        pattern = _built(expression)
        period = None if pattern is None else period_of(pattern)
        if period is None:
            return
        for cycle in range(0, 6):
            shifted = [(TimeSpan(w.begin + period, w.end + period) if w else None,
                        TimeSpan(p.begin + period, p.end + period), v, c) for w, p, v, c in _answer(pattern, cycle, seed)]
            assert _answer(pattern, cycle + period, seed) == shifted, (expression, cycle, period)


@pytest.mark.parametrize("expression, period", [
    ("[C4 E4 G4]", 1),
    ("[C4 <E4 G4>]", 2),
    ("[C4 <E4 <G4 B4>>]", 4),
    ("[C4 [E4 [G4 B4]] <C5 [D5 E5]>*2 [~ A4]/2]", 2),
    ("[{C3 E3 G3, A2 C3 E3 G3 B3}%8]", 15),
    ("[{C3 E3 G3}%4]", 3),
    ("[C4 E4].slow(3)", 3),
    ("[C4 <E4 G4>].fast(3/2)", 4),
    ("[C4 E4].late(1/3)", 1),
    ("[C2(<3 5>,8,<0 2>) E2(5,16)]", 2),
    ("[C2(<3 5 2>,8,<0 2>)]", 6),
    ("[C3 F3 G3 C3].chord(\"maj7\").fast(2)", 1),
    ("Sine(0.25).segment(16).range(0, 127)", 4),
    ("Saw(2/3).segment(4)", 3),
    ("Sine(1).segment(\"<4 8>\")", 2),
    ("[C4 E4?]", None),
    ("Rand().segment(4)", None),
    ("[C4 E4].every(2, rev)", None),
    ("[C4 <E4 G4 A4 B4 C5 D5 E5 F5 G5>].slow(9)", None),  # 90 cycles: longer than MAX_PERIOD
    ("[<C4 E4 G4>].ribbon(1, 3/2)", 3),  # loops of 3/2: every 3 cycles
    ("[<C4 E4 G4>].ribbon(1, 2)", 2),
    ("[C4?].ribbon(1, 2)", None),  # it loops, but the repeat cache serves every seed alike: randomness has none
])
def test_periods(expression, period):
    assert period_of(evaluate_expression(expression)) == period


def test_a_cycle_too_dense_to_keep_is_asked_each_time(monkeypatch_module):
    monkeypatch_module.setattr(repeat, "MAX_EVENTS", 3)
    base = evaluate_expression("[C4 <E4 G4> D4 F4]")
    calls = []
    counted = Pattern(lambda state: calls.append(state) or base.query(state), period=2)
    for cycle in (0, 2, 4):
        counted.query(State(TimeSpan(F(cycle), F(cycle + 1))))
    assert len(calls) == 3  # never kept: every cycle goes to the query


def test_cycles_are_worked_out_once_per_place_in_the_period():
    calls = []
    base = evaluate_expression("[C4 <E4 G4>]")
    counted = Pattern(lambda state: calls.append(state.span) or base.query(state), period=2)
    answers = [counted.query(State(TimeSpan(F(c), F(c + 1)))) for c in (5, 0, 3, 8, 9, 2, 1)]
    assert calls == [TimeSpan(F(5), F(6)), TimeSpan(F(0), F(1))]  # 5 is place 1, 0 is place 0: then none
    assert [[(e.whole.begin, e.value) for e in a] for a in answers][2:4] == [
        [(F(3), 60), (F(7, 2), 67)], [(F(8), 60), (F(17, 2), 64)]]
    counted.query(State(TimeSpan(F(1, 2), F(3, 2))))  # not a whole cycle: asked
    assert len(calls) == 3


def test_coprime_makes_the_fraction_the_constructor_makes():
    rng = random.Random(7)
    for _ in range(2000):
        d = rng.randint(1, 10**6)
        reduced = F(rng.randint(-10**9, 10**9), d)
        made = coprime(reduced.numerator, reduced.denominator)
        assert type(made) is F
        assert (made.numerator, made.denominator) == (reduced.numerator, reduced.denominator)
        assert made == reduced and hash(made) == hash(reduced) and str(made) == str(reduced)
        assert made + F(1, 3) == reduced + F(1, 3) and made < reduced + 1


def test_onsets_come_in_time_order_with_ties_in_query_order():
    # Times whose floats tie but which differ, and equal times (a chord): the order is exact.
    tiny = F(1, 10**20)
    pattern = Pattern(lambda state: [
        _event(F(1, 2) + tiny, "b"), _event(F(1, 2), "a"), _event(F(1, 4), "x"), _event(F(1, 4), "y"),
        _event(F(1, 2) + 2 * tiny, "c"), _event(F(1, 2) + tiny, "b2"),
    ])
    assert [e.value for e in pattern.onsets(0, 1)] == ["x", "y", "a", "b", "b2", "c"]


def _event(begin: F, value: str):
    from trackjammer.core.event import Event

    span = TimeSpan(begin, begin + F(1, 8))
    return Event(span, span, value)
