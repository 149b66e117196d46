"""Requests for absurd amounts of work fail at once with a clear error
instead of freezing the instrument (core/limits.py)."""

from __future__ import annotations

import time

import pytest

import trackjammer.core  # noqa: F401
from trackjammer.core.limits import MAX_CYCLES_PER_QUERY, MAX_STEPS, TooMuchWork
from trackjammer.lang.evaluator import Interpreter


def fails_fast(text: str, begin=0, end=1) -> TooMuchWork:
    start = time.perf_counter()
    with pytest.raises(TooMuchWork) as caught:
        pattern = Interpreter().execute(text)
        pattern.onsets(begin, end)
    assert time.perf_counter() - start < 5  # generous: the point is "not a hang"
    return caught.value


@pytest.mark.parametrize(
    "text",
    ["[C4].fast(1000000000)", "[C4].ply(1000000000)", "Sine(1).segment(100000000)", "[{C4 E4}%1000000000]",
     "[C4*<1000000000 2>]"],
)
def test_huge_speed_ups_are_refused_when_queried(text):
    error = fails_fast(text)
    assert error.message.startswith("this asks for ") and error.message.endswith(
        f"cycles at once (at most {MAX_CYCLES_PER_QUERY:,})")


def test_a_huge_window_is_refused():
    error = fails_fast("[C4]", 0, 10**8)
    assert error.message == "this asks for 100,000,000 cycles at once (at most 1,000,000)"


@pytest.mark.parametrize(
    ("text", "column", "message"),
    [
        ("[C4(3,1000000)]", 1, "a Euclidean rhythm of 1,000,000 steps is too many (at most 10,000)"),
        ("[C4!100000]", 4, "a repeat of 100,000 steps is too many (at most 10,000)"),
        ("[0 .. 1000000000]", 2, "a run of 1,000,000,001 steps is too many (at most 10,000)"),
    ],
)
def test_huge_step_counts_are_refused_when_written(text, column, message):
    error = fails_fast(text)
    assert (error.column, error.message) == (column, message)


def test_the_limits_leave_room_for_real_music():
    pattern = Interpreter().execute(f"[C4(5,{MAX_STEPS})]")
    assert len(pattern.onsets(0, 1)) == 5
    assert len(Interpreter().execute("[C4].fast(1000)").onsets(0, 1)) == 1000
    assert len(Interpreter().execute("[C4]").onsets(0, 10_000)) == 10_000
