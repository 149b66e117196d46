"""Echoes: copies of a pattern, each a step later than the one before and
changed once more (`echoWith`, Tidal's stutWith), or softer by a factor
(`echo`, `stut`: each copy's velocity times the feedback once more); and
repeats inside each note, each changed once more (`plyWith`).

echoWith and plyWith build copy i from copy i − 1, so copy i is i layers
deep: a function that makes m notes of one (fast(2), superimpose(rev), an
echo) makes m^i of each in copy i, and the work inside one cycle is not
metered. So the function is probed on one note, and past MAX_NESTED in the
last copy it is refused at once (_check_growth); an echo the probe does not
meet (lastOf(4, echo(…)) in cycle 0) is refused where it is made, inside
another's function (_COMPOSED)."""

from __future__ import annotations

import math
from contextvars import ContextVar
from typing import Callable

from trackjammer.core.constructors import fastcat, pure, silence, stack
from trackjammer.core.limits import Exhausted, metered
from trackjammer.core.pattern import Pattern
from trackjammer.core.registry import apply_function, transformation
from trackjammer.core.values import with_gain
from trackjammer.errors import ArgumentError

MAX_COPIES = 64  # an echo of more copies than this is a slip (each one is queried every time)
# An echo in another echo's function is applied to its own copies over and over:
# echoWith(8, …, echo(2, …)) makes 2^7 copies of the last; past this many, it is a slip.
MAX_NESTED = 1024
PROBE_SECONDS = 0.05  # CPU time the probe of a function's growth may take
_COMPOSED: ContextVar[int] = ContextVar("echo_composed", default=0)  # how often an enclosing echo applies its function in a row


def _copies(times: int, who: str, hint: str | None = None) -> int:
    """How many copies, once checked: at most MAX_COPIES, and inside another
    echo's function (applied again to each of its copies) at most MAX_NESTED
    of each note in all."""
    if times > MAX_COPIES:
        raise ArgumentError(f"{who} makes one copy per repeat, and {times} is more than {MAX_COPIES}",
                            hint=hint or f"{who}(8, …): a few copies already make a long echo")
    composed = _COMPOSED.get()
    if composed and times > 1 and composed * math.log(times) > math.log(MAX_NESTED):
        raise ArgumentError(f"{who} inside another echo's or plyWith's function makes about {times}^{composed} copies of each note",
                            hint="give the outer echo or this one fewer copies; or add the copies with off")
    return max(0, times)


def _check_growth(change: Callable[[Pattern], Pattern], times: int, who: str) -> None:
    """A function that makes m notes of one makes m^(times − 1) of each note
    in the last copy (echoWith(64, 1/8, superimpose(rev)): 2^63). Probed on
    one note and refused now past MAX_NESTED: the work inside one cycle is
    not metered (core/limits.py), so the query would never finish."""
    if times < 3:
        return
    try:
        with metered(MAX_NESTED, PROBE_SECONDS):
            made = len(change(pure(0)).onsets(0, 1))
    except Exhausted:
        made = MAX_NESTED
    except Exception:  # noqa: BLE001 - a function that cannot take a plain number: the query says why
        return
    if made > 1 and (times - 1) * math.log(made) > math.log(MAX_NESTED):
        raise ArgumentError(f"{who}'s function makes {made} notes of one, so its last copy would make {made}^{times - 1}"
                            " of each note", hint=f"give {who} fewer copies, or a function that keeps one note one "
                            "(add, transpose, rev, gain)")


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
    _check_growth(change, times, who)
    return stack(*_chain(pat, times, lambda copy: change(copy.late_by(time)), composed))


def _chain(first: Pattern, times: int, change: Callable[[Pattern], Pattern], composed: int) -> list[Pattern]:
    """`first` and `times` − 1 more, each `change` of the one before (an echo
    or plyWith in `change` is applied over and over: _COMPOSED counts it)."""
    copies, copy = [], first
    token = _COMPOSED.set(max(1, composed) * (times - 1))
    try:
        for i in range(times):
            copies.append(copy)
            if i + 1 < times:
                copy = change(copy)
    finally:
        _COMPOSED.reset(token)
    return copies


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


@transformation("plyWith", kinds={"times": "int", "function": "function"}, family="time")
def ply_with(pat: Pattern, times, function) -> Pattern:
    """ply, each repeat changed by `function` once more than the one before:
    [C4 E4].plyWith(3, add(12)) plays C4 C5 C6, E4 E5 E6 (Strudel's plyWith)."""
    times, composed = _copies(times, "plyWith", hint="plyWith(4, …); ply(n) repeats without a change"), _COMPOSED.get()
    if times == 0:
        return silence
    def change(copy: Pattern) -> Pattern:
        return apply_function(function, copy, "plyWith")

    _check_growth(change, times, "plyWith")
    return pat.fmap(lambda value: fastcat(*_chain(pure(value), times, change, composed))).squeeze_join()
