"""Echoes: copies of a pattern, each a step later than the one before and
changed once more (`echoWith`, Tidal's stutWith), or softer by a factor
(`echo`, `stut`: each copy's velocity times the feedback once more).

echoWith builds copy i from copy i − 1, so copy i is i layers deep: a
function that adds notes (fast(2)) makes the last copies dense, and the
density limits refuse them (core/limits.py), after some work. An echoWith
inside another echo's function would multiply the copies without end and
is refused at once, past MAX_NESTED."""

from __future__ import annotations

import math
from contextvars import ContextVar

from trackjammer.core.constructors import stack
from trackjammer.core.pattern import Pattern
from trackjammer.core.registry import apply_function, transformation
from trackjammer.core.values import with_gain
from trackjammer.errors import ArgumentError

MAX_COPIES = 64  # an echo of more copies than this is a slip (each one is queried every time)
# An echo in another echo's function is applied to its own copies over and over:
# echoWith(8, …, echo(2, …)) makes 2^7 copies of the last; past this many, it is a slip.
MAX_NESTED = 1024
_COMPOSED: ContextVar[int] = ContextVar("echo_composed", default=0)  # how often an enclosing echo applies its function in a row


def _copies(times: int, who: str) -> int:
    """How many copies, once checked: at most MAX_COPIES, and inside another
    echo's function (applied again to each of its copies) at most MAX_NESTED
    of each note in all."""
    if times > MAX_COPIES:
        raise ArgumentError(f"{who} makes one copy per repeat, and {times} is more than {MAX_COPIES}",
                            hint=f"{who}(8, …): a few copies already make a long echo")
    composed = _COMPOSED.get()
    if composed and times > 1 and composed * math.log(times) > math.log(MAX_NESTED):
        raise ArgumentError(f"{who} inside another echo's function makes about {times}^{composed} copies of each note",
                            hint="give the outer echo or this one fewer copies; or add the copies with off")
    return max(0, times)


@transformation("echoWith", kinds={"times": "int", "time": "time", "function": "function"}, family="time",
                aliases=("stutWith",))
def echo_with(pat: Pattern, times, time, function) -> Pattern:
    """`times` copies in all (the first is the pattern itself), each the one
    before, `time` cycles later and with `function` applied once more:
    [C4 E4].echoWith(3, 1/8, add(7)) plays it, a fifth up an eighth later,
    and two fifths up a quarter later (stutWith is the same: Tidal's name)."""
    return _echoes(pat, times, time, lambda copy: apply_function(function, copy, "echoWith"), "echoWith")


def _echoes(pat: Pattern, times: int, time, change, who: str) -> Pattern:
    """The pattern and its copies: each copy is the one before, `time` later
    and changed once more (Tidal's stutWith): built in `times` steps."""
    times, composed = _copies(times, who), _COMPOSED.get()
    copies, copy = [], pat
    token = _COMPOSED.set(max(1, composed) * (times - 1))  # an echo in `change` is applied over and over
    try:
        for i in range(times):
            copies.append(copy)
            if i + 1 < times:
                copy = change(copy.late_by(time))
    finally:
        _COMPOSED.reset(token)
    return stack(*copies)


@transformation(kinds={"times": "int", "time": "time", "feedback": "number"}, family="time")
def echo(pat: Pattern, times, time, feedback) -> Pattern:
    """`times` copies in all, each `time` cycles after the one before and its
    velocity `feedback` times the one before's: [C4 E4].echo(3, 1/8, 0.6)
    (Strudel's echo; the velocity stands for Strudel's gain)."""
    return _faded(pat, times, time, feedback, "echo")


@transformation(kinds={"times": "int", "feedback": "number", "time": "time"}, family="time")
def stut(pat: Pattern, times, feedback, time) -> Pattern:
    """echo with its last two numbers the other way round: stut(3, 0.6, 1/8)
    (Tidal's and Strudel's older name)."""
    return _faded(pat, times, time, feedback, "stut")


def _faded(pat: Pattern, times: int, time, feedback, who: str) -> Pattern:
    """Copy i, `i × time` later, at feedback^i of the velocity (as Strudel's
    Math.pow): each copy straight from the pattern, not from the copy before,
    so the last of many copies costs no more to ask than the first."""
    if feedback < 0:
        raise ArgumentError(f"{who}'s feedback is a factor on the velocity, 0 or more; got {feedback}",
                            hint=f"{who}(3, …, 0.6): each copy at 0.6 of the one before's velocity")
    factor = float(feedback)

    def softer(i: int) -> Pattern:
        gain = factor ** i
        return pat.late_by(time * i).fmap(lambda value: with_gain(value, gain))

    count = _copies(times, who)
    return stack(*(pat if i == 0 else softer(i) for i in range(count)))
