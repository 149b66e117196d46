"""Exact time, spans and events: the ground everything else stands on."""

from __future__ import annotations

from fractions import Fraction as F

import pytest

from trackjammer.core.event import Event
from trackjammer.core.span import TimeSpan
from trackjammer.core.time import cycle_pos, format_time, next_sam, sam, to_time


def S(a, b):
    return TimeSpan(F(a), F(b))


# -- to_time -------------------------------------------------------------------


@pytest.mark.parametrize(
    "given, expected",
    [
        (0.1, F(1, 10)),
        (0.25, F(1, 4)),
        (1.5, F(3, 2)),
        (-0.75, F(-3, 4)),
        (0.2, F(1, 5)),
        (1 / 3, F(3333333333333333, 10**16)),  # the shortest decimal of the float, no binary noise
        (3, F(3)),
        (0, F(0)),
        (F(3, 8), F(3, 8)),
        ("0.1", F(1, 10)),
        ("3/8", F(3, 8)),
    ],
)
def test_to_time_is_exact(given, expected):
    result = to_time(given)
    assert result == expected
    assert isinstance(result, F)


def test_to_time_float_is_not_the_binary_neighbour():
    assert to_time(0.1) != F(0.1)  # F(0.1) is 3602879701896397/36028797018963968
    assert to_time(0.1) * 10 == 1


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), float("-inf")])
def test_to_time_rejects_non_finite(bad):
    with pytest.raises(ValueError):
        to_time(bad)


@pytest.mark.parametrize("bad", [True, False, None, [1], object()])
def test_to_time_rejects_non_numbers(bad):
    with pytest.raises(TypeError):
        to_time(bad)


# -- sam / next_sam / cycle_pos / format_time ----------------------------------


@pytest.mark.parametrize(
    "t, s, n, pos",
    [
        (F(0), 0, 1, F(0)),
        (F(5, 2), 2, 3, F(1, 2)),
        (F(3), 3, 4, F(0)),
        (F(-1, 4), -1, 0, F(3, 4)),
        (F(-1), -1, 0, F(0)),
        (F(7, 8), 0, 1, F(7, 8)),
    ],
)
def test_cycle_helpers(t, s, n, pos):
    assert sam(t) == s and isinstance(sam(t), F)
    assert next_sam(t) == n and isinstance(next_sam(t), F)
    assert cycle_pos(t) == pos


@pytest.mark.parametrize(
    "t, text",
    [
        (F(0), "0"),
        (F(3, 8), "3/8"),
        (F(5, 2), "5/2"),
        (F(-1, 4), "-1/4"),
        (F(6, 4), "3/2"),
        (4, "4"),
        (F(-3), "-3"),
        (0, "0"),
    ],
)
def test_format_time(t, text):
    assert format_time(t) == text


# -- TimeSpan.cycles -------------------------------------------------------------


@pytest.mark.parametrize(
    "span, pieces",
    [
        (S(0, 1), [S(0, 1)]),
        (S(0, 2), [S(0, 1), S(1, 2)]),
        (S(F(1, 2), F(5, 2)), [S(F(1, 2), 1), S(1, 2), S(2, F(5, 2))]),
        (S(F(1, 4), F(3, 4)), [S(F(1, 4), F(3, 4))]),
        (S(F(-1, 2), F(1, 2)), [S(F(-1, 2), 0), S(0, F(1, 2))]),
        (S(F(3, 4), 1), [S(F(3, 4), 1)]),
        (S(1, F(9, 8)), [S(1, F(9, 8))]),
    ],
)
def test_cycles_splits_at_cycle_boundaries(span, pieces):
    assert span.cycles() == pieces


@pytest.mark.parametrize("t", [F(0), F(1), F(3, 2), F(-1, 3)])
def test_cycles_of_zero_width_span_is_itself(t):
    assert S(t, t).cycles() == [S(t, t)]


def test_cycles_of_backwards_span_is_empty():
    assert S(1, F(1, 2)).cycles() == []


# -- TimeSpan.intersection ----------------------------------------------------------


@pytest.mark.parametrize(
    "a, b, expected",
    [
        (S(0, 1), S(F(1, 2), 2), S(F(1, 2), 1)),  # overlap
        (S(0, 1), S(F(1, 4), F(1, 2)), S(F(1, 4), F(1, 2))),  # containment
        (S(0, 1), S(0, 1), S(0, 1)),  # identical
        (S(0, 1), S(2, 3), None),  # disjoint
        (S(0, 1), S(1, 2), None),  # abutting: half-open spans do not touch
        (S(1, 2), S(0, 1), None),  # abutting, the other way round
        (S(1, 1), S(1, 2), S(1, 1)),  # a point at the begin of a span is inside
        (S(1, 2), S(1, 1), S(1, 1)),
        (S(1, 1), S(0, 1), None),  # a point at the (open) end is not
        (S(0, 1), S(1, 1), None),
        (S(F(1, 2), F(1, 2)), S(0, 1), S(F(1, 2), F(1, 2))),  # a point strictly inside
        (S(1, 1), S(1, 1), S(1, 1)),  # two equal points
        (S(1, 1), S(2, 2), None),
        (S(F(-1, 2), F(1, 2)), S(0, 1), S(0, F(1, 2))),
    ],
)
def test_intersection(a, b, expected):
    assert a.intersection(b) == expected


def test_span_helpers():
    span = S(F(1, 4), F(7, 4))
    assert span.duration == F(3, 2)
    assert span.contains(F(1, 4)) and not span.contains(F(7, 4)) and span.contains(1)
    assert span.with_time(lambda t: t * 2) == S(F(1, 2), F(7, 2))
    # with_cycle works relative to the cycle of begin: (5/4, 3/2) -> (1 + 2*1/4, 1 + 2*1/2)
    assert S(F(5, 4), F(3, 2)).with_cycle(lambda t: t * 2) == S(F(3, 2), 2)


# -- Event -----------------------------------------------------------------------


def test_event_onset_and_fragments():
    whole = S(0, 1)
    assert Event(whole, S(0, F(1, 2)), 60).has_onset()
    assert not Event(whole, S(F(1, 2), 1), 60).has_onset()
    assert not Event(None, S(0, 1), 0.5).has_onset()  # signals have no onset


def test_event_begin_end_and_copies():
    e = Event(S(F(1, 4), F(3, 4)), S(F(1, 2), F(3, 4)), 60, ((1, 2),))
    assert (e.begin, e.end) == (F(1, 4), F(3, 4))
    signal_event = Event(None, S(F(1, 8), F(1, 4)), 0.3)
    assert (signal_event.begin, signal_event.end) == (F(1, 8), F(1, 4))
    moved = e.with_span(lambda s: s.with_time(lambda t: t + 1))
    assert moved.whole == S(F(5, 4), F(7, 4)) and moved.part == S(F(3, 2), F(7, 4))
    assert moved.value == 60 and moved.context == ((1, 2),)
    assert e.with_value(lambda v: v + 12).value == 72
    assert e.with_context(((3, 4),)).context == ((1, 2), (3, 4))
    # copies, never mutation
    assert e.whole == S(F(1, 4), F(3, 4)) and e.value == 60
    assert signal_event.with_span(lambda s: s.with_time(lambda t: t * 2)).whole is None
