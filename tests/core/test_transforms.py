"""Every registered transformation (language.md §6), with exact events.

Expected events are worked out by hand from the contract and Tidal/Strudel
semantics (and the design choices written in each test's docstring/comment).
"""

from __future__ import annotations

from collections import Counter
from fractions import Fraction as F

import pytest

from trackjammer.core.constructors import pure
from trackjammer.core.registry import REGISTRY, Partial
from trackjammer.core.theory import SCALES
from trackjammer.core.values import Note
from trackjammer.errors import ArgumentError, TrackJammerError

from .helpers import canon, ev, evs, fn, mini, seq_events

fast2 = fn("fast")(2)
rev = fn("rev")
up12 = fn("transpose")(12)


def per_cycle(pat, n):
    """Onsets of cycles 0..n-1, one query per cycle."""
    return [e for c in range(n) for e in ev(pat, c, c + 1)]


# -- a guard: everything registered is tested here or in test_signals.py ------------------

TESTED = {
    "fast", "slow", "rev", "early", "late", "every", "sometimes", "often", "rarely", "sometimesBy",
    "off", "transpose", "degrade", "euclid", "ply", "iter", "palindrome", "gate", "vel", "chord",
    "arp", "strum", "scale", "swing", "segment", "range", "stack", "cat", "seq",
    "add", "sub", "mul", "div",  # test_signals.py
    "Sine", "Cosine", "Saw", "Ramp", "Tri", "Square", "Rand", "Perlin", "Const",  # test_signals.py
    "struct", "mask", "degradeBy", "legato", "whenmod", "chunk", "within", "superimpose",  # test_names.py
    "inside", "outside", "rot", "linger", "run", "shuffle", "scramble", "choose", "irand",  # test_names.py
    "knob",  # test_knobs.py
    "fastGap", "compress", "zoom", "press", "pressBy", "brak", "lastOf", "firstOf", "swingBy",  # and tests/strudel
    "almostNever", "almostAlways", "someCyclesBy", "someCycles",
    "euclidOff", "euclidRot", "euclidLegato", "euclidLegatoRot", "iterBack", "ribbon", "rib",  # and tests/strudel
    "echoWith", "stutWith", "echo", "stut", "gain",  # and tests/midi/test_export_rules.py
    "pick", "pickmod", "pickF", "chunkBack", "fastChunk",  # and tests/strudel
    "when", "layer", "plyWith", "rangex", "always", "never", "inv", "invert",  # and tests/strudel
    "mod", "round", "floor", "ceil", "bite",  # and tests/strudel
}


def test_every_registered_function_has_tests():
    assert set(REGISTRY) - TESTED == set(), "a new registered function needs its tests"
    assert TESTED - set(REGISTRY) == set(), "a function the contract requires is not registered"


# -- fast / slow ------------------------------------------------------------------------------


def test_fast():
    assert ev(mini("0 1").fast(2)) == seq_events([0, 1, 0, 1], step=F(1, 4))
    assert ev(mini("0 1 2").fast(F(3, 2)), 0, 2) == seq_events([0, 1, 2, 0, 1, 2, 0, 1, 2], step=F(2, 9))
    assert ev(mini("0 1").fast(1.5), 0, 2) == seq_events([0, 1, 0, 1, 0, 1], step=F(1, 3))


def test_fast_zero_is_silence():
    assert ev(mini("0 1").fast(0), 0, 3) == []


def test_fast_patterned():
    # fast of <1 2>: once in cycle 0, twice in cycle 1
    assert ev(mini("0 1").fast(mini("<1 2>")), 0, 2) == seq_events([0, 1], step=F(1, 2)) + seq_events(
        [0, 1, 0, 1], begin=1, step=F(1, 4)
    )


def test_slow():
    assert ev(mini("0 1 2 3").slow(2), 0, 2) == seq_events([0, 1, 2, 3], step=F(1, 2))
    assert ev(mini("0 1").slow(0.5)) == ev(mini("0 1").fast(2))
    # slow of <1 2>: cycle 1 shows the second half of the half-speed pattern
    assert ev(mini("0 1").slow(mini("<1 2>")), 0, 2) == [(0, F(1, 2), 0), (F(1, 2), 1, 1), (1, 2, 1)]


# -- rev ----------------------------------------------------------------------------------------


def test_rev():
    assert ev(mini("0 [1 2]").rev()) == [(0, F(1, 4), 2), (F(1, 4), F(1, 2), 1), (F(1, 2), 1, 0)]
    assert ev(mini("0@3 1").rev(), 0, 2) == [(0, F(1, 4), 1), (F(1, 4), 1, 0), (1, F(5, 4), 1), (F(5, 4), 2, 0)]


def test_rev_keeps_each_cycle_its_own():
    assert ev(mini("<0 1> 2").rev(), 0, 2) == [(0, F(1, 2), 2), (F(1, 2), 1, 0), (1, F(3, 2), 2), (F(3, 2), 2, 1)]


# -- early / late -----------------------------------------------------------------------------


def test_early_and_late():
    assert ev(mini("0 1 2 3").early(F(1, 4))) == seq_events([1, 2, 3, 0], step=F(1, 4))
    assert ev(mini("0 1 2 3").late(F(1, 4))) == seq_events([3, 0, 1, 2], step=F(1, 4))
    assert ev(mini("0 1 2").early(F(1, 3))) == seq_events([1, 2, 0], step=F(1, 3))
    assert ev(mini("0 1 2 3").early(0.25)) == seq_events([1, 2, 3, 0], step=F(1, 4))


def test_late_across_the_cycle_boundary():
    pat = mini("0 1").late(F(1, 8))
    assert ev(pat) == [(F(1, 8), F(5, 8), 0), (F(5, 8), F(9, 8), 1)]
    fragments = sorted((e.whole, e.part, e.value) for e in pat.query_span(0, 1))
    assert fragments == [
        ((F(-3, 8), F(1, 8)), (0, F(1, 8)), 1),  # the 1 of cycle -1, still sounding
        ((F(1, 8), F(5, 8)), (F(1, 8), F(5, 8)), 0),
        ((F(5, 8), F(9, 8)), (F(5, 8), 1), 1),
    ]


def test_shift_by_whole_cycles():
    assert ev(mini("<0 1>").late(1), 0, 2) == [(0, 1, 1), (1, 2, 0)]
    assert ev(mini("<0 1 2>").early(1), 0, 3) == [(0, 1, 1), (1, 2, 2), (2, 3, 0)]


def test_early_patterned():
    assert ev(mini("0 1 2 3").early(mini("<0 0.25>")), 0, 2) == seq_events(
        [0, 1, 2, 3, 1, 2, 3, 0], step=F(1, 4)
    )


# -- every ----------------------------------------------------------------------------------------


def _halves(c):
    return seq_events([0, 1], begin=c, step=F(1, 2))


def _quarters(c):
    return seq_events([0, 1, 0, 1], begin=c, step=F(1, 4))


def test_every_applies_in_cycles_0_n_2n():
    expected = [e for c in range(7) for e in (_quarters(c) if c % 3 == 0 else _halves(c))]
    assert ev(mini("0 1").every(3, fast2), 0, 7) == expected
    assert per_cycle(mini("0 1").every(3, fast2), 7) == expected


