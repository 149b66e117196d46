"""phrase_pattern (issue 17, "from playing to code"): played notes, put on
a grid, as a pattern whose text is mini-notation.

The text is read back by the language itself (the interpreter, as a
performer would type it, and the string reader) and must give exactly the
quantized notes, in every cycle of the loop; exact examples pin the text
and the quantization rules the module's docstring documents.
"""

from __future__ import annotations

import os
from fractions import Fraction as F

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import trackjammer  # noqa: F401  (the language, its reader and globals)
from trackjammer.core.phrase import Phrase, phrase_pattern
from trackjammer.errors import TrackJammerError
from trackjammer.lang.console import respond
from trackjammer.lang.display import show
from trackjammer.lang.evaluator import Interpreter
from trackjammer.lang.strings import read_text

SETTINGS = settings(
    max_examples=int(os.environ.get("TJ_PROPERTY_EXAMPLES", "150")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


def played(pattern, begin, end) -> list[tuple]:
    """(begin, end, key, velocity) of each onset in [begin, end), sorted."""
    return sorted((e.whole.begin, e.whole.end, e.value.note, e.value.velocity)
                  for e in pattern.query_span(begin, end) if e.has_onset())


def looped(notes, cycles: int, passes: int) -> list[tuple]:
    """The quantized notes repeated every `cycles` cycles, `passes` times."""
    return sorted((b + k * cycles, e + k * cycles, key, vel) for k in range(passes) for b, e, key, vel in notes)


def typed(text: str):
    """The text as a performer types it: an expression of the language."""
    return Interpreter().execute(text)


def quarters(keys, velocity=100, at=0):
    return [(at + F(i, 4), at + F(i + 1, 4), key, velocity) for i, key in enumerate(keys) if key is not None]


def check_round_trip(phrase: Phrase, passes: int = 2) -> None:
    expected = looped(phrase.notes, phrase.cycles, passes)
    end = phrase.cycles * passes
    assert played(phrase, 0, end) == expected
    assert played(typed(phrase.text), 0, end) == expected
    assert played(read_text(phrase.text), 0, end) == expected


# -- exact examples ---------------------------------------------------------------------


def test_four_quarter_notes_on_the_grid_print_as_four_steps():
    phrase = phrase_pattern(quarters([60, 64, 67, 72]), 1)
    assert phrase.text == "[C4^100 E4^100 G4^100 C5^100]"
    assert phrase.notes == ((0, F(1, 4), 60, 100), (F(1, 4), F(1, 2), 64, 100),
                            (F(1, 2), F(3, 4), 67, 100), (F(3, 4), 1, 72, 100))
    check_round_trip(phrase, 3)


def test_the_repl_shows_the_text_and_str_gives_it():
    phrase = phrase_pattern(quarters([60, 64, 67, 72]), 1)
    assert show(phrase) == str(phrase) == "[C4^100 E4^100 G4^100 C5^100]"
    interpreter, written = Interpreter(), []
    interpreter.session.names["riff"] = phrase
    respond(interpreter, "riff", written.append)
    assert written == ["[C4^100 E4^100 G4^100 C5^100]"]
    assert show(phrase.fast(2)).startswith("pattern: 0 C4^100, 1/8 E4^100")  # transformed, it is a pattern again


def test_late_and_early_notes_go_to_the_nearest_step_and_keep_their_velocities():
    notes = [
        (F(1, 50), F(1, 4), 60, 90),  # late by 0.32 of a step
        (F(1, 4) - F(1, 40), F(1, 2) + F(1, 100), 64, 101),  # early by 0.4 of a step, ends late
        (F(1, 2) + F(1, 33), F(3, 4) - F(1, 33), 67, 64),  # late, ends early
        (F(3, 4) - F(1, 64), F(1) - F(1, 64), 72, 127),  # early by a quarter step
    ]
    phrase = phrase_pattern(notes, 1)
    assert phrase.text == "[C4^90 E4^101 G4^64 C5^127]"
    assert [n[:2] for n in phrase.notes] == [(0, F(1, 4)), (F(1, 4), F(1, 2)), (F(1, 2), F(3, 4)), (F(3, 4), 1)]
    check_round_trip(phrase)


def test_half_way_goes_to_the_later_step():
    phrase = phrase_pattern([(F(1, 32), F(3, 32), 60, 80)], 1)  # steps 0.5 .. 1.5
    assert phrase.notes == ((F(1, 16), F(1, 8), 60, 80),)
    assert phrase.text == "[~ C4^80 ~@14]"
    check_round_trip(phrase)


def test_chords_rests_and_one_group_a_cycle():
    notes = quarters([60, 64, None, 67]) + quarters([60, None, None, 64], at=1) + [(F(7, 4), 2, 67, 100)]
    phrase = phrase_pattern(notes, 2)
    assert phrase.text == "[<[C4^100 E4^100 ~ G4^100] [C4^100 ~ ~ [E4^100,G4^100]]>]"
    check_round_trip(phrase, 3)


def test_a_chord_filling_the_cycle_and_voices_of_different_lengths():
    assert phrase_pattern([(0, 1, 64, 100), (0, 1, 60, 90)], 1).text == "[C4^90,E4^100]"
    phrase = phrase_pattern([(0, F(1, 2), 60, 100), (0, 1, 48, 70), (F(1, 2), 1, 62, 100)], 1)
    assert phrase.text == "[C4^100 D4^100, C3^70]"
    check_round_trip(phrase)


def test_held_notes_are_weighted():
    phrase = phrase_pattern([(0, F(3, 4), 60, 100), (F(3, 4), 1, 64, 80), (1, F(9, 8), 67, 70)], 2)
    assert phrase.text == "[<[C4^100@3 E4^80] [G4^70 ~@7]>]"
    check_round_trip(phrase)


def test_a_note_held_across_a_cycle_boundary_makes_one_group_of_two_cycles():
    notes = [(0, F(1, 4), 60, 100), (F(3, 4), F(5, 4), 67, 90), (F(3, 2), 2, 64, 80), (2, F(5, 2), 62, 70)]
    phrase = phrase_pattern(notes, 3)
    assert phrase.text == "[<[C4^100 ~ ~ G4^90@2 ~ E4^80@2]@2 [D4^70 ~]>]"
    assert phrase.notes[1] == (F(3, 4), F(5, 4), 67, 90)  # one note, whole
    check_round_trip(phrase, 3)
    whole = phrase_pattern([(0, F(3, 2), 60, 100), (F(3, 2), 2, 64, 80)], 2)
    assert whole.text == "[C4^100@3 E4^80]/2"
    check_round_trip(whole)


def test_an_early_downbeat_of_the_next_pass_is_step_0_and_a_note_held_past_the_end_is_cut():
    phrase = phrase_pattern([(F(2) - F(1, 64), F(2) + F(1, 4), 60, 100), (F(1, 2), F(7, 2), 64, 90)], 2)
    assert phrase.notes == ((0, F(1, 4), 60, 100), (F(1, 2), 2, 64, 90))
    assert phrase.text == "[C4^100 ~ E4^90@6]/2"
    check_round_trip(phrase)


def test_a_note_shorter_than_a_step_keeps_one_step():
    phrase = phrase_pattern([(F(1, 4), F(1, 4), 60, 100), (F(1, 2), F(1, 2) + F(1, 100), 62, 100)], 1)
    assert phrase.notes == ((F(1, 4), F(5, 16), 60, 100), (F(1, 2), F(9, 16), 62, 100))
    assert phrase.text == "[~@4 C4^100 ~@3 D4^100 ~@7]"
    check_round_trip(phrase)


def test_a_double_trigger_is_one_note_and_a_key_ends_where_it_starts_again():
    phrase = phrase_pattern([
        (F(1, 100), F(1, 8), 60, 70), (0, F(1, 16), 60, 90),  # one step: the longest, velocity of the first played
        (F(1, 4), F(3, 4), 64, 100), (F(1, 2), 1, 64, 50),  # overlapping E4s: the first ends at the second
    ], 1)
    assert phrase.notes == ((0, F(1, 8), 60, 90), (F(1, 4), F(1, 2), 64, 100), (F(1, 2), 1, 64, 50))
    assert phrase.text == "[C4^90 ~ E4^100@2 E4^50@4]"
    check_round_trip(phrase)


def test_a_phrase_that_repeats_is_written_once_and_equal_cycles_in_a_row_with_bang():
    riff = quarters([60, None, 67, 64], velocity=99)
    phrase = phrase_pattern([(b + k, e + k, key, v) for k in range(4) for b, e, key, v in riff], 4)
    assert phrase.text == "[C4^99 ~ G4^99 E4^99]"
    assert phrase.cycles == 4 and len(phrase.notes) == 12
    check_round_trip(phrase)
    two = phrase_pattern(quarters([60]) + quarters([60], at=1) + quarters([62], at=2) + quarters([62], at=3)
                         + quarters([65], at=4), 5)
    assert two.text == "[<[C4^100 ~@3]!2 [D4^100 ~@3]!2 [F4^100 ~@3]>]"
    check_round_trip(two)


def test_silence_and_other_grids():
    assert phrase_pattern([], 3).text == "[~]"
    assert played(phrase_pattern([], 3), 0, 3) == []
    triplets = phrase_pattern([(F(1, 3) + F(1, 50), F(2, 3), 60, 100), (F(2, 3), 1, 64, 100)], 1, F(1, 12))
    assert triplets.text == "[~ C4^100 E4^100]"
    check_round_trip(triplets)
    assert phrase_pattern(quarters([60, 64]), 1, "1/8").text == "[C4^100 E4^100 ~ ~]"


@pytest.mark.parametrize(("call", "message"), [
    (lambda: phrase_pattern([(1, F(5, 4), 60, 100)], 1), "note 1 of the phrase starts at 1, outside the phrase's cycles 0 to 1"),
    (lambda: phrase_pattern([(0, 1, 60, 100), (F(1, 2), F(1, 4), 60, 100)], 1), "note 2 of the phrase ends at 1/4, before it starts at 1/2"),
    (lambda: phrase_pattern([(0, 1, 60, 128)], 1), "note 1 of the phrase has velocity 128; MIDI's are whole numbers 0..127"),
    (lambda: phrase_pattern([(0, 1, 60)], 1), "note 1 of the phrase is not (start, end, key, velocity) with times in cycles: (0, 1, 60)"),
    (lambda: phrase_pattern([], 0), "a phrase lasts a whole number of cycles from 1, got 0"),
    (lambda: phrase_pattern([], 1, F(3, 16)), "the grid must divide a cycle into 1 to 960 equal steps, got Fraction(3, 16)"),
    (lambda: phrase_pattern([], 1000, F(1, 16)), "a phrase of 1,000 cycles on a grid of 1/16 is too long: at most 625 cycles on that grid (10,000 steps)"),
])
def test_bad_input_is_said_in_words(call, message):
    with pytest.raises(TrackJammerError) as caught:
        call()
    assert str(caught.value) == message
    assert caught.value.hint


# -- differential: many phrases, read back by the language ------------------------------------

GRIDS = st.sampled_from([F(1, 4), F(1, 8), F(1, 16), F(1, 12), F(1, 3), F(1, 1)])


@st.composite
def phrases(draw):
    cycles = draw(st.integers(1, 4))
    grid = draw(GRIDS)
    raw = st.fractions(min_value=0, max_value=cycles, max_denominator=192).filter(lambda t: t < cycles)
    notes = draw(st.lists(st.tuples(raw, st.fractions(min_value=0, max_value=2, max_denominator=96),
                                    st.sampled_from([0, 36, 48, 60, 61, 62, 64, 67, 127]), st.integers(1, 127)),
                          max_size=14))
    return [(start, start + length, key, vel) for start, length, key, vel in notes], cycles, grid


@SETTINGS
@given(phrases())
def test_the_text_read_by_the_language_plays_exactly_the_quantized_notes(case):
    notes, cycles, grid = case
    phrase = phrase_pattern(notes, cycles, grid)
    check_round_trip(phrase)
    total = cycles / grid
    for begin, end, key, velocity in phrase.notes:  # on the grid, inside the phrase, never empty
        assert (begin / grid).denominator == 1 and (end / grid).denominator == 1
        assert 0 <= begin < end <= cycles
        assert 0 <= key <= 127 and 1 <= velocity <= 127
    onsets = {(begin / grid, key) for begin, _, key, _ in phrase.notes}
    for start, _, key, _ in notes:  # every note played has one at its nearest step (the loop's step 0 past the end)
        step = (start / grid + F(1, 2)).__floor__()
        assert (step % total, key) in onsets
    by_key = sorted((key, begin, end) for begin, end, key, _ in phrase.notes)
    for (k1, _, e1), (k2, b2, _) in zip(by_key, by_key[1:]):  # a key sounds once at a time
        assert k1 != k2 or e1 <= b2
