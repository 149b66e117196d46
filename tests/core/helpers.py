"""Small helpers shared by the pattern-engine tests.

Expected values in the tests are worked out by hand from the contract
(docs: spec language.md §5-7); these helpers only turn a pattern's answer
into plain tuples that are easy to compare with such hand-written lists.
"""

from __future__ import annotations

from fractions import Fraction

import trackjammer.core  # noqa: F401  (registers every transformation)
from trackjammer.core.registry import free_function
from trackjammer.core.values import Note, number_of
from trackjammer.lang.mini_parser import parse_mini
from trackjammer.lang.mini_patterns import build

F = Fraction


def mini(text: str):
    """The pattern of a mini-notation text (the inside of a pattern literal)."""
    return build(parse_mini(text))


def fn(name: str):
    """The curried free function `name` from the registry."""
    return free_function(name)


def ev(pat, begin=0, end=1, seed=0):
    """Onsets in [begin, end) as (begin, end, value), in the order given."""
    return [(e.whole.begin, e.whole.end, e.value) for e in pat.onsets(begin, end, seed)]


def _value_key(value):
    return (number_of(value), repr(value))


def evs(pat, begin=0, end=1, seed=0):
    """Like `ev` but simultaneous events ordered by note (for stacks/chords)."""
    found = ev(pat, begin, end, seed)
    return sorted(found, key=lambda x: (x[0], x[1], _value_key(x[2])))


def canon(events):
    """A canonical, order-free form of a list of (begin, end, value)."""
    return sorted(events, key=lambda x: (x[0], x[1], _value_key(x[2])))


def seq_events(values, begin=0, step=F(1)):
    """Hand-written helper: `values` one after another, each `step` long,
    starting at `begin`; None is a rest (skipped)."""
    out = []
    t = F(begin)
    for v in values:
        if v is not None:
            out.append((t, t + step, v))
        t += step
    return out


__all__ = ["F", "Note", "canon", "ev", "evs", "fn", "mini", "seq_events"]