def test_every_curried_forms():
    expected = [e for c in range(4) for e in (_quarters(c) if c % 2 == 0 else _halves(c))]
    every = fn("every")
    assert ev(every(2, fn("fast")(2))(mini("0 1")), 0, 4) == expected
    assert ev(every(2, fn("fast")(2), mini("0 1")), 0, 4) == expected
    assert isinstance(every(2, fn("fast")(2)), Partial)


def test_every_with_a_bare_function_uses_its_defaults():
    # every(2, degrade): degrade with its default probability in even cycles
    pat = mini("0*8").every(2, fn("degrade"))
    assert ev(pat, 0, 8) == ev(mini("0*8").every(2, fn("degrade")(0.5)), 0, 8)
    counts = [len(ev(pat, c, c + 1)) for c in range(8)]
    assert counts[1::2] == [8, 8, 8, 8]  # odd cycles untouched
    assert sum(counts[0::2]) < 32  # even cycles degraded


def test_every_patterned_period():
    # period <2 3>: cycle c is changed when c % period(c) == 0 -> cycles 0, 2, 3, 4 (not 1, 5)
    expected = [e for c in range(6) for e in (_quarters(c) if c in (0, 2, 3, 4) else _halves(c))]
    assert ev(mini("0 1").every(mini("<2 3>"), fast2), 0, 6) == expected


def test_every_with_rev_and_one():
    assert ev(mini("0 1").every(2, rev), 0, 2) == [(0, F(1, 2), 1), (F(1, 2), 1, 0), (1, F(3, 2), 0), (F(3, 2), 2, 1)]
    assert ev(mini("0 1").every(1, rev), 0, 2) == [(0, F(1, 2), 1), (F(1, 2), 1, 0), (1, F(3, 2), 1), (F(3, 2), 2, 0)]


# -- sometimes & co -------------------------------------------------------------------------------


def _transposed_fraction(pat, cycles=250):
    """Check that each eighth has exactly one note, 0 or 12, and return the
    fraction that was transposed."""
    events = ev(pat, 0, cycles)
    assert [(b, e) for b, e, _ in events] == [(F(i, 8), F(i + 1, 8)) for i in range(8 * cycles)]
    values = Counter(v for _, _, v in events)
    assert set(values) <= {0, 12}
    return values[12] / (8 * cycles)


@pytest.mark.parametrize(
    "name, args, expected",
    [("sometimes", (), 0.5), ("often", (), 0.75), ("rarely", (), 0.25), ("sometimesBy", (0.1,), 0.1)],
)
def test_sometimes_family_applies_with_its_probability(name, args, expected):
    pat = getattr(mini("0*8"), name)(*args, up12)
    assert abs(_transposed_fraction(pat) - expected) <= 0.05


def test_sometimes_by_zero_and_one():
    assert ev(mini("0 1 2 3").sometimesBy(0, rev)) == seq_events([0, 1, 2, 3], step=F(1, 4))
    assert ev(mini("0 1 2 3").sometimesBy(1, rev)) == seq_events([3, 2, 1, 0], step=F(1, 4))
    assert ev(mini("0 1").sometimesBy(1, up12), 0, 2) == seq_events([12, 13, 12, 13], step=F(1, 2))


def test_sometimes_is_deterministic_and_seeded():
    def build():
        return mini("0*8").sometimes(up12)

    first = ev(build(), 0, 32)
    assert first == ev(build(), 0, 32)
    assert first == per_cycle(build(), 32)
    assert ev(build(), 0, 32, seed=3) != first


def test_sometimes_with_a_free_function_rev():
    # The choice is made per event of the original pattern, from its onset
    # (like Strudel: the same events whatever the function). The chosen
    # events are reversed among themselves: event i lands on 3 - i.
    chosen = {b for b, _, v in ev(mini("0 1 2 3").sometimes(up12), 0, 8) if v >= 12}
    assert 0 < len(chosen) < 32
    expected = []
    for c in range(8):
        for i in range(4):
            t = c + F(i, 4)
            at = c + F(3 - i, 4) if t in chosen else t
            expected.append((at, at + F(1, 4), i))
    assert evs(mini("0 1 2 3").sometimes(rev), 0, 8) == canon(expected)


# -- off / transpose ----------------------------------------------------------------------------------


def test_off():
    assert ev(mini("60 64").off(F(1, 8), up12)) == [
        (0, F(1, 2), 60), (F(1, 8), F(5, 8), 72), (F(1, 2), 1, 64), (F(5, 8), F(9, 8), 76),
    ]
    assert ev(fn("off")(0.25, up12, mini("60"))) == [(0, 1, 60), (F(1, 4), F(5, 4), 72)]


def test_transpose_keeps_velocity():
    assert ev(mini("C4 E4^80").transpose(12)) == [(0, F(1, 2), 72), (F(1, 2), 1, Note(76, 80))]
    assert ev(mini("60").transpose(-12)) == [(0, 1, 48)]


def test_transpose_patterned_is_read_at_each_onset():
    assert ev(mini("60 64").transpose(mini("<0 12>")), 0, 2) == seq_events([60, 64, 72, 76], step=F(1, 2))
    # [0 7] against a whole-cycle note: the value at the onset (0) wins
    assert ev(mini("60").transpose(mini("0 7"))) == [(0, 1, 60)]


# -- degrade ------------------------------------------------------------------------------------------------


def test_degrade():
    assert ev(mini("0*8").degrade(0), 0, 4) == seq_events([0] * 32, step=F(1, 8))
    assert ev(mini("0*8").degrade(1), 0, 4) == []
    kept = ev(mini("0*8").degrade(), 0, 250)
    assert 0.45 <= len(kept) / 2000 <= 0.55
    kept = ev(mini("0*8").degrade(0.25), 0, 250)
    assert 0.70 <= len(kept) / 2000 <= 0.80
    for begin, end, value in kept:
        assert value == 0 and end - begin == F(1, 8) and (begin * 8).denominator == 1


def test_degrade_is_deterministic():
    first = ev(mini("0*8").degrade(), 0, 16)
    assert first == ev(mini("0*8").degrade(), 0, 16) == per_cycle(mini("0*8").degrade(), 16)
    assert ev(mini("0*8").degrade(), 0, 16, seed=9) != first


# -- euclid ------------------------------------------------------------------------------------------------------


def _on(steps, n, value=60, cycle=0):
    return [(cycle + F(s, n), cycle + F(s + 1, n), value) for s in steps]


def test_euclid():
    assert ev(pure(60).euclid(3, 8), 0, 2) == _on([0, 3, 6], 8) + _on([0, 3, 6], 8, cycle=1)
    assert ev(pure(60).euclid(3, 8, 2)) == _on([1, 4, 6], 8)
    assert ev(pure(60).euclid(5, 8, 2)) == _on([0, 1, 3, 4, 6], 8)
    assert ev(pure(60).euclid(-3, 8)) == _on([1, 2, 4, 5, 7], 8)
    assert ev(pure(60).euclid(3, 8, -1)) == _on([1, 4, 7], 8)
    assert ev(pure(60).euclid(3, 8, 10)) == _on([1, 4, 6], 8)  # rotation wraps around


def test_euclid_imposes_rhythm_on_a_sequence():
    assert ev(mini("60 64").euclid(3, 8)) == [(0, F(1, 8), 60), (F(3, 8), F(1, 2), 60), (F(3, 4), F(7, 8), 64)]


def test_euclid_patterned():
    assert ev(pure(60).euclid(mini("<3 5>"), 8), 0, 2) == _on([0, 3, 6], 8) + _on([0, 2, 3, 5, 6], 8, cycle=1)


