"""The pattern functions live coders reach for most (issue 13 §4), with
exact events. Deterministic ones were compared with Strudel 1.2.6
(@strudel/core) where Strudel has them; differences are the documented ones
(within's end is exclusive as in Tidal; linger repeats each cycle's own
start; rot and whenmod follow Tidal, Strudel has neither)."""

from __future__ import annotations

from fractions import Fraction as F

import pytest

from trackjammer.core.rand import rand_at
from trackjammer.core.signals import RAND_SALT
from trackjammer.errors import ArgumentError

from .helpers import ev, evs, fn, mini, seq_events

add10 = fn("add")(10)
rev = fn("rev")


def per_cycle(pat, n, seed=0):
    return [e for c in range(n) for e in ev(pat, c, c + 1, seed)]


def values(pat, begin=0, end=1, seed=0):
    return [v for _, _, v in ev(pat, begin, end, seed)]


# -- struct / mask ---------------------------------------------------------------------------


def test_struct_takes_the_rhythm_of_the_true_steps():
    # Strudel: seq(0,1).struct(seq(true,false,true,true)) -> 0-1/4:0 1/2-3/4:1 3/4-1:1
    assert ev(mini("0 1").struct(mini("1 0 1 1"))) == [(0, F(1, 4), 0), (F(1, 2), F(3, 4), 1), (F(3, 4), 1, 1)]
    assert ev(mini("5").struct(mini("1 ~ 1"))) == [(0, F(1, 3), 5), (F(2, 3), 1, 5)]


def test_mask_keeps_the_patterns_rhythm_where_the_mask_is_true():
    # Strudel: seq(0,1,2,3).mask(seq(1,0)) -> 0-1/4:0 1/4-1/2:1
    assert ev(mini("0 1 2 3").mask(mini("1 0"))) == [(0, F(1, 4), 0), (F(1, 4), F(1, 2), 1)]
    # an event half under the mask keeps its whole; only its first half sounds (a fragment, no onset lost)
    assert ev(mini("0 1").mask(mini("1 0 0 1"))) == [(0, F(1, 2), 0)]
    assert [(e.whole, e.part) for e in mini("0 1").mask(mini("1 0 0 1")).query_span(0, 1)][1][1].begin == F(3, 4)


# -- degradeBy and legato are degrade and gate ---------------------------------------------------


def test_degrade_by_is_degrade_and_legato_is_gate():
    pat = mini("0*16")
    assert ev(pat.degradeBy(0.3), 0, 1, 5) == ev(pat.degrade(0.3), 0, 1, 5)
    assert len(ev(pat.degradeBy(0.3), 0, 1, 5)) < 16
    assert ev(mini("60 62").legato(F(1, 2))) == ev(mini("60 62").gate(F(1, 2)))
    assert mini("60").legato(F(1, 2)).onsets(0, 1)[0].value.gate == F(1, 2)


# -- whenmod / chunk / within / superimpose / inside / outside ------------------------------------------


def test_whenmod_applies_from_the_given_cycle_of_each_period():
    got = per_cycle(mini("0 1").whenmod(4, 2, rev), 5)
    assert [v for _, _, v in got] == [0, 1, 0, 1, 1, 0, 1, 0, 0, 1]


def test_chunk_changes_one_part_per_cycle_in_turn():
    # Strudel: seq(0,1,2,3).chunk(4, add(10)) in cycle 1 -> 0 11 2 3
    assert [values(mini("0 1 2 3").chunk(4, add10), c, c + 1) for c in range(4)] == [
        [10, 1, 2, 3], [0, 11, 2, 3], [0, 1, 12, 3], [0, 1, 2, 13]]


def test_chunk_repeats_each_cycle_as_strudel_does():
    # Strudel: slowcat(seq(0,1), seq(2,3)).chunk(2, add(10)) over 4 cycles
    assert per_cycle(mini("<[0 1] [2 3]>").chunk(2, add10), 4) == seq_events(
        [10, 1, 0, 11, 12, 3, 2, 13], step=F(1, 2))


def test_within_changes_the_events_starting_in_the_window():
    # Strudel's end is inclusive (it changes 2 as well); ours excludes it, as Tidal's
    assert ev(mini("0 1 2 3").within(0, F(1, 2), add10)) == seq_events([10, 11, 2, 3], step=F(1, 4))
    assert ev(mini("0 1 2 3").within(F(1, 2), 1, fn("fast")(2))) == [
        (0, F(1, 4), 0), (F(1, 4), F(1, 2), 1), (F(1, 2), F(5, 8), 0), (F(5, 8), F(3, 4), 1),
        (F(3, 4), F(7, 8), 2), (F(7, 8), 1, 3)]


def test_superimpose_stacks_a_changed_copy():
    assert evs(mini("0 1").superimpose(fn("add")(12))) == [
        (0, F(1, 2), 0), (0, F(1, 2), 12), (F(1, 2), 1, 1), (F(1, 2), 1, 13)]


def test_inside_and_outside():
    # Strudel: seq(0..7).inside(2, rev) -> 3 2 1 0 7 6 5 4
    assert values(mini("0 1 2 3 4 5 6 7").inside(2, rev)) == [3, 2, 1, 0, 7, 6, 5, 4]
    # Strudel: slowcat(0,1,2,3).outside(4, rev) -> 3 2 1 0, one per cycle
    assert per_cycle(mini("<0 1 2 3>").outside(4, rev), 4) == seq_events([3, 2, 1, 0])


# -- rot / linger / run -------------------------------------------------------------------------------


