"""Mini-notation (language.md §5): every row of the table, with exact events.

All expected event lists below are worked out by hand from the contract and
Tidal/Strudel semantics; none was copied from the engine's output.
"""

from __future__ import annotations

from collections import Counter
from fractions import Fraction as F

import pytest

from trackjammer.core.euclid import bjorklund, euclid_steps
from trackjammer.core.values import Note
from trackjammer.errors import MiniNotationError, TrackJammerError
from trackjammer.lang.mini_parser import parse_mini

from .helpers import canon, ev, evs, mini, seq_events


def cycles(text, n, start=0):
    """Onsets of `text` over cycles [start, start + n)."""
    return ev(mini(text), start, start + n)


# -- atoms: note names, numbers, rests ---------------------------------------------


@pytest.mark.parametrize(
    "name, number",
    [
        ("C4", 60),
        ("c4", 60),
        ("C5", 72),
        ("C3", 48),
        ("A4", 69),
        ("a0", 21),
        ("C8", 108),
        ("c#3", 49),
        ("C#3", 49),
        ("cs4", 61),  # Tidal's "s" for sharp
        ("Eb2", 39),
        ("eb2", 39),
        ("A-1", 9),
        ("C-1", 0),
        ("G9", 127),
        ("B#3", 60),
        ("Cb4", 59),
        ("E#4", 65),
        ("Fb4", 64),
        ("c", 60),  # octave 4 by default
        ("d", 62),
        ("e", 64),
        ("f", 65),
        ("g", 67),
        ("a", 69),
        ("b", 71),
        ("bb", 70),  # B flat, not two Bs
        ("Bb", 70),
        ("f#", 66),
        ("EB2", 39),  # case-insensitive, accidentals included
        ("CS4", 61),
        ("BB", 70),
    ],
)
def test_note_names(name, number):
    assert cycles(name, 1) == [(0, 1, number)]
    assert isinstance(cycles(name, 1)[0][2], int)


def test_default_octave_chord():
    assert cycles("c e g", 1) == [(0, F(1, 3), 60), (F(1, 3), F(2, 3), 64), (F(2, 3), 1, 67)]


def test_numbers_and_negative_numbers():
    assert cycles("60 64 67", 1) == [(0, F(1, 3), 60), (F(1, 3), F(2, 3), 64), (F(2, 3), 1, 67)]
    assert cycles("-3 4", 1) == [(0, F(1, 2), -3), (F(1, 2), 1, 4)]
    result = cycles("-1.5 0.25", 1)
    assert result == [(0, F(1, 2), -1.5), (F(1, 2), 1, 0.25)]
    assert isinstance(result[0][2], float)
    # "- 3" is a rest followed by 3, "-3" the number minus three
    assert cycles("- 3", 1) == [(F(1, 2), 1, 3)]


def test_sequence_repeats_every_cycle():
    assert cycles("60 64 67", 3) == [
        (0, F(1, 3), 60), (F(1, 3), F(2, 3), 64), (F(2, 3), 1, 67),
        (1, F(4, 3), 60), (F(4, 3), F(5, 3), 64), (F(5, 3), 2, 67),
        (2, F(7, 3), 60), (F(7, 3), F(8, 3), 64), (F(8, 3), 3, 67),
    ]


@pytest.mark.parametrize("text", ["C4 ~ E4 ~", "C4 - E4 -", "C4 ~ E4 -"])
def test_rests(text):
    assert cycles(text, 2) == [
        (0, F(1, 4), 60), (F(1, 2), F(3, 4), 64),
        (1, F(5, 4), 60), (F(3, 2), F(7, 4), 64),
    ]


def test_only_rests_is_silent():
    assert cycles("~ ~", 3) == []
    assert cycles("[~ -]", 3) == []
    assert mini("~").query_span(0, 4) == []


def test_value_at_samples_a_sequence():
    pat = mini("0 1 ~")
    assert [pat.value_at(t) for t in (0, F(1, 3), F(1, 2), F(2, 3), F(5, 6), 1)] == [0, 1, 1, None, None, 0]