# -- ply / iter / palindrome ----------------------------------------------------------------------------------


def test_ply():
    assert ev(mini("0 1").ply(2)) == seq_events([0, 0, 1, 1], step=F(1, 4))
    assert ev(mini("0 1").ply(3)) == seq_events([0, 0, 0, 1, 1, 1], step=F(1, 6))
    assert ev(mini("0@3 1").ply(2)) == [(0, F(3, 8), 0), (F(3, 8), F(3, 4), 0), (F(3, 4), F(7, 8), 1), (F(7, 8), 1, 1)]
    assert ev(mini("C4^80").ply(2)) == [(0, F(1, 2), Note(60, 80)), (F(1, 2), 1, Note(60, 80))]


def test_ply_of_events_longer_than_a_cycle_or_across_cycles():
    # a two-cycle note played twice: one per cycle
    assert ev(mini("0/2").ply(2), 0, 4) == seq_events([0, 0, 0, 0])
    assert ev(mini("0@3 1").slow(2).ply(3), 0, 2) == [
        (0, F(1, 2), 0), (F(1, 2), 1, 0), (1, F(3, 2), 0),
        (F(3, 2), F(3, 2) + F(1, 6), 1), (F(3, 2) + F(1, 6), F(3, 2) + F(1, 3), 1), (F(3, 2) + F(1, 3), 2, 1),
    ]
    # notes straddling the cycle boundary are repeated inside their own span:
    # late(1/4) gives 1 on [-1/4, 1/4), 0 on [1/4, 3/4), 1 on [3/4, 5/4)
    assert ev(mini("0 1").late(F(1, 4)).ply(2)) == [
        (0, F(1, 4), 1), (F(1, 4), F(1, 2), 0), (F(1, 2), F(3, 4), 0), (F(3, 4), 1, 1),
    ]
    pat = mini("0 1").late(F(1, 4)).ply(2)
    assert ev(pat, 0, F(7, 8)) + ev(pat, F(7, 8), 2) == ev(pat, 0, 2)


def test_iter():
    rotations = [[0, 1, 2, 3], [1, 2, 3, 0], [2, 3, 0, 1], [3, 0, 1, 2], [0, 1, 2, 3]]
    expected = [e for c, r in enumerate(rotations) for e in seq_events(r, begin=c, step=F(1, 4))]
    assert ev(mini("0 1 2 3").iter(4), 0, 5) == expected
    assert per_cycle(mini("0 1 2 3").iter(4), 5) == expected
    assert ev(mini("0 1 2 3").iter(2), 0, 2) == seq_events([0, 1, 2, 3, 2, 3, 0, 1], step=F(1, 4))


def test_palindrome_reverses_odd_cycles():
    assert ev(mini("0 1 2").palindrome(), 0, 4) == seq_events([0, 1, 2, 2, 1, 0] * 2, step=F(1, 3))
    # the pattern keeps its own cycle: <0 1> 2 plays 0 2 | (1 2 reversed) | 0 2 | (1 2 reversed)
    assert ev(mini("<0 1> 2").palindrome(), 0, 4) == seq_events([0, 2, 2, 1, 0, 2, 2, 1], step=F(1, 2))


# -- gate / vel -------------------------------------------------------------------------------------------


def test_gate():
    assert ev(mini("60 64").gate(0.5)) == [(0, F(1, 2), Note(60, None, F(1, 2))), (F(1, 2), 1, Note(64, None, F(1, 2)))]
    assert ev(mini("C4^80").gate(F(3, 2))) == [(0, 1, Note(60, 80, F(3, 2)))]
    assert ev(mini("60").gate(mini("<0.5 1>")), 0, 2) == [(0, 1, Note(60, None, F(1, 2))), (1, 2, Note(60, None, F(1)))]


@pytest.mark.parametrize("bad", [0, -0.5])
def test_gate_must_be_positive(bad):
    with pytest.raises(ArgumentError) as info:
        ev(mini("60 64").gate(bad))
    assert info.value.message == f"gate's 'fraction' must be more than 0, got {bad}"


def test_gate_rejects_zero_when_called():
    with pytest.raises(ArgumentError, match="gate's 'fraction' must be more than 0, got 0"):
        mini("<60 64>").gate(0)



def test_vel():
    assert ev(mini("60 64").vel(80)) == [(0, F(1, 2), Note(60, 80)), (F(1, 2), 1, Note(64, 80))]
    assert ev(mini("C4^30").vel(100)) == [(0, 1, Note(60, 100))]  # vel replaces
    assert ev(mini("60").vel(80.6)) == [(0, 1, Note(60, 81))]
    assert ev(mini("60").vel(200)) == [(0, 1, Note(60, 127))]
    assert ev(mini("60").vel(-5)) == [(0, 1, Note(60, 0))]
    assert ev(mini("60 64").gate(0.5).vel(90)) == [
        (0, F(1, 2), Note(60, 90, F(1, 2))), (F(1, 2), 1, Note(64, 90, F(1, 2))),
    ]


def test_vel_patterned_and_signal():
    assert ev(mini("60").vel(mini("<80 100>")), 0, 2) == [(0, 1, Note(60, 80)), (1, 2, Note(60, 100))]
    saw = fn("Saw")(1).range(0, 100)
    assert ev(mini("60*4").vel(saw)) == seq_events([Note(60, v) for v in (0, 25, 50, 75)], step=F(1, 4))
    sine = fn("Sine")(1).range(60, 110)
    result = ev(mini("60*4").vel(sine))
    assert result == seq_events([Note(60, v) for v in (85, 110, 85, 60)], step=F(1, 4))
    assert all(type(v.velocity) is int for _, _, v in result)


# -- chord / arp / strum ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, intervals",
    [
        ("maj", (0, 4, 7)),
        ("min", (0, 3, 7)),
        ("7", (0, 4, 7, 10)),
        ("maj7", (0, 4, 7, 11)),
        ("m7", (0, 3, 7, 10)),
        ("dim", (0, 3, 6)),
        ("aug", (0, 4, 8)),
        ("sus2", (0, 2, 7)),
        ("sus4", (0, 5, 7)),
        ("dim7", (0, 3, 6, 9)),
        ("m7b5", (0, 3, 6, 10)),
        ("6", (0, 4, 7, 9)),
        ("add9", (0, 4, 7, 14)),
        ("9", (0, 4, 7, 10, 14)),
    ],
)
def test_chord(name, intervals):
    assert evs(mini("C3 F3").chord(name)) == canon(
        [(0, F(1, 2), 48 + i) for i in intervals] + [(F(1, 2), 1, 53 + i) for i in intervals]
    )


def test_chord_keeps_velocity():
    assert evs(mini("C4^90").chord("maj")) == [(0, 1, Note(60, 90)), (0, 1, Note(64, 90)), (0, 1, Note(67, 90))]


def _arp(mode, chord="maj", note="C4"):
    return [v for _, _, v in ev(mini(note).chord(chord).arp(mode))]


