"""Mini-notation read exactly as Strudel and Tidal read it (issue 13, part 2),
the choices where the two disagree (docs/language.md, "Where Strudel and
Tidal disagree"), and General MIDI drum names. Expected values are worked out
by hand; tests/strudel checks the same reading against Strudel itself."""

from __future__ import annotations

from fractions import Fraction as F

import pytest

from trackjammer.core.drums import DRUMS, GM_DRUMS, drum_number
from trackjammer.core.theory import NOTE_NAME, note_number
from trackjammer.errors import MiniNotationError

from .helpers import mini


def cycles(text, begin=0, end=1):
    """Onsets in [begin, end) as (begin, end, value), sorted."""
    events = mini(text).onsets(begin, end)
    return sorted((e.whole.begin, e.whole.end, e.value) for e in events)


def error(text) -> MiniNotationError:
    with pytest.raises(MiniNotationError) as info:
        mini(text)
    return info.value


# -- a range is one step --------------------------------------------------------------------------


def test_a_range_is_one_step_of_its_sequence():
    assert cycles("60 .. 63 67") == [
        (0, F(1, 8), 60), (F(1, 8), F(1, 4), 61), (F(1, 4), F(3, 8), 62), (F(3, 8), F(1, 2), 63), (F(1, 2), 1, 67),
    ]


def test_a_modifier_after_a_range_acts_on_the_whole_run():
    assert cycles("0 .. 3*2") == [(F(k, 8), F(k + 1, 8), k % 4) for k in range(8)]
    assert cycles("0 .. 1 5", 0, 1) == [(0, F(1, 4), 0), (F(1, 4), F(1, 2), 1), (F(1, 2), 1, 5)]


def test_a_modifier_before_the_range_repeats_the_run_in_each_event():
    # `0*2 .. 2`: each half-cycle event of 0 becomes the run 0 1 2
    assert cycles("0*2 .. 2") == [(F(k, 6), F(k + 1, 6), k % 3) for k in range(6)]


def test_a_range_end_may_be_a_pattern():
    assert cycles("0 .. <2 4>", 0, 2) == [
        (0, F(1, 3), 0), (F(1, 3), F(2, 3), 1), (F(2, 3), 1, 2),
        (1, F(6, 5), 0), (F(6, 5), F(7, 5), 1), (F(7, 5), F(8, 5), 2), (F(8, 5), F(9, 5), 3), (F(9, 5), 2, 4),
    ]


def test_range_of_notes_and_drums_and_without_spaces():
    assert [v for _, _, v in cycles("C4 .. D4")] == [60, 61, 62]
    assert [v for _, _, v in cycles("bd .. sd")] == [36, 37, 38]
    assert cycles("0..3") == cycles("0 .. 3") == [(F(k, 4), F(k + 1, 4), k) for k in range(4)]
    # an end with a velocity gives its number: the run is of plain numbers
    assert cycles("[0^80] .. [2^90]") == [(0, F(1, 3), 0), (F(1, 3), F(2, 3), 1), (F(2, 3), 1, 2)]


def test_range_errors_point_at_their_place():
    err = error("0^80 .. 3")
    assert (err.line, err.column, err.message) == (1, 6, "a velocity '^' cannot come before '..'")
    err = error("0 .. 2.5")
    assert (err.line, err.column) == (1, 6) and "whole numbers" in err.message


# -- weights --------------------------------------------------------------------------------------


def test_repeated_weights_add_up():
    assert cycles("c4@2@2 e4") == [(0, F(3, 4), 60), (F(3, 4), 1, 64)]
    assert cycles("c4 _ @3 e4") == [(0, F(4, 5), 60), (F(4, 5), 1, 64)]


def test_underscore_with_a_number_is_a_weight_and_a_bare_at_is_an_underscore():
    # before: `c4 _2 e4` inserted the note 2
    assert cycles("c4 _2 e4") == [(0, F(2, 3), 60), (F(2, 3), 1, 64)]
    assert cycles("c4 @ e4") == cycles("c4 _ e4") == [(0, F(2, 3), 60), (F(2, 3), 1, 64)]