def test_empty_text_is_silence():
    assert cycles("", 2) == []
    assert cycles("   ", 2) == []


# -- velocity ---------------------------------------------------------------------


def test_velocity():
    assert cycles("C4^80 E4^110 G4", 1) == [
        (0, F(1, 3), Note(60, 80)),
        (F(1, 3), F(2, 3), Note(64, 110)),
        (F(2, 3), 1, 67),
    ]


def test_velocity_on_a_group_and_patterned():
    assert cycles("[C4 E4]^90", 1) == [(0, F(1, 2), Note(60, 90)), (F(1, 2), 1, Note(64, 90))]
    assert cycles("C4^<80 100>", 3) == [(0, 1, Note(60, 80)), (1, 2, Note(60, 100)), (2, 3, Note(60, 80))]
    # a velocity changing inside one note: read at the note's onset
    assert cycles("C4^[80 100]", 1) == [(0, 1, Note(60, 80))]


def test_velocity_then_fast_either_order():
    expected = [(0, F(1, 2), Note(60, 80)), (F(1, 2), 1, Note(60, 80))]
    assert cycles("C4^80*2", 1) == expected
    assert cycles("C4*2^80", 1) == expected


# -- subdivision, fast, slow ----------------------------------------------------------


def test_subdivision():
    assert cycles("C4 [E4 G4]", 1) == [(0, F(1, 2), 60), (F(1, 2), F(3, 4), 64), (F(3, 4), 1, 67)]
    assert cycles("0 [1 [2 3]]", 1) == [
        (0, F(1, 2), 0), (F(1, 2), F(3, 4), 1), (F(3, 4), F(7, 8), 2), (F(7, 8), 1, 3),
    ]


def test_group_fast():
    assert cycles("[0 1]*2", 2) == seq_events([0, 1, 0, 1, 0, 1, 0, 1], step=F(1, 4))


def test_fast_inside_a_sequence():
    assert cycles("C4*2 E4", 1) == [(0, F(1, 4), 60), (F(1, 4), F(1, 2), 60), (F(1, 2), 1, 64)]


def test_fractional_fast():
    # pure 0 at 1.5 per cycle: wholes of length 2/3
    assert cycles("0*1.5", 3) == seq_events([0, 0, 0, 0, 0], step=F(2, 3))
    # [0 1]*1.5: 0 1 0 | 1 0 1 (thirds)
    assert cycles("[0 1]*1.5", 2) == seq_events([0, 1, 0, 1, 0, 1], step=F(1, 3))


def test_group_slow():
    assert cycles("[0 1]/2", 4) == [(0, 1, 0), (1, 2, 1), (2, 3, 0), (3, 4, 1)]


def test_slow_atom_inside_a_sequence_plays_every_other_cycle():
    # "0 1/2": the step [1/2, 1) shows the first half of a 2-cycle-long 1 in
    # even cycles (an onset whose whole reaches into the next cycle), and its
    # second half (no onset) in odd cycles.
    assert cycles("0 1/2", 4) == [
        (0, F(1, 2), 0), (F(1, 2), F(3, 2), 1),
        (1, F(3, 2), 0),
        (2, F(5, 2), 0), (F(5, 2), F(7, 2), 1),
        (3, F(7, 2), 0),
    ]


def test_patterned_fast():
    # *<2 3>: twice in cycle 0, three times in cycle 1
    assert cycles("[0 1]*<2 3>", 2) == (
        seq_events([0, 1, 0, 1], step=F(1, 4)) + seq_events([0, 1, 0, 1, 0, 1], begin=1, step=F(1, 6))
    )
    assert cycles("0*<2 3>", 3) == [
        (0, F(1, 2), 0), (F(1, 2), 1, 0),
        (1, F(4, 3), 0), (F(4, 3), F(5, 3), 0), (F(5, 3), 2, 0),
        (2, F(5, 2), 0), (F(5, 2), 3, 0),
    ]