def test_arp_modes():
    assert ev(mini("C4").chord("maj").arp("up")) == seq_events([60, 64, 67], step=F(1, 3))
    assert ev(mini("C4").chord("maj").arp()) == seq_events([60, 64, 67], step=F(1, 3))
    assert ev(mini("C4").chord("maj").arp("down")) == seq_events([67, 64, 60], step=F(1, 3))
    assert ev(mini("C4").chord("maj").arp("updown")) == seq_events([60, 64, 67, 64], step=F(1, 4))
    assert ev(mini("C4").chord("maj").arp("downup")) == seq_events([67, 64, 60, 64], step=F(1, 4))
    assert ev(mini("C4").chord("maj7").arp("converge")) == seq_events([60, 71, 64, 67], step=F(1, 4))
    assert _arp("converge", "maj") == [60, 67, 64]
    assert _arp("diverge", "maj7") == [67, 64, 71, 60]
    assert _arp("updown", "maj7") == [60, 64, 67, 71, 67, 64]
    assert _arp("downup", "maj7") == [71, 67, 64, 60, 64, 67]


def test_arp_sorts_a_written_stack_and_splits_each_chord():
    assert ev(mini("[G4,C4,E4] [A4,D4,F4]").arp("up")) == seq_events([60, 64, 67, 62, 65, 69], step=F(1, 6))


def test_arp_of_a_single_note():
    for mode in ("up", "down", "updown", "downup", "converge", "diverge", "random"):
        assert ev(mini("60 62").arp(mode)) == [(0, F(1, 2), 60), (F(1, 2), 1, 62)]


def test_arp_keeps_velocity_and_any_window():
    pat = mini("C4^90").chord("maj").arp("up")
    assert ev(pat) == seq_events([Note(60, 90), Note(64, 90), Note(67, 90)], step=F(1, 3))
    assert ev(pat, 0, F(1, 2)) + ev(pat, F(1, 2), 1) == ev(pat)


def test_arp_random_is_a_deterministic_permutation_per_chord():
    def build():
        return mini("C4*16").chord("maj7").arp("random")

    events = ev(build(), 0, 2)
    orders = []
    for k in range(32):
        chunk = events[4 * k: 4 * k + 4]
        begin = F(k, 16)
        assert [(b, e) for b, e, _ in chunk] == [(begin + F(i, 64), begin + F(i + 1, 64)) for i in range(4)]
        assert sorted(v for _, _, v in chunk) == [60, 64, 67, 71]
        orders.append(tuple(v for _, _, v in chunk))
    assert len(set(orders)) > 1  # not the same shuffle for every chord
    assert ev(build(), 0, 2) == events  # a second build
    assert per_cycle(build(), 2) == events  # cycle by cycle
    assert [e for k in range(32) for e in ev(build(), F(k, 16), F(k + 1, 16))] == events  # chord by chord
    assert ev(build(), 0, 2, seed=4) != events


def test_arp_of_chords_across_the_cycle_boundary():
    # the chord of cycle -1 sounds on [-1/2, 1/2): its G on [1/6, 1/2) starts in cycle 0
    pat = mini("[C4,E4,G4]").late(F(1, 2)).arp("up")
    expected = [
        (F(1, 6), F(1, 2), 67), (F(1, 2), F(5, 6), 60), (F(5, 6), F(7, 6), 64),
        (F(7, 6), F(3, 2), 67), (F(3, 2), F(11, 6), 60), (F(11, 6), F(13, 6), 64),
    ]
    assert ev(pat, 0, 2) == expected
    assert per_cycle(pat, 2) == expected


def test_arp_unknown_mode():
    with pytest.raises(ArgumentError) as info:
        mini("C4").arp("sideways")
    assert "unknown arp mode 'sideways'" in info.value.message
    with pytest.raises(ArgumentError) as info:
        mini("C4").arp("0 2 1")  # Strudel's indices
    assert info.value.hint == ("arp plays the notes in an order: up, down, updown, downup, converge, diverge or "
                               "random (Strudel's arp picks them by index; Tidal's arp names the order)")


def test_strum():
    assert ev(mini("C4").chord("maj").strum(F(1, 8))) == [(0, 1, 60), (F(1, 8), 1, 64), (F(1, 4), 1, 67)]
    # low to high, whatever the written order
    assert ev(mini("[G4,C4,E4]").strum(F(1, 16))) == [(0, 1, 60), (F(1, 16), 1, 64), (F(1, 8), 1, 67)]
    assert ev(mini("[C4,E4] [D4,F4]").strum(F(1, 8))) == [
        (0, F(1, 2), 60), (F(1, 8), F(1, 2), 64), (F(1, 2), 1, 62), (F(5, 8), 1, 65),
    ]
    assert ev(mini("C4^70").chord("maj").strum(0.125)) == [
        (0, 1, Note(60, 70)), (F(1, 8), 1, Note(64, 70)), (F(1, 4), 1, Note(67, 70)),
    ]


def test_strum_drops_notes_that_would_start_after_the_chord_ends():
    assert ev(mini("[C4,E4,G4]").strum(F(1, 2))) == [(0, 1, 60), (F(1, 2), 1, 64)]


def test_strum_any_window():
    pat = mini("C4").chord("maj7").strum(F(1, 8))
    assert ev(pat, 0, F(1, 4)) + ev(pat, F(1, 4), 1) == ev(pat) == [
        (0, 1, 60), (F(1, 8), 1, 64), (F(1, 4), 1, 67), (F(3, 8), 1, 71),
    ]


# -- scale ---------------------------------------------------------------------------------------------------------

KNOWN_SCALES = {
    "chromatic": (0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11),
    "major": (0, 2, 4, 5, 7, 9, 11),
    "minor": (0, 2, 3, 5, 7, 8, 10),
    "dorian": (0, 2, 3, 5, 7, 9, 10),
    "phrygian": (0, 1, 3, 5, 7, 8, 10),
    "lydian": (0, 2, 4, 6, 7, 9, 11),
    "mixolydian": (0, 2, 4, 5, 7, 9, 10),
    "locrian": (0, 1, 3, 5, 6, 8, 10),
    "harmonic_minor": (0, 2, 3, 5, 7, 8, 11),
    "melodic_minor": (0, 2, 3, 5, 7, 9, 11),
    "pentatonic_major": (0, 2, 4, 7, 9),
    "pentatonic_minor": (0, 3, 5, 7, 10),
    "blues": (0, 3, 5, 6, 7, 10),
    "whole_tone": (0, 2, 4, 6, 8, 10),
    "diminished": (0, 2, 3, 5, 6, 8, 9, 11),  # whole-half
}


def test_the_fifteen_scales_are_there():
    assert set(SCALES) == set(KNOWN_SCALES) and len(SCALES) == 15


@pytest.mark.parametrize("name", sorted(KNOWN_SCALES))
def test_scale_one_octave(name):
    steps = KNOWN_SCALES[name]
    assert SCALES[name] == steps
    n = len(steps)
    text = " ".join(str(d) for d in range(n + 1))  # degrees 0..len: one octave and the next root
    expected = [60 + s for s in steps] + [72]
    assert [v for _, _, v in ev(mini(text).scale(name))] == expected
    assert [v for _, _, v in ev(mini(text).scale(name, "C3"))] == [x - 12 for x in expected]
    assert [b for b, _, _ in ev(mini(text).scale(name))] == [F(i, n + 1) for i in range(n + 1)]


def test_scale_dorian_example_and_roots():
    assert ev(mini("0 2 4").scale("dorian", "C3")) == seq_events([48, 51, 55], step=F(1, 3))
    assert [v for _, _, v in ev(mini("0 2 4").scale("major", "D4"))] == [62, 66, 69]
    assert [v for _, _, v in ev(mini("0 2 4").scale("major", 50))] == [50, 54, 57]