def test_rot_moves_values_along_the_events_keeping_the_rhythm():
    assert ev(mini("0 ~ 1 2").rot(1)) == [(0, F(1, 4), 1), (F(1, 2), F(3, 4), 2), (F(3, 4), 1, 0)]
    assert values(mini("0 1 2 3").rot(-1)) == [3, 0, 1, 2]
    assert [values(mini("0 1 2").rot(mini("<0 1>")), c, c + 1) for c in range(2)] == [[0, 1, 2], [1, 2, 0]]
    # a query of part of the cycle still rotates over the whole cycle
    assert ev(mini("0 1 2 3").rot(1), F(1, 2), 1) == [(F(1, 2), F(3, 4), 3), (F(3, 4), 1, 0)]


def test_linger_repeats_the_start_of_each_cycle():
    # Strudel: seq(0..7).linger(0.25) -> 0 1 0 1 0 1 0 1
    assert ev(mini("0 1 2 3 4 5 6 7").linger(F(1, 4))) == seq_events([0, 1] * 4, step=F(1, 8))
    assert values(mini("0 1 2 3 4 5 6 7").linger(F(-1, 4))) == [6, 7] * 4
    # a step crossing the lingered part keeps its whole, and sounds only up to the cut
    lingered = mini("0 1 2").linger(F(1, 2))
    assert ev(lingered) == [(0, F(1, 3), 0), (F(1, 3), F(2, 3), 1), (F(1, 2), F(5, 6), 0), (F(5, 6), F(7, 6), 1)]
    assert [e.part for e in lingered.onsets(0, 1)][1] == (F(1, 3), F(1, 2))
    assert ev(mini("<[0 1] [2 3]>").linger(F(1, 2)), 1, 2) == seq_events([2, 2], begin=1, step=F(1, 2))
    assert ev(mini("0 1").linger(0), 0, 2) == []


def test_run():
    assert ev(fn("run")(4)) == seq_events([0, 1, 2, 3], step=F(1, 4))
    assert ev(fn("run")(0)) == []


# -- randomness: seeded, deterministic ----------------------------------------------------------------


def test_shuffle_plays_every_slice_once_per_cycle_in_a_seeded_order():
    pat = mini("0 1 2 3").shuffle(4)
    assert [values(pat, c, c + 1) for c in range(2)] == [[3, 1, 2, 0], [2, 0, 3, 1]]
    assert [values(pat, c, c + 1, seed=1) for c in range(2)] == [[3, 0, 1, 2], [2, 3, 1, 0]]
    for c in range(8):
        assert sorted(values(pat, c, c + 1)) == [0, 1, 2, 3]
    assert ev(pat, 0, 1) == seq_events([3, 1, 2, 0], step=F(1, 4))
    assert ev(pat, F(1, 4), F(3, 4)) == [(F(1, 4), F(1, 2), 1), (F(1, 2), F(3, 4), 2)]  # any window


def test_scramble_picks_slices_with_replacement():
    pat = mini("0 1 2 3").scramble(4)
    assert [values(pat, c, c + 1) for c in range(2)] == [[0, 0, 0, 3], [0, 1, 0, 3]]
    assert [values(pat, c, c + 1, seed=1) for c in range(2)] == [[1, 2, 2, 2], [3, 1, 0, 3]]


def test_choose_and_irand_are_seeded_signals():
    assert ev(fn("choose")(48, 52, 55).segment(4)) == seq_events([48, 55, 48, 48], step=F(1, 4))
    assert ev(fn("irand")(8).segment(4)) == seq_events([7, 3, 1, 0], step=F(1, 4))
    # irand(n) is floor(rand × n) at the same time, as in Strudel
    for k in range(4):
        assert values(fn("irand")(8).segment(4))[k] == int(rand_at(0, F(k, 4), RAND_SALT) * 8)
    assert fn("choose")(mini("60 62"), 70).value_at(F(3, 4)) in (62, 70)
    with pytest.raises(ArgumentError, match="choose picks from numbers"):
        fn("choose")("loud")


# -- scales and chords as other tools name them -----------------------------------------------------


@pytest.mark.parametrize(("name", "notes"), [
    ("C3:minor", [48, 51, 55, 58]),
    ("major pentatonic", [60, 64, 69, 74]),
    ("minor pentatonic", [60, 65, 70, 75]),
    ("aeolian", [60, 63, 67, 70]),
    ("ionian", [60, 64, 67, 71]),
    ("C:major:pentatonic", [60, 64, 69, 74]),
    ("Eb2:harmonic minor", [39, 42, 46, 50]),
    ("majPent", [60, 64, 69, 74]),
])
def test_scale_names_and_the_root_colon_scale_form(name, notes):
    assert values(mini("0 2 4 6").scale(name)) == notes


@pytest.mark.parametrize(("symbol", "notes"), [
    ("^7", [48, 52, 55, 59]), ("M7", [48, 52, 55, 59]), ("m7", [48, 51, 55, 58]), ("-7", [48, 51, 55, 58]),
    ("o", [48, 51, 54]), ("+", [48, 52, 56]), ("-", [48, 51, 55]), ("o7", [48, 51, 54, 57]),
    ("h7", [48, 51, 54, 58]),
])
def test_chord_symbols(symbol, notes):
    assert sorted(values(mini("48").chord(symbol))) == notes


def test_unknown_scale_names_suggest_the_right_one():
    with pytest.raises(ArgumentError) as caught:
        mini("0").scale("major pentatonik")
    assert (caught.value.message, caught.value.hint) == (
        "unknown scale 'major pentatonik'", "did you mean 'pentatonic_major'?")
    with pytest.raises(ArgumentError) as caught:
        mini("0").scale("H3:minor")
    assert caught.value.message == "'H3' in \"H3:minor\" is not a note name"