def test_fast_by_a_sequence():
    # first half at speed 2: one 0 on [0, 1/2); second half at speed 3: the
    # event [1/3, 2/3) starts before the half (no onset), [2/3, 1) starts in it.
    assert cycles("0*[2 3]", 1) == [(0, F(1, 2), 0), (F(2, 3), 1, 0)]


# -- replicate and elongate ----------------------------------------------------------------


def test_replicate_adds_steps_fast_does_not():
    assert cycles("0!3 1", 1) == seq_events([0, 0, 0, 1], step=F(1, 4))
    assert cycles("0*3 1", 1) == [
        (0, F(1, 6), 0), (F(1, 6), F(1, 3), 0), (F(1, 3), F(1, 2), 0), (F(1, 2), 1, 1),
    ]


@pytest.mark.parametrize("text", ["0 ! ! 1", "0!! 1", "0 0 0 1", "0!3 1", "0! 0 1"])
def test_bare_replicate(text):
    assert cycles(text, 1) == seq_events([0, 0, 0, 1], step=F(1, 4))


def test_replicate_a_group_and_an_alternation():
    assert cycles("[0 1]!2", 1) == seq_events([0, 1, 0, 1], step=F(1, 4))
    assert cycles("<0 1>!2 3", 2) == seq_events([0, 0, 3, 1, 1, 3], step=F(1, 3))


@pytest.mark.parametrize("text", ["0@3 1", "0 _ _ 1", "0 _ _ 1 "])
def test_elongate(text):
    assert cycles(text, 2) == [(0, F(3, 4), 0), (F(3, 4), 1, 1), (1, F(7, 4), 0), (F(7, 4), 2, 1)]


def test_weights():
    assert cycles("0 1@2 2", 1) == [(0, F(1, 4), 0), (F(1, 4), F(3, 4), 1), (F(3, 4), 1, 2)]
    assert cycles("0@1.5 1", 1) == [(0, F(3, 5), 0), (F(3, 5), 1, 1)]
    assert cycles("0@3 1!2", 1) == [(0, F(3, 5), 0), (F(3, 5), F(4, 5), 1), (F(4, 5), 1, 1)]
    assert cycles("0 1 _", 1) == [(0, F(1, 3), 0), (F(1, 3), 1, 1)]


def test_weighted_alternation_lasts_that_many_cycles():
    assert cycles("<0@2 1>", 6) == [(0, 2, 0), (2, 3, 1), (3, 5, 0), (5, 6, 1)]


# -- alternation ------------------------------------------------------------------------


def test_alternate():
    assert cycles("<0 1 2>", 6) == [(c, c + 1, [0, 1, 2][c % 3]) for c in range(6)]


def test_alternate_nested_gives_a_b_a_c():
    assert [v for _, _, v in cycles("<a <b c>>", 8)] == [69, 71, 69, 60, 69, 71, 69, 60]
    assert cycles("<0 <1 2>>", 4) == [(0, 1, 0), (1, 2, 1), (2, 3, 0), (3, 4, 2)]


def test_alternate_nested_three_deep():
    # each inner alternation advances only when it is chosen
    assert [v for _, _, v in cycles("<0 <1 2> <3 4 5>>", 9)] == [0, 1, 3, 0, 2, 4, 0, 1, 5]
    assert [v for _, _, v in cycles("<0 <1 <2 3>>>", 8)] == [0, 1, 0, 2, 0, 1, 0, 3]


def test_alternate_inside_a_sequence():
    assert cycles("[<0 1> 2]", 2) == [(0, F(1, 2), 0), (F(1, 2), 1, 2), (1, F(3, 2), 1), (F(3, 2), 2, 2)]
    assert cycles("<0 1>*2", 2) == seq_events([0, 1, 0, 1], step=F(1, 2))
    assert cycles("<[0 1] 2>", 2) == [(0, F(1, 2), 0), (F(1, 2), 1, 1), (1, 2, 2)]