def test_scale_degrees_wrap_both_ways():
    assert [v for _, _, v in ev(mini("-1 -7 -8 7 9 14").scale("major"))] == [59, 48, 47, 72, 76, 84]
    assert [v for _, _, v in ev(mini("5 -1").scale("pentatonic_minor", "A3"))] == [69, 55]


def test_scale_patterned_name():
    names = fn("cat")("major", "minor")
    assert ev(mini("0 2").scale(names), 0, 2) == seq_events([60, 64, 60, 63], step=F(1, 2))


def test_scale_keeps_velocity():
    assert ev(mini("0^80 2").scale("major")) == [(0, F(1, 2), Note(60, 80)), (F(1, 2), 1, 64)]


def test_scale_unknown_name_suggests():
    with pytest.raises(ArgumentError) as info:
        mini("0 2").scale("dorain")
    assert "unknown scale 'dorain'" in info.value.message
    assert "did you mean 'dorian'?" in info.value.hint
    assert "did you mean 'dorian'?" in info.value.format()


def test_scale_fractional_degree():
    with pytest.raises(ArgumentError) as info:
        ev(mini("0.5").scale("major"))
    assert "whole numbers" in info.value.message


# -- swing / segment / range ----------------------------------------------------------------------------------------


def test_swing():
    # eighths, subdivision 4: the second eighth of each quarter moves by (1/3)/8 = 1/24
    d = F(1, 24)
    expected = []
    for i in range(8):
        b = F(i, 8) + (d if i % 2 else 0)
        expected.append((b, b + F(1, 8), 0))
    assert ev(mini("0*8").swing(F(1, 3))) == expected
    pat = mini("0*8").swing(F(1, 3))
    assert ev(pat, 0, F(1, 2)) + ev(pat, F(1, 2), 1) == expected


def test_swing_subdivision():
    # subdivision 2: slots of 1/2, shift (1/2)/(2*2) = 1/8 for events in [1/4, 1/2) of a slot
    assert ev(mini("0 1 2 3").swing(F(1, 2), 2)) == [
        (0, F(1, 4), 0), (F(3, 8), F(5, 8), 1), (F(1, 2), F(3, 4), 2), (F(7, 8), F(9, 8), 3),
    ]
    assert ev(mini("0 1 2 3").swing(F(1, 2))) == seq_events([0, 1, 2, 3], step=F(1, 4))  # all on the beat
    assert ev(mini("0*8").swing(0)) == seq_events([0] * 8, step=F(1, 8))


def test_segment():
    assert ev(fn("Saw")(1).segment(4)) == seq_events([0.0, 0.25, 0.5, 0.75], step=F(1, 4))
    assert ev(mini("0 1").segment(4)) == seq_events([0, 0, 1, 1], step=F(1, 4))
    assert ev(mini("0 1 2").segment(1)) == [(0, 1, 0)]


def test_range():
    assert ev(mini("0 0.5 1").range(10, 20)) == seq_events([10, 15.0, 20], step=F(1, 3))
    assert ev(mini("0 1").range(-1, 1)) == seq_events([-1, 1], step=F(1, 2))


# -- stack / cat / seq --------------------------------------------------------------------------------------------------


def test_stack():
    stack = fn("stack")
    assert evs(stack(mini("0 1"), mini("2"))) == [(0, F(1, 2), 0), (0, 1, 2), (F(1, 2), 1, 1)]
    assert evs(stack(mini("0 1"), 5)) == [(0, F(1, 2), 0), (0, 1, 5), (F(1, 2), 1, 1)]
    assert ev(stack(), 0, 2) == []


def test_cat():
    cat = fn("cat")
    assert ev(cat(mini("0 1"), mini("2")), 0, 4) == [
        (0, F(1, 2), 0), (F(1, 2), 1, 1), (1, 2, 2), (2, F(5, 2), 0), (F(5, 2), 3, 1), (3, 4, 2),
    ]
    # each pattern resumes where it left off
    assert [v for _, _, v in ev(cat(mini("<0 1>"), mini("2")), 0, 4)] == [0, 2, 1, 2]


def test_seq():
    seq = fn("seq")
    assert ev(seq(mini("0"), mini("1 2"))) == [(0, F(1, 2), 0), (F(1, 2), F(3, 4), 1), (F(3, 4), 1, 2)]
    assert ev(seq(0, 1, 2), 0, 2) == seq_events([0, 1, 2, 0, 1, 2], step=F(1, 3))


# -- curried forms --------------------------------------------------------------------------------------------------------


def test_curried_forms_equal_methods():
    pat = mini("0 1 2")
    assert ev(fn("fast")(2)(pat)) == ev(pat.fast(2))
    assert ev(fn("fast")(2, pat)) == ev(pat.fast(2))
    assert ev(fn("scale")("major")(pat)) == ev(pat.scale("major"))
    assert ev(fn("rev")(pat)) == ev(pat.rev())
    assert ev(fn("sometimesBy")(1, rev)(pat)) == ev(pat.rev())
    assert ev(pat.every(2, fn("fast")(2)), 0, 2) == ev(fn("every")(2, fn("fast")(2))(pat), 0, 2)
    assert ev(fn("fast")(factor=2)(pat)) == ev(pat.fast(2))


# -- errors ----------------------------------------------------------------------------------------------------------------


def test_wrong_argument_count():
    with pytest.raises(ArgumentError) as info:
        mini("0").fast(1, 2)
    assert "fast takes 1 argument but was given 2" in info.value.message
    assert "fast(factor)" in info.value.hint
    with pytest.raises(ArgumentError) as info:
        mini("0").fast()
    assert "fast needs its argument 'factor'" in info.value.message
    with pytest.raises(ArgumentError) as info:
        fn("every")()  # reported when written, not when applied
    assert "every needs its argument 'period'" in info.value.message
    with pytest.raises(ArgumentError) as info:
        mini("0").fast(2, speed=3)
    assert "'speed' is not an argument of fast" in info.value.message
    with pytest.raises(ArgumentError) as info:
        mini("0").fast(2, factor=3)
    assert "'factor' was given twice" in info.value.message


def test_string_where_a_number_is_needed():
    for call in (lambda p: p.fast("x"), lambda p: p.transpose("x"), lambda p: p.euclid("three", 8)):
        with pytest.raises(ArgumentError) as info:
            call(mini("0"))
        assert 'expects a number, got the string "' in info.value.message


def test_other_kind_errors():
    with pytest.raises(ArgumentError) as info:
        mini("0").euclid(3.5, 8)
    assert "euclid's 'pulses' expects a whole number, got 3.5" in info.value.message
    with pytest.raises(ArgumentError) as info:
        mini("0").every(2, 3)
    assert "expects a function" in info.value.message
    with pytest.raises(ArgumentError) as info:
        mini("0").scale(5)
    assert "expects a string" in info.value.message
    with pytest.raises(ArgumentError) as info:
        mini("0").scale("major", "H3")
    assert "'H3' is not a note name" in info.value.message


def test_function_without_its_arguments():
    with pytest.raises(ArgumentError) as info:
        mini("0").every(2, fn("fast"))
    assert info.value.message == "every was given fast without its argument 'factor'"


def test_unknown_chord_suggests():
    with pytest.raises(ArgumentError) as info:
        mini("C4").chord("maj8")
    assert "unknown chord 'maj8'" in info.value.message
    assert info.value.hint.startswith("did you mean '")


