"""Seeded chance: dropping events and applying functions at random.

Each random decision is a function of the seed and the event's onset (see
core.rand), so it is the same in every run and every query window.
"""

from __future__ import annotations

from trackjammer.core.constructors import stack
from trackjammer.core.pattern import Pattern
from trackjammer.core.rand import rand_at, salt_of
from trackjammer.core.registry import apply_function, transformation
from trackjammer.core.signals import signal

DEGRADE_SALT = salt_of("degrade")
SOMETIMES_SALT = salt_of("sometimes")
SOME_CYCLES_SALT = salt_of("someCycles")


def random_signal(salt: int) -> Pattern:
    return signal(lambda t, seed: rand_at(seed, t, salt))


def keep_by_chance(pat: Pattern, probability, salt: int, keep_dropped: bool = False,
                   per_cycle: bool = False) -> Pattern:
    """Drop each event with `probability` (decided at its onset, or once for
    each cycle with `per_cycle`); with `keep_dropped`, keep exactly the events
    that would have been dropped."""
    chance = random_signal(salt).segment(1) if per_cycle else random_signal(salt)
    paired = pat.app_left(chance, lambda value, r: (value, r))
    if keep_dropped:
        kept = paired.filter_values(lambda pair: pair[1] < probability)
    else:
        kept = paired.filter_values(lambda pair: pair[1] >= probability)
    return kept.fmap(lambda pair: pair[0])


@transformation(kinds={"probability": "number"}, family="chance", aliases=("degradeBy",))
def degrade(pat: Pattern, probability=0.5) -> Pattern:
    """Drop each event with the given probability (0.5 unless given);
    degradeBy is the same (Strudel's name)."""
    return keep_by_chance(pat, probability, DEGRADE_SALT)


@transformation("sometimesBy", kinds={"probability": "number", "function": "function"}, family="chance")
def sometimes_by(pat: Pattern, probability, function) -> Pattern:
    """Apply `function` to each event with the given probability."""
    return apply_by_chance(pat, probability, function, SOMETIMES_SALT, "sometimesBy")


def apply_by_chance(pat: Pattern, probability, function, salt: int, who: str, per_cycle: bool = False) -> Pattern:
    """`function` on the events chosen with `probability` (each, or each
    cycle's), the others as they are."""
    untouched = keep_by_chance(pat, probability, salt, per_cycle=per_cycle)
    chosen = keep_by_chance(pat, probability, salt, keep_dropped=True, per_cycle=per_cycle)
    return stack(untouched, apply_function(function, chosen, who))


@transformation(kinds={"function": "function"}, family="chance")
def sometimes(pat: Pattern, function) -> Pattern:
    """Apply `function` to about half of the events."""
    return sometimes_by(pat, 0.5, function)


@transformation(kinds={"function": "function"}, family="chance")
def often(pat: Pattern, function) -> Pattern:
    """Apply `function` to about three events in four."""
    return sometimes_by(pat, 0.75, function)


@transformation(kinds={"function": "function"}, family="chance")
def rarely(pat: Pattern, function) -> Pattern:
    """Apply `function` to about one event in four."""
    return sometimes_by(pat, 0.25, function)


@transformation("almostNever", kinds={"function": "function"}, family="chance")
def almost_never(pat: Pattern, function) -> Pattern:
    """Apply `function` to about one event in ten."""
    return sometimes_by(pat, 0.1, function)


@transformation("almostAlways", kinds={"function": "function"}, family="chance")
def almost_always(pat: Pattern, function) -> Pattern:
    """Apply `function` to about nine events in ten."""
    return sometimes_by(pat, 0.9, function)


@transformation(kinds={"function": "function"}, family="chance")
def always(pat: Pattern, function) -> Pattern:
    """Apply `function` to every event: sometimesBy(1, …), for trying a
    change before leaving it to chance (Strudel's and Tidal's always)."""
    return apply_function(function, pat, "always")


@transformation(kinds={"function": "function"}, family="chance")
def never(pat: Pattern, function) -> Pattern:
    """Apply `function` to no event: sometimesBy(0, …), a change kept in the
    code but silenced (Strudel's and Tidal's never)."""
    return pat


@transformation("someCyclesBy", kinds={"probability": "number", "function": "function"}, family="chance")
def some_cycles_by(pat: Pattern, probability, function) -> Pattern:
    """Apply `function` to whole cycles, each with the given probability:
    someCyclesBy(0.3, rev) reverses about one cycle in three."""
    return apply_by_chance(pat, probability, function, SOME_CYCLES_SALT, "someCyclesBy", per_cycle=True)


@transformation("someCycles", kinds={"function": "function"}, family="chance")
def some_cycles(pat: Pattern, function) -> Pattern:
    """Apply `function` to about half of the cycles, each whole."""
    return some_cycles_by(pat, 0.5, function)


def choose_per_cycle(patterns: list[Pattern], salt: int) -> Pattern:
    """One of `patterns` chosen at random for each cycle (the `|` of mini-notation)."""
    count = len(patterns)
    pick = random_signal(salt).segment(1).fmap(lambda r: patterns[min(int(r * count), count - 1)])
    return pick.inner_join()