def test_alternate_with_feet():
    assert cycles("<0 1 . 2 3 4>", 2) == seq_events([0, 1], step=F(1, 2)) + seq_events(
        [2, 3, 4], begin=1, step=F(1, 3)
    )


# -- stacks --------------------------------------------------------------------------------


def test_stack_in_brackets():
    assert evs(mini("[0, 1 2]"), 0, 2) == [
        (0, F(1, 2), 1), (0, 1, 0), (F(1, 2), 1, 2),
        (1, F(3, 2), 1), (1, 2, 0), (F(3, 2), 2, 2),
    ]
    assert evs(mini("[[C4,E4,G4] ~]"), 0, 1) == [(0, F(1, 2), 60), (0, F(1, 2), 64), (0, F(1, 2), 67)]


def test_top_level_stack():
    assert evs(mini("0, 1 2"), 0, 1) == [(0, F(1, 2), 1), (0, 1, 0), (F(1, 2), 1, 2)]


def test_stack_in_alternation():
    assert evs(mini("<0 1, 2>"), 0, 3) == [(0, 1, 0), (0, 1, 2), (1, 2, 1), (1, 2, 2), (2, 3, 0), (2, 3, 2)]
    assert evs(mini("<[0,1] 2>"), 0, 2) == [(0, 1, 0), (0, 1, 1), (1, 2, 2)]


# -- polymeter ------------------------------------------------------------------------------


def test_polymeter_steps_follow_the_first_layer():
    # 3 steps per cycle: the two-step layer runs d e d | e d e
    assert evs(mini("{0 1 2, 3 4}"), 0, 2) == canon(
        seq_events([0, 1, 2, 0, 1, 2], step=F(1, 3)) + seq_events([3, 4, 3, 4, 3, 4], step=F(1, 3))
    )


def test_polymeter_with_steps_per_cycle():
    assert cycles("{0 1 2}%4", 3) == seq_events([0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2], step=F(1, 4))


def test_polymeter_alone_is_a_sequence_and_groups_are_steps():
    assert cycles("{0 1 2}", 2) == seq_events([0, 1, 2, 0, 1, 2], step=F(1, 3))
    assert cycles("{0 [1 2]}%3", 2) == [
        (0, F(1, 3), 0), (F(1, 3), F(1, 2), 1), (F(1, 2), F(2, 3), 2), (F(2, 3), 1, 0),
        (1, F(7, 6), 1), (F(7, 6), F(4, 3), 2), (F(4, 3), F(5, 3), 0),
        (F(5, 3), F(11, 6), 1), (F(11, 6), 2, 2),
    ]


def test_polymeter_patterned_steps():
    # cycle 0 at 2 steps: 0 1; cycle 1 at 4 steps per cycle: steps 4..7 of 0 1 2 0 1 2 ...
    assert cycles("{0 1 2}%<2 4>", 2) == seq_events([0, 1], step=F(1, 2)) + seq_events(
        [1, 2, 0, 1], begin=1, step=F(1, 4)
    )


# -- euclid -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "k, n, rhythm",
    [
        # Toussaint, "The Euclidean algorithm generates traditional musical rhythms",
        # as Tidal's (and Strudel's) Bjorklund produces them. For k = n - 1 Tidal's
        # algorithm stops at once and gives a rotation of Toussaint's necklace
        # (Toussaint: x.xx, x.xxxx, x.xxxxxx); Tidal's form is the contract.
        (2, 5, "x.x.."),
        (3, 4, "xxx."),
        (3, 5, "x.x.x"),
        (3, 7, "x.x.x.."),
        (3, 8, "x..x..x."),
        (4, 7, "x.x.x.x"),
        (4, 9, "x.x.x.x.."),
        (4, 11, "x..x..x..x."),
        (5, 6, "xxxxx."),
        (5, 7, "x.xx.xx"),
        (5, 8, "x.xx.xx."),
        (5, 9, "x.x.x.x.x"),
        (5, 11, "x.x.x.x.x.."),
        (5, 12, "x..x.x..x.x."),
        (5, 16, "x..x..x..x..x..."),
        (7, 8, "xxxxxxx."),
        (7, 12, "x.xx.x.xx.x."),
        (7, 16, "x..x.x.x..x.x.x."),
        (9, 16, "x.xx.x.x.xx.x.x."),
        (11, 24, "x..x.x.x.x.x..x.x.x.x.x."),
        (13, 24, "x.xx.x.x.x.x.xx.x.x.x.x."),
        (0, 4, "...."),
        (4, 4, "xxxx"),
        (1, 4, "x..."),
    ],
)
def test_bjorklund(k, n, rhythm):
    assert "".join("x" if s else "." for s in bjorklund(k, n)) == rhythm