def test_argument_errors_are_trackjammer_errors():
    assert issubclass(ArgumentError, TrackJammerError)


# -- taken from Strudel (also checked against Strudel itself: tests/strudel/test_functions.py) -----


def test_fast_gap_compress_and_zoom_fit_a_cycle_into_part_of_itself():
    assert ev(mini("0 1 2 3").fastGap(2)) == [(0, F(1, 8), 0), (F(1, 8), F(1, 4), 1), (F(1, 4), F(3, 8), 2),
                                              (F(3, 8), F(1, 2), 3)]
    assert ev(mini("<0 1> 2").fastGap(2), 1, 2) == [(1, F(5, 4), 1), (F(5, 4), F(3, 2), 2)]  # each cycle its own
    assert ev(mini("0 1").compress(F(1, 4), F(3, 4))) == [(F(1, 4), F(1, 2), 0), (F(1, 2), F(3, 4), 1)]
    assert ev(mini("0 1").compress(F(3, 4), F(1, 4))) == []
    assert ev(mini("0 1 2 3").zoom(F(1, 4), F(3, 4))) == [(0, F(1, 2), 1), (F(1, 2), 1, 2)]


def test_press_moves_each_event_into_the_later_part_of_its_span():
    assert ev(mini("0 1").press()) == [(F(1, 4), F(1, 2), 0), (F(3, 4), 1, 1)]
    assert ev(mini("0").pressBy(F(1, 3))) == [(F(1, 3), 1, 0)]


def test_brak_plays_every_other_cycle_in_its_first_half_a_quarter_late():
    assert ev(mini("0 1").brak(), 0, 2) == [(0, F(1, 2), 0), (F(1, 2), 1, 1), (F(5, 4), F(3, 2), 0),
                                            (F(3, 2), F(7, 4), 1)]


def test_last_of_and_first_of_choose_the_last_and_the_first_of_each_period():
    assert [v for _, _, v in ev(mini("0").lastOf(3, up12), 0, 6)] == [0, 0, 12, 0, 0, 12]
    assert [v for _, _, v in ev(mini("0").firstOf(3, up12), 0, 6)] == [12, 0, 0, 12, 0, 0]
    assert ev(mini("0*8").swingBy(F(1, 3), 4)) == ev(mini("0*8").swing(F(1, 3), 4))


@pytest.mark.parametrize(("name", "args", "expected"), [("almostNever", (), 0.1), ("almostAlways", (), 0.9)])
def test_almost_never_and_almost_always_apply_with_their_probability(name, args, expected):
    pat = getattr(mini("0*8"), name)(*args, up12)
    assert abs(_transposed_fraction(pat) - expected) <= 0.05


def test_some_cycles_changes_whole_cycles_at_random_seeded():
    pat = mini("0*8").someCyclesBy(F(1, 2), up12)
    cycles = [{v for _, _, v in ev(pat, c, c + 1)} for c in range(64)]
    assert all(values in ({0}, {12}) for values in cycles)  # a cycle is changed whole, or not at all
    assert 20 < sum(values == {12} for values in cycles) < 44
    assert ev(pat, 0, 16) == per_cycle(pat, 16) and ev(pat, 0, 16, seed=3) != ev(pat, 0, 16)
    assert ev(mini("0 1").someCyclesBy(0, up12), 0, 4) == ev(mini("0 1"), 0, 4)
    assert ev(mini("0 1").someCyclesBy(1, up12), 0, 4) == ev(mini("12 13"), 0, 4)
    assert {v for _, _, v in ev(mini("0*8").someCycles(up12), 0, 64)} == {0, 12}


def test_swing_past_the_next_beat_is_an_error_naming_strudels_reading():
    """Strudel's swing(4) is a subdivision; read as TrackJammer's amount it would
    move each off-beat onto the next one: straight time, and no word said."""
    with pytest.raises(ArgumentError) as caught:
        ev(mini("0*8").swing(4))
    assert caught.value.message == "swing's amount is a share of half a beat, from -1 to 1; got 4"
    assert caught.value.hint == "swing(1/3, 4) swings 4 beats a cycle by a triplet feel (Strudel's swing(4))"
    assert ev(mini("0 1").swing(-1, 1)) == [(0, F(1, 2), 0), (0, F(1, 2), 1)]  # -1 and 1 are the bounds


def test_a_name_with_brackets_is_a_pattern_of_names():
    """As Strudel reads scale("<C:major D:minor>"); a name without brackets
    stays one name, spaces and all."""
    assert [v for _, _, v in ev(mini("0 2 4").scale("<C3:major D3:minor>"), 0, 2)] == [48, 52, 55, 50, 53, 57]
    assert [v for _, _, v in ev(mini("0 2 4").scale("[C3:major D3:minor]"))] == [48, 52, 57]  # at each onset
    assert [v for _, _, v in ev(mini("[60,64,67]").arp("<up down>"), 0, 2)] == [60, 64, 67, 67, 64, 60]
    assert [v for _, _, v in ev(mini("0 2 4").scale("major pentatonic"))] == [60, 64, 69]
    assert [v for _, _, v in ev(mini("0").scale("<C3:major 7>"), 0, 1)] == [48]
    with pytest.raises(ArgumentError) as caught:  # a number among the names: the parameter's own error
        ev(mini("0").scale("<C3:major 7>"), 1, 2)
    assert caught.value.message == "scale's 'name' expects a string (in double quotes), got the number 7"


def test_euclid_rot_and_euclid_legato_turn_right_as_strudel_does():
    """(3,8) is x..x..x.: euclid's third number turns it left (Tidal's, and
    euclidOff), euclidRot right (Strudel's); euclidLegato holds each onset."""
    assert [b for b, _, _ in ev(mini("0").euclid(3, 8, 2))] == [F(1, 8), F(1, 2), F(3, 4)]
    assert ev(mini("0").euclidOff(3, 8, 2)) == ev(mini("0").euclid(3, 8, 2))
    assert [b for b, _, _ in ev(mini("0").euclidRot(3, 8, 2))] == [0, F(1, 4), F(5, 8)]
    assert ev(mini("0").euclidLegato(3, 8)) == [(0, F(3, 8), 0), (F(3, 8), F(3, 4), 0), (F(3, 4), 1, 0)]
    # the rhythm takes its values, then turns late: its onsets at 0 and 3/8 took 0, the one at 3/4 took 1
    assert ev(mini("0 1").euclidLegatoRot(3, 8, 2)) == [(0, F(1, 4), 1), (F(1, 4), F(5, 8), 0), (F(5, 8), 1, 0)]
    assert ev(mini("0").euclidLegato(0, 8)) == [] and ev(mini("0").euclidLegato(-3, 8)) == []


def test_iter_back_starts_each_cycle_a_step_earlier_in_the_pattern():
    assert [[v for _, _, v in ev(mini("0 1 2 3").iterBack(4), c, c + 1)] for c in range(5)] == [
        [0, 1, 2, 3], [3, 0, 1, 2], [2, 3, 0, 1], [1, 2, 3, 0], [0, 1, 2, 3]]
    assert ev(mini("0 1").iterBack(0)) == [] and ev(mini("0 1").iter(0)) == []  # no parts: nothing, as in Strudel