def test_weights_count_inside_braces():
    # {c4 e4@2, c3 g3}: three steps per cycle; the second layer drifts
    assert cycles("{c4 e4@2, c3 g3}") == [
        (0, F(1, 3), 48), (0, F(1, 3), 60), (F(1, 3), F(2, 3), 55), (F(1, 3), 1, 64), (F(2, 3), 1, 48),
    ]
    assert cycles("{c4 e4@2}%6") == [(0, F(1, 6), 60), (F(1, 6), F(1, 2), 64), (F(1, 2), F(2, 3), 60), (F(2, 3), 1, 64)]


def test_weight_zero_drops_the_step_as_in_tidal():
    assert cycles("c4@0 e4") == [(0, 1, 64)]
    err = error("c4@0@0 e4")
    assert (err.line, err.column) == (1, 5) and "less than 0" in err.message


# -- `!` with other modifiers: Tidal's reading ----------------------------------------------------


def test_only_another_bang_may_follow_a_bang():
    err = error("c4!2*2 e4")
    assert (err.line, err.column, err.message) == (1, 6, "only another '!' can follow '!'")
    assert "[a!2]*2" in err.hint
    assert cycles("c4*2!2") == [(F(k, 4), F(k + 1, 4), 60) for k in range(4)]
    assert cycles("c4!2! e4") == [(0, F(1, 4), 60), (F(1, 4), F(1, 2), 60), (F(1, 2), F(3, 4), 60), (F(3, 4), 1, 64)]


def test_bang_does_not_mix_with_weights():
    err = error("c4@3!2")
    assert (err.line, err.column, err.message) == (1, 5, "'!' cannot follow '@' or '_' on the same step")
    err = error("c4!2 _ e4")
    assert (err.line, err.column, err.message) == (1, 6, "'@' or '_' cannot follow '!' on the same step")


def test_a_rotation_larger_than_the_steps_wraps_as_in_tidal():
    assert cycles("c4(3,8,10)") == cycles("c4(3,8,2)") == [(F(1, 8), F(1, 4), 60), (F(1, 2), F(5, 8), 60), (F(3, 4), F(7, 8), 60)]


# -- notes and numbers ----------------------------------------------------------------------------


@pytest.mark.parametrize("name, number", [
    ("ef4", 63), ("cs4", 61), ("c##4", 62), ("ebb3", 50), ("Bf3", 58), ("ff4", 64), ("css", 62), ("Gb", 66), ("cb", 59),
])
def test_strudel_accidentals(name, number):
    assert note_number(name) == number
    assert cycles(name) == [(0, 1, number)]


def test_exponent_numbers():
    assert cycles("1e1 2.5e1") == [(0, F(1, 2), 10), (F(1, 2), 1, 25.0)]
    assert type(cycles("1e1")[0][2]) is int
    err = error("1e400")
    assert (err.line, err.column, err.message) == (1, 1, "this number is too large")


# -- drum names -----------------------------------------------------------------------------------


def test_drum_names_in_a_pattern():
    assert cycles("[bd ~ sd ~, hh*8]") == sorted(
        [(0, F(1, 4), 36), (F(1, 2), F(3, 4), 38)] + [(F(k, 8), F(k + 1, 8), 42) for k in range(8)]
    )
    assert [v for _, _, v in cycles("oh cp rim lt mt ht cr rd")] == [46, 39, 37, 45, 47, 50, 49, 51]
    assert cycles("BD Kick") == [(0, F(1, 2), 36), (F(1, 2), 1, 36)]


def test_the_drum_table_is_the_whole_gm_percussion_map():
    assert [key for key, *_ in GM_DRUMS] == list(range(35, 82))
    assert len(DRUMS) == 2 * 47  # a short and a long name each, none shared
    assert drum_number("cowbell") == drum_number("cow") == 56 and drum_number("tri") == 81


def test_no_drum_name_reads_as_a_note_and_a_note_wins():
    assert [name for name in DRUMS if NOTE_NAME.match(name)] == []
    assert cycles("cb cowbell") == [(0, F(1, 2), 59), (F(1, 2), 1, 56)]


def test_an_unknown_word_names_itself_and_the_nearest_drum():
    err = error("bd kik")
    assert (err.line, err.column) == (1, 4)
    assert err.message == "expected a note, a number, a drum name or a rest (~); found 'kik'"
    assert err.hint.startswith("did you mean 'kick'?")