def test_euclid_rotation_is_to_the_left_and_negative_inverts():
    assert "".join("x" if s else "." for s in euclid_steps(3, 8, 2)) == ".x..x.x."
    assert "".join("x" if s else "." for s in euclid_steps(3, 8, -1)) == ".x..x..x"
    assert "".join("x" if s else "." for s in euclid_steps(-3, 8)) == ".xx.xx.x"


def _on(steps, n, value=0, cycle=0):
    return [(cycle + F(s, n), cycle + F(s + 1, n), value) for s in steps]


def test_euclid_3_8():
    assert cycles("0(3,8)", 2) == _on([0, 3, 6], 8) + _on([0, 3, 6], 8, cycle=1)


def test_euclid_5_8_rotated_2():
    # x.xx.xx. rotated left by 2 -> xx.xx.x.
    assert cycles("0(5,8,2)", 1) == _on([0, 1, 3, 4, 6], 8)


def test_euclid_3_8_rotated_2_onsets():
    assert [b for b, _, _ in cycles("0(3,8,2)", 1)] == [F(1, 8), F(1, 2), F(3, 4)]


def test_euclid_negative_pulses():
    assert cycles("0(-3,8)", 1) == _on([1, 2, 4, 5, 7], 8)


def test_euclid_patterned_pulses_and_rotation():
    assert cycles("0(<3 5>,8)", 2) == _on([0, 3, 6], 8) + _on([0, 2, 3, 5, 6], 8, cycle=1)
    assert cycles("0(3,8,<0 2>)", 2) == _on([0, 3, 6], 8) + _on([1, 4, 6], 8, cycle=1)
    assert cycles("0(3,<8 4>)", 2) == _on([0, 3, 6], 8) + _on([0, 1, 2], 4, cycle=1)


def test_euclid_imposes_its_rhythm_on_a_sequence():
    # each onset takes the value playing at that time
    assert cycles("[0 1](3,8)", 1) == [(0, F(1, 8), 0), (F(3, 8), F(1, 2), 0), (F(3, 4), F(7, 8), 1)]


def test_euclid_as_a_step():
    assert cycles("0(3,8) 1", 1) == [(0, F(1, 16), 0), (F(3, 16), F(1, 4), 0), (F(3, 8), F(7, 16), 0), (F(1, 2), 1, 1)]


def test_euclid_edge_cases():
    assert cycles("0(0,8)", 2) == []
    assert cycles("0(4,4)", 1) == seq_events([0, 0, 0, 0], step=F(1, 4))


def test_issue_example():
    # [C4 [E4 G4]*2 <C5 B4>](3,8): C4 on [0,1/3), E4 G4 E4 G4 on [1/3,2/3)
    # (each 1/12), C5/B4 on [2/3,1); the rhythm's onsets 0, 3/8, 3/4 pick
    # C4, E4 (3/8 lies in [1/3, 5/12)) and the alternation.
    assert cycles("[C4 [E4 G4]*2 <C5 B4>](3,8)", 3) == [
        (0, F(1, 8), 60), (F(3, 8), F(1, 2), 64), (F(3, 4), F(7, 8), 72),
        (1, F(9, 8), 60), (F(11, 8), F(3, 2), 64), (F(7, 4), F(15, 8), 71),
        (2, F(17, 8), 60), (F(19, 8), F(5, 2), 64), (F(11, 4), F(23, 8), 72),
    ]