def test_ribbon_loops_a_stretch_of_the_pattern_forever():
    assert [v for _, _, v in ev(mini("<0 1 2 3>").ribbon(1, 2), 0, 6)] == [1, 2, 1, 2, 1, 2]
    assert ev(mini("0 1 2 3").ribbon(F(1, 4), F(1, 2)), 0, 1) == [
        (0, F(1, 4), 1), (F(1, 4), F(1, 2), 2), (F(1, 2), F(3, 4), 1), (F(3, 4), 1, 2)]
    # a note running past the loop's end is cut there: the whole ends at the loop's end
    assert ev(mini("0@3 1").rib(0, F(1, 2)), 0, 1) == [(0, F(1, 2), 0), (F(1, 2), 1, 0)]
    assert ev(mini("<0 1 2 3>").ribbon(7, 1), 100, 102) == [(100, 101, 3), (101, 102, 3)]


def test_echo_with_applies_the_function_once_more_to_each_later_copy():
    assert evs(mini("0").echoWith(3, F(1, 8), fn("add")(7))) == [(0, 1, 0), (F(1, 8), F(9, 8), 7),
                                                                  (F(1, 4), F(5, 4), 14)]
    assert ev(mini("0").stutWith(3, F(1, 8), fn("add")(7))) == ev(mini("0").echoWith(3, F(1, 8), fn("add")(7)))
    assert ev(mini("0").echoWith(1, F(1, 8), up12)) == ev(mini("0")) and ev(mini("0").echoWith(0, 1, up12)) == []
    assert ev(mini("0").echo(0, 1, 0.5)) == [] and ev(mini("0").echo(1, 1, 0.5)) == ev(mini("0"))
    # an echo inside an echo's function, when the copies stay few: 1 + 2 + 4 of the note
    assert len(ev(mini("0 ~").echoWith(3, F(1, 8), fn("echo")(2, F(1, 16), 0.5)))) == 7


def test_echo_and_stut_fade_each_copy_by_the_feedback_and_gain_multiplies():
    assert evs(mini("60").echo(3, F(1, 4), F(1, 2))) == [(0, 1, 60), (F(1, 4), F(5, 4), Note(60, gain=0.5)),
                                                         (F(1, 2), F(3, 2), Note(60, gain=0.25))]
    assert evs(mini("60").stut(3, F(1, 2), F(1, 4))) == evs(mini("60").echo(3, F(1, 4), F(1, 2)))
    assert evs(mini("60^80").gain(F(1, 2)).echo(2, F(1, 2), F(1, 2))) == [
        (0, 1, Note(60, 80, gain=0.5)), (F(1, 2), F(3, 2), Note(60, 80, gain=0.25))]
    assert evs(mini("60").gain("<1 0.5>"), 1, 2) == [(1, 2, Note(60, gain=0.5))]
    assert evs(mini("60").gain(0.5).add(7)) == [(0, 1, Note(67, gain=0.5))]  # arithmetic keeps the gain


GROWS = "give echoWith fewer copies, or a function that keeps one note one (add, transpose, rev, gain)"


@pytest.mark.parametrize("expression, message, hint", [
    (lambda: mini("0").gain(-1), "gain is a factor on the velocity, 0 or more; got -1",
     "gain(0.5) plays at half the velocity; vel(40) sets a velocity"),
    (lambda: mini("0").echo(3, F(1, 8), -0.5), "echo's feedback is a factor on the velocity, 0 or more; got -0.5",
     "echo(3, …, 0.6): each copy at 0.6 of the one before's velocity"),
    (lambda: mini("0").echo(100, F(1, 8), 0.5), "echo makes one copy per repeat, and 100 is more than 64",
     "echo(8, …): a few copies already make a long echo"),
    # copy i of the outer echo has the inner one i times over: 64^63 copies of the last note
    (lambda: mini("0").echoWith(64, F(1, 8), fn("echoWith")(64, F(1, 8), up12)),
     "echoWith's function makes 64 notes of one, so its last copy would make 64^63 of each note", GROWS),
    (lambda: mini("0").echoWith(16, F(1, 8), fn("echo")(3, F(1, 8), 0.5)),
     "echoWith's function makes 3 notes of one, so its last copy would make 3^15 of each note", GROWS),
    # any function that makes more notes of one: refused at once (one cycle's work is not metered: it never finished)
    (lambda: mini("0*16").echoWith(64, F(1, 8), fn("superimpose")(rev)),
     "echoWith's function makes 2 notes of one, so its last copy would make 2^63 of each note", GROWS),
    (lambda: mini("0*16").plyWith(64, fn("layer")(rev, rev)),
     "plyWith's function makes 2 notes of one, so its last copy would make 2^63 of each note",
     GROWS.replace("echoWith", "plyWith")),
    (lambda: mini("0").plyWith(12, fn("echoWith")(3, F(1, 8), up12)),
     "plyWith's function makes 3 notes of one, so its last copy would make 3^11 of each note",
     GROWS.replace("echoWith", "plyWith")),
    # an echo the probe of cycle 0 does not see (lastOf: cycle 3) is refused where it is made
    (lambda: mini("0").echoWith(64, F(1, 8), fn("lastOf")(4, fn("echoWith")(64, F(1, 8), up12))),
     "echoWith inside another echo's or plyWith's function makes about 64^63 copies of each note",
     "give the outer echo or this one fewer copies; or add the copies with off"),
])
def test_echo_and_gain_refuse_what_cannot_sound(expression, message, hint):
    with pytest.raises(ArgumentError) as caught:
        ev(expression())
    assert (caught.value.message, caught.value.hint) == (message, hint)


def test_pick_plays_the_pattern_each_number_picks():
    choices = (mini("60 64"), mini("67 71 74"))
    assert ev(mini("<0 1>").pick(choices), 0, 2) == [(0, F(1, 2), 60), (F(1, 2), 1, 64), (1, F(4, 3), 67),
                                                     (F(4, 3), F(5, 3), 71), (F(5, 3), 2, 74)]
    # the index's events keep time: the chosen pattern sounds only within them
    assert ev(mini("0 1").pick(choices)) == [(0, F(1, 2), 60), (F(2, 3), 1, 74)]
    assert ev(mini("5").pick(choices)) == ev(mini("-3").pickmod(choices)) == ev(choices[1])  # clamped; wrapped
    assert ev(mini("0.6").pick(choices)) == ev(choices[1]) and ev(mini("0").pick(())) == []


def test_pick_f_applies_the_function_each_number_picks():
    pat = mini("60 64 67 71")
    picked = pat.pickF(mini("<0 1>"), (fn("rev"), fn("transpose")(12)))
    assert [v for _, _, v in ev(picked, 0, 2)] == [71, 67, 64, 60, 72, 76, 79, 83]
    assert ev(pat.pickF(mini("9"), (fn("rev"), up12))) == ev(up12(pat))  # past the last: the last


def test_pick_needs_numbers_and_an_array():
    with pytest.raises(TrackJammerError) as caught:
        ev(fn("cat")("major", "minor").pick((mini("60"),)))
    assert (caught.value.message, caught.value.hint) == (
        "pick picks by number, but its pattern holds the string \"major\"",
        "[<0 1 2>].pick(#[…]) picks the first, the second, the third")
    with pytest.raises(ArgumentError) as caught:
        mini("0").pick(mini("60 64"))
    assert (caught.value.message, caught.value.hint) == (
        "pick's 'choices' expects an array of patterns, got a pattern", "an array is written #[ ]: #[[C4 E4], [G4 B4]]")


