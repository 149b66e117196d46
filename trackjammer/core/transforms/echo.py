"""Echoes: copies of a pattern, each a step later than the one before and
changed once more (`echoWith`, Tidal's stutWith), or softer by a factor
(`echo`, `stut`: each copy's velocity times the feedback once more)."""

from __future__ import annotations

from trackjammer.core.constructors import stack
from trackjammer.core.pattern import Pattern
from trackjammer.core.registry import apply_function, transformation
from trackjammer.core.values import with_gain
from trackjammer.errors import ArgumentError

MAX_COPIES = 64  # an echo of more copies than this is a slip (each one is queried every time)


def _copies(times: int, who: str) -> int:
    if times > MAX_COPIES:
        raise ArgumentError(f"{who} makes one copy per repeat, and {times} is more than {MAX_COPIES}",
                            hint=f"{who}({min(8, MAX_COPIES)}, …) already fades out at most feedbacks")
    return max(0, times)


@transformation("echoWith", kinds={"times": "int", "time": "time", "function": "function"}, family="time",
                aliases=("stutWith",))
def echo_with(pat: Pattern, times, time, function) -> Pattern:
    """`times` copies in all (the first is the pattern itself), each `time`
    cycles after the one before, with `function` applied once more to each:
    [C4 E4].echoWith(3, 1/8, add(7)) plays it, a fifth up an eighth later,
    and two fifths up a quarter later (stutWith is the same: Tidal's name)."""
    return _echoes(pat, times, time, lambda copy: apply_function(function, copy, "echoWith"), "echoWith")


def _echoes(pat: Pattern, times: int, time, change, who: str) -> Pattern:
    """The pattern and its copies, copy i `i × time` later and changed i times."""
    copies = []
    for i in range(_copies(times, who)):
        copy = pat.late_by(time * i)
        for _ in range(i):
            copy = change(copy)
        copies.append(copy)
    return stack(*copies)


@transformation(kinds={"times": "int", "time": "time", "feedback": "number"}, family="time")
def echo(pat: Pattern, times, time, feedback) -> Pattern:
    """`times` copies in all, each `time` cycles after the one before and its
    velocity `feedback` times the one before's: [C4 E4].echo(3, 1/8, 0.6)
    (Strudel's echo; the velocity stands for Strudel's gain)."""
    return _echoes(pat, times, time, _softer(feedback, "echo"), "echo")


@transformation(kinds={"times": "int", "feedback": "number", "time": "time"}, family="time")
def stut(pat: Pattern, times, feedback, time) -> Pattern:
    """echo with its last two numbers the other way round: stut(3, 0.6, 1/8)
    (Tidal's and Strudel's older name)."""
    return _echoes(pat, times, time, _softer(feedback, "stut"), "stut")


def _softer(feedback, who: str):
    """The change from one copy to the next: its velocity times `feedback`."""
    if feedback < 0:
        raise ArgumentError(f"{who}'s feedback is a factor on the velocity, 0 or more; got {feedback}",
                            hint=f"{who}(3, …, 0.6): each copy at 0.6 of the one before's velocity")
    factor = float(feedback)
    return lambda pattern: pattern.fmap(lambda value: with_gain(value, factor))