# -- ranges and feet ------------------------------------------------------------------------------


def test_range_ascending_descending_and_notes():
    assert cycles("0 .. 4", 1) == seq_events([0, 1, 2, 3, 4], step=F(1, 5))
    assert cycles("4 .. 0", 1) == seq_events([4, 3, 2, 1, 0], step=F(1, 5))
    assert cycles("C4 .. E4", 1) == seq_events([60, 61, 62, 63, 64], step=F(1, 5))
    # a range is one step of its sequence: [[60 61 62] 64]
    assert cycles("60 .. 62 64", 1) == [(0, F(1, 6), 60), (F(1, 6), F(1, 3), 61), (F(1, 3), F(1, 2), 62), (F(1, 2), 1, 64)]
    assert cycles("3 .. 3", 1) == [(0, 1, 3)]
    assert cycles("-2 .. 1", 1) == seq_events([-2, -1, 0, 1], step=F(1, 4))


def test_range_of_fractions_is_an_error():
    with pytest.raises(MiniNotationError) as info:
        mini("0.5 .. 2")
    assert "whole numbers" in info.value.message
    assert (info.value.line, info.value.column) == (1, 1)


def test_feet():
    assert cycles("0 1 . 2 3 4", 1) == [
        (0, F(1, 4), 0), (F(1, 4), F(1, 2), 1),
        (F(1, 2), F(2, 3), 2), (F(2, 3), F(5, 6), 3), (F(5, 6), 1, 4),
    ]
    assert cycles("0 . 1 . 2 3", 1) == [(0, F(1, 3), 0), (F(1, 3), F(2, 3), 1), (F(2, 3), F(5, 6), 2), (F(5, 6), 1, 3)]


# -- randomness: ? and | ------------------------------------------------------------------------


def test_degrade_keeps_about_half_over_2000_events():
    events = ev(mini("0*8?"), 0, 250)
    assert 0.45 <= len(events) / 2000 <= 0.55
    # what is kept is untouched: eighth notes on the grid
    for begin, end, value in events:
        assert value == 0 and end - begin == F(1, 8) and (begin * 8).denominator == 1


def test_degrade_with_probability():
    kept = len(ev(mini("0*8?0.3"), 0, 250))
    assert 0.65 <= kept / 2000 <= 0.75
    kept = len(ev(mini("0*8?0.9"), 0, 250))
    assert 0.05 <= kept / 2000 <= 0.15
    assert len(ev(mini("0*8?0"), 0, 10)) == 80
    assert ev(mini("0*8?1"), 0, 10) == []


def test_degrade_is_deterministic_and_seeded():
    first = ev(mini("0*16?"), 0, 20)
    assert first == ev(mini("0*16?"), 0, 20)  # a second build
    assert first == [e for c in range(20) for e in ev(mini("0*16?"), c, c + 1)]  # cycle by cycle
    other_seed = ev(mini("0*16?"), 0, 20, seed=1)
    assert other_seed == ev(mini("0*16?"), 0, 20, seed=1)
    assert other_seed != first


def test_each_question_mark_decides_on_its_own():
    # two ? at the same onsets: independent, so they agree about half the time
    pat = mini("[0*8?, 1*8?]")
    events = pat.onsets(0, 250)
    kept = {(e.whole.begin, e.value) for e in events}
    same = sum(((t, 0) in kept) == ((t, 1) in kept) for t in (F(i, 8) for i in range(2000)))
    assert 0.4 <= same / 2000 <= 0.6


def test_choice_picks_one_whole_layer_per_cycle():
    events = ev(mini("0 | 1 | 2"), 0, 2000)
    assert [(b, e) for b, e, _ in events] == [(c, c + 1) for c in range(2000)]
    counts = Counter(v for _, _, v in events)
    assert set(counts) == {0, 1, 2}
    for value in (0, 1, 2):
        assert abs(counts[value] / 2000 - 1 / 3) <= 0.05