def test_chunk_back_moves_backwards_and_fast_chunk_lets_the_pattern_go_on():
    tops = lambda pat: [max(v for _, _, v in ev(pat, c, c + 1)) for c in range(4)]  # noqa: E731
    assert tops(mini("0 1 2 3").chunk(4, up12)) == [12, 13, 14, 15]
    assert tops(mini("0 1 2 3").chunkBack(4, up12)) == [12, 15, 14, 13]
    assert [v for _, _, v in ev(mini("<0 10> 1").fastChunk(2, up12), 0, 2)] == [12, 1, 10, 13]
    assert [v for _, _, v in ev(mini("<0 10> 1").chunk(2, up12), 0, 2)] == [12, 1, 0, 13]  # cycle 0 again


def test_when_applies_the_function_where_its_condition_is_true():
    pat = mini("0 1 2 3")
    assert [v for _, _, v in ev(pat.when(mini("<0 1>"), rev), 0, 2)] == [0, 1, 2, 3, 3, 2, 1, 0]
    assert ev(pat.when(mini("0 1"), up12)) == [(0, F(1, 4), 0), (F(1, 4), F(1, 2), 1),
                                               (F(1, 2), F(3, 4), 14), (F(3, 4), 1, 15)]
    assert ev(pat.when(1, up12)) == ev(up12(pat)) and ev(pat.when(0, up12)) == ev(pat)
    with pytest.raises(ArgumentError) as caught:
        pat.when(1, 12)
    assert caught.value.message == "when's 'function' expects a function such as rev or fast(2), got the number 12"


def test_layer_plays_each_function_s_copy_and_not_the_pattern():
    pat = mini("0 1")
    assert evs(pat.layer(rev, up12)) == [(0, F(1, 2), 1), (0, F(1, 2), 12), (F(1, 2), 1, 0), (F(1, 2), 1, 13)]
    assert ev(pat.layer()) == [] and ev(pat.layer(up12)) == ev(up12(pat))
    waiting = fn("layer")(rev, up12)  # the free function waits for its pattern
    assert isinstance(waiting, Partial) and evs(waiting(pat)) == evs(pat.layer(rev, up12))
    assert evs(fn("layer")(rev, pat)) == evs(rev(pat))
    assert REGISTRY["layer"].signature == "layer(function, ...)"
    with pytest.raises(ArgumentError) as caught:
        fn("layer")(rev, 7)
    assert (caught.value.message, caught.value.hint) == (
        "layer expects a function such as rev or fast(2), got the number 7",
        "pass a transformation, e.g. every(4, fast(2))")


def test_ply_with_changes_each_repeat_once_more():
    assert ev(mini("0 10").plyWith(3, up12)) == [
        (0, F(1, 6), 0), (F(1, 6), F(1, 3), 12), (F(1, 3), F(1, 2), 24),
        (F(1, 2), F(2, 3), 10), (F(2, 3), F(5, 6), 22), (F(5, 6), 1, 34)]
    assert ev(mini("0 10").plyWith(1, up12)) == ev(mini("0 10")) and ev(mini("0").plyWith(0, up12)) == []
    with pytest.raises(ArgumentError) as caught:
        mini("0").plyWith(65, up12)
    assert (caught.value.message, caught.value.hint) == (
        "plyWith makes one copy per repeat, and 65 is more than 64", "plyWith(4, …); ply(n) repeats without a change")


def test_rangex_spreads_equal_steps_into_equal_ratios():
    values = [v for _, _, v in ev(mini("0 0.5 1").rangex(20, 2000))]
    assert values == pytest.approx([20, 200, 2000], rel=1e-12)
    assert [v for _, _, v in ev(mini("0 0.5 1").rangex(100, 1))] == pytest.approx([100, 10, 1], rel=1e-12)
    with pytest.raises(TrackJammerError) as caught:
        ev(mini("0.5").rangex(0, 127))
    assert (caught.value.message, caught.value.hint) == (
        "rangex needs low and high above 0 (an exponential curve never reaches 0), got 0 and 127",
        "rangex(20, 2000); range(0, 127) is the straight line")


def test_always_applies_and_never_does_not():
    pat = mini("0 1")
    assert ev(pat.always(up12)) == [(0, F(1, 2), 12), (F(1, 2), 1, 13)]
    assert ev(pat.never(up12)) == ev(pat)
    with pytest.raises(ArgumentError) as caught:
        pat.never(3)  # still a function, so a slip is caught before it is turned on
    assert caught.value.message == "never's 'function' expects a function such as rev or fast(2), got the number 3"


def test_inv_turns_a_rhythm_round():
    assert [v for _, _, v in ev(mini("1 0 ~ 2").inv())] == [0, 1, 0]  # a rest stays a rest
    assert ev(mini("60").struct(mini("1 0 0 1").invert())) == [(F(1, 4), F(1, 2), 60), (F(1, 2), F(3, 4), 60)]


def test_mod_round_floor_ceil_keep_what_is_attached_to_the_note():
    assert [v for _, _, v in ev(mini("0 5 13 -1").mod(12))] == [0, 5, 1, 11]
    assert [v for _, _, v in ev(mini("7 -7").mod(-5))] == [-3, -2]  # on the divisor's side of 0
    assert ev(mini("72").vel(90).mod(12)) == [(0, 1, Note(0, 90))]
    assert [v for _, _, v in ev(mini("0.4 1.6 -0.5 2.5").round())] == [0, 2, 0, 3]  # a half up
    assert [v for _, _, v in ev(mini("0.4 1.6 -0.5").floor())] == [0, 1, -1]
    assert [v for _, _, v in ev(mini("0.4 1.6 -0.5").ceil())] == [1, 2, 0]
    assert ev(mini("60").mul(F(1, 3)).round()) == [(0, 1, 20)] and type(ev(mini("5").div(2).round())[0][2]) is int
    with pytest.raises(TrackJammerError) as caught:
        ev(mini("60").mod(0))
    assert (caught.value.message, caught.value.hint) == (
        "modulo by zero", "mod(12) wraps notes into an octave; use a number other than 0")


def test_bite_plays_the_slices_in_the_order_the_indices_give():
    assert ev(mini("C4 D4 E4 F4").bite(4, mini("3 2 1 0"))) == [
        (0, F(1, 4), 65), (F(1, 4), F(1, 2), 64), (F(1, 2), F(3, 4), 62), (F(3, 4), 1, 60)]
    assert ev(mini("C4 D4 E4 F4").bite(4, mini("5 ~"))) == [(0, F(1, 2), 62)]  # 5 wraps to 1; the rest is silent
    assert ev(mini("C4 D4").bite(1, mini("0 0"))) == [(0, F(1, 4), 60), (F(1, 4), F(1, 2), 62),
                                                     (F(1, 2), F(3, 4), 60), (F(3, 4), 1, 62)]


def test_bite_refuses_no_slices_and_indices_that_are_not_numbers():
    with pytest.raises(TrackJammerError) as caught:
        ev(mini("C4 D4").bite(0, mini("0")))
    assert caught.value.message == "bite's 'slices' must be more than 0, got 0"
    with pytest.raises(TrackJammerError) as caught:
        ev(mini("C4 D4").bite(2, pure("x")))
    assert (caught.value.message, caught.value.hint) == (
        'bite\'s indices are numbers, got the string "x"', "number the slices from 0: bite(4, [0 2 1 3])")