def test_choice_of_sequences():
    pat = mini("[0 1 | 2 3]")
    seen = set()
    for c in range(200):
        values = tuple(v for _, _, v in ev(pat, c, c + 1))
        assert values in {(0, 1), (2, 3)}
        assert [(b, e) for b, e, _ in ev(pat, c, c + 1)] == [(c, c + F(1, 2)), (c + F(1, 2), c + 1)]
        seen.add(values)
    assert seen == {(0, 1), (2, 3)}


def test_choice_is_deterministic_and_seeded():
    first = ev(mini("0 | 1 | 2 | 3"), 0, 64)
    assert first == ev(mini("0 | 1 | 2 | 3"), 0, 64)
    assert first == [e for c in range(64) for e in ev(mini("0 | 1 | 2 | 3"), c, c + 1)]
    assert ev(mini("0 | 1 | 2 | 3"), 0, 64, seed=5) != first


# -- equivalences: tests of meaning ---------------------------------------------------------------


@pytest.mark.parametrize(
    "left, right",
    [
        ("C4*3 E4", "[C4 C4 C4] E4"),
        ("a _ _ b", "a@3 b"),
        ("a!3 b", "a a a b"),
        ("a ! b", "a a b"),
        ("a b . c d e", "[a b] [c d e]"),
        ("0 .. 4", "0 1 2 3 4"),
        ("{a b c}%3", "a b c"),
        ("[a b]*2", "a b a b"),
        ("<0 1 2>", "[0 1 2]/3"),
        ("<a <b c>>", "<a b a c>"),
        ("0(3,8)", "0 ~ ~ 0 ~ ~ 0 ~"),
        ("0(3,8,2)", "~ 0 ~ ~ 0 ~ 0 ~"),
        ("0(-3,8)", "~ 0 0 ~ 0 0 ~ 0"),
        ("c e g", "60 64 67"),
        ("C4 ~ E4", "C4 - E4"),
        ("C4^80*2", "[C4^80 C4^80]"),
        ("{0 1 2, 3 4}", "[0 1 2, <[3 4 3] [4 3 4]>]"),
        ("[0 1]!2", "[0 1] [0 1]"),
        ("0 [1 2]", "[0 [1 2]]"),
        ("<0 1>!2 3", "<[0 0 3] [1 1 3]>"),
    ],
)
def test_equivalent_notations(left, right):
    assert evs(mini(left), 0, 6) == evs(mini(right), 0, 6)


# -- syntax errors ------------------------------------------------------------------------------------


def _error(text, **kwargs):
    with pytest.raises(MiniNotationError) as info:
        build_or_parse(text, **kwargs)
    assert isinstance(info.value, TrackJammerError)
    return info.value


def build_or_parse(text, **kwargs):
    from trackjammer.lang.mini_patterns import build

    return build(parse_mini(text, **kwargs))


def test_error_unclosed_bracket():
    err = _error("C4 [E4")
    assert (err.line, err.column) == (1, 7)
    assert "']'" in err.message
    assert "ended" in err.message


def test_error_unopened_bracket():
    err = _error("C4 ]")
    assert (err.line, err.column) == (1, 4)
    assert "found ']'" in err.message
    assert "a note" in err.message and "the end of the pattern" in err.message


def test_error_not_a_note():
    err = _error("C4 X4")
    assert (err.line, err.column) == (1, 4)
    assert "a note" in err.message and "found 'X'" in err.message
    assert err.hint is not None and "C4" in err.hint


def test_error_double_star():
    err = _error("C4 **")
    assert (err.line, err.column) == (1, 5)
    assert "a number" in err.message and "a note" in err.message
    assert "found '*'" in err.message


def test_error_note_out_of_range():
    err = _error("G#9")
    assert (err.line, err.column) == (1, 1)
    assert "128" in err.message and "0..127" in err.message
    err = _error("C4 C-2")
    assert (err.line, err.column) == (1, 4)


def test_error_mixing_comma_and_bar():
    err = _error("a, b | c")
    assert (err.line, err.column) == (1, 6)
    assert "','" in err.message and "'|'" in err.message
    assert err.hint is not None


def test_error_unclosed_angle_bracket_and_stray_closer():
    err = _error("<C4 E4")
    assert (err.line, err.column) == (1, 7)
    assert "'>'" in err.message
    err = _error("C4 E4>")
    assert (err.line, err.column) == (1, 6)
    assert "found '>'" in err.message


def test_error_in_euclid_arguments():
    err = _error("C4(3,")
    assert (err.line, err.column) == (1, 6)
    assert "a number" in err.message


def test_bare_weight_is_an_underscore():
    # as in Strudel and Tidal: a bare @ (like _) adds one to the weight
    assert cycles("C4 @ E4", 1) == [(0, F(2, 3), 60), (F(2, 3), 1, 64)]


def test_error_position_is_in_the_given_source():
    err = _error("C4 [E4", line=3, column=10)
    assert (err.line, err.column) == (3, 16)
    err = _error("C4 G#9", line=2, column=5)
    assert (err.line, err.column) == (2, 8)
    err = _error("C4\n  X4")
    assert (err.line, err.column) == (2, 3)
    err = _error("C4\n  X4", line=4, column=7)
    assert (err.line, err.column) == (5, 3)


def test_error_with_closer_names_the_closing_bracket():
    # inside a script literal [ ... ], "the end" of the mini text is the literal's ]
    err = _error("C4 >", closer="]")
    assert (err.line, err.column) == (1, 4)
    assert "']'" in err.message and "found '>'" in err.message
    assert "the end of the pattern" not in err.message


def test_error_bar_inside_polymeter():
    with pytest.raises(MiniNotationError) as info:
        mini("{C4 | E4}")
    assert "'|'" in info.value.message and "{ }" in info.value.message
    assert info.value.line == 1


def test_error_bar_inside_polymeter_points_at_the_bar():
    with pytest.raises(MiniNotationError) as info:
        mini("{C4 | E4}")
    assert info.value.column == 5


def test_random_choices_survive_edits_elsewhere_in_the_pattern():
    # Typing before a `?` (here: a longer first step) must not reshuffle it:
    # each random construct is seeded by its order, not its column.
    before = [e.whole.begin for e in mini("C4 [E4*16?]").onsets(0, 4) if e.value == 64]
    after = [e.whole.begin for e in mini("C4^100 [E4*16?]").onsets(0, 4) if e.value == 64]
    assert before == after
    assert 0 < len(before) < 64
    choice_before = [e.value for e in mini("[60 | 62 | 64] 1").onsets(0, 16)]
    choice_after = [e.value for e in mini("[60 | 62 | 64] 1 2 3").onsets(0, 16)]
    assert [v for v in choice_before if v != 1] == [v for v in choice_after if v not in (1, 2, 3)]


def test_two_random_constructs_in_one_pattern_are_independent():
    # Stacked, both `?` see exactly the same onsets; seeded alike they would
    # keep exactly the same notes.
    events = mini("C4*16?, E4*16?").onsets(0, 4)
    kept_c = {e.whole.begin for e in events if e.value == 60}
    kept_e = {e.whole.begin for e in events if e.value == 64}
    assert kept_c and kept_e and kept_c != kept_e


@pytest.mark.parametrize(("text", "column"), [("C4^128", 4), ("C4 E4^300", 7), ("C4^64.5", 4)])
def test_explicit_velocity_outside_0_to_127_is_an_error(text, column):
    with pytest.raises(MiniNotationError) as info:
        mini(text)
    assert (info.value.line, info.value.column) == (1, column)
    assert info.value.message.startswith("velocity ") and info.value.message.endswith(" is outside 0..127")
