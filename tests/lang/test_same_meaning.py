"""The same text means the same thing inside and outside the brackets
(issue 13, part 3): `*` and `/` on patterns and signals are time, a string
where a pattern is expected is mini-notation, and a bare `hush`, `panic`,
`stop` or `start` runs the command."""

from __future__ import annotations

from fractions import Fraction as F

import pytest

import trackjammer.core  # noqa: F401
from trackjammer.core.signals import Signal
from trackjammer.core.values import Note
from trackjammer.errors import TrackJammerError
from trackjammer.lang.console import respond
from trackjammer.lang.evaluator import Interpreter
from tests.support.smf_reader import read_smf


def onsets(value, begin=0, end=1):
    return [(e.whole.begin, e.whole.end, e.value) for e in value.onsets(begin, end)]


def values(value, begin=0, end=1):
    return [v for _, _, v in onsets(value, begin, end)]


def run(text: str, interpreter: Interpreter | None = None):
    return (interpreter or Interpreter()).execute(text)


def error_of(text: str, interpreter: Interpreter | None = None) -> TrackJammerError:
    with pytest.raises(TrackJammerError) as caught:
        (interpreter or Interpreter()).execute(text)
    return caught.value


def shown(*inputs: str) -> list[str]:
    """What the REPL prints for each input, one interpreter."""
    interpreter, lines = Interpreter(), []
    for text in inputs:
        respond(interpreter, text, lines.append)
    return "\n".join(lines).split("\n")


# -- `*` and `/` are time on patterns and signals -----------------------------------


def test_times_after_the_brackets_is_times_inside_them():
    expected = [
        (F(0), F(1, 4), 60), (F(1, 4), F(1, 2), 64), (F(1, 2), F(3, 4), 60), (F(3, 4), F(1), 64),
        (F(1), F(5, 4), 60), (F(5, 4), F(3, 2), 64), (F(3, 2), F(7, 4), 60), (F(7, 4), F(2), 64),
    ]
    assert onsets(run("[C4 E4]*2"), 0, 2) == expected
    assert onsets(run("[[C4 E4]*2]"), 0, 2) == expected
    assert onsets(run("[C4 E4] * 2"), 0, 2) == expected


def test_divide_plays_over_several_cycles():
    expected = [(F(0), F(2, 3), 48), (F(2, 3), F(4, 3), 52), (F(4, 3), F(2), 55)]
    assert onsets(run("[C3 E3 G3]/2"), 0, 2) == expected
    assert onsets(run("[[C3 E3 G3]/2]"), 0, 2) == expected
    assert onsets(run("[C3 E3 G3] / 2"), 0, 2) == expected


def test_the_factor_may_be_a_pattern_or_a_string():
    # [1 2]: the first half at normal speed, the second twice as fast.
    assert onsets(run("[C4 E4] * [1 2]")) == [(F(0), F(1, 2), 60), (F(1, 2), F(3, 4), 60), (F(3, 4), F(1), 64)]
    both = [(F(0), F(1, 2), 60), (F(1, 2), F(1), 64),
            (F(1), F(5, 4), 60), (F(5, 4), F(3, 2), 64), (F(3, 2), F(7, 4), 60), (F(7, 4), F(2), 64)]
    assert onsets(run('[C4 E4] * "<1 2>"'), 0, 2) == both
    assert onsets(run("[C4 E4] * [<1 2>]"), 0, 2) == both
    assert onsets(run("[C4 E4 G4] / [<1 3>]"), 0, 2) == [
        (F(0), F(1, 3), 60), (F(1, 3), F(2, 3), 64), (F(2, 3), F(1), 67), (F(1), F(2), 64)]


def test_a_chain_reads_left_to_right_and_plus_still_transposes():
    assert onsets(run("[0 4] * 2 + 60")) == [
        (F(0), F(1, 4), 60), (F(1, 4), F(1, 2), 64), (F(1, 2), F(3, 4), 60), (F(3, 4), F(1), 64)]
    assert onsets(run("([C4 E4] + 12) / 2"), 0, 2) == [(F(0), F(1), 72), (F(1), F(2), 76)]
    assert values(run("[C4^80 E4] - 12")) == [Note(48, 80), 52]
    assert values(run('-"0 <2 4>" + 60'), 1, 2) == [60, 56]
    assert error_of('-"up"').message == 'cannot negate the string "up"'


def test_signals_speed_up_and_slow_down_with_times_and_divide():
    assert values(run("(Saw(1) * 2).segment(4)")) == [0, 0.5, 0, 0.5]
    assert values(run("(Saw(1) / 2).segment(4)")) == [0, 0.125, 0.25, 0.375]


def test_numbers_with_numbers_stay_arithmetic():
    assert run("1/8") == F(1, 8)
    assert run("2*3") == 6
    assert run("C4 * 2") == 120  # a note name outside the brackets is its number
    assert run("0.25 * 2") == 0.5
    assert run("-3 + 1") == -2 and run("let x = 1/3; -x") == F(-1, 3)


@pytest.mark.parametrize(("text", "message", "hint"), [
    ("2 * [C4 E4]", "a number * a pattern has no meaning here: on patterns '*' is time, and the pattern goes first",
     "write p * 2 to play it faster, or p.mul(2) for its values"),
    ("1 / Sine(1)", "a number / a pattern has no meaning here: on patterns '/' is time, and the pattern goes first",
     "write p / 2 to play it slower, or p.div(2) for its values"),
])
def test_a_number_times_a_pattern_is_refused_with_both_readings(text, message, hint):
    error = error_of(text)
    assert (error.line, error.column, error.message, error.hint) == (1, 3, message, hint)


def test_value_arithmetic_has_strudels_method_names():
    assert values(run("[30 32].mul(2)")) == [60, 64]
    assert values(run("[120 128].div(2)")) == [60, 64]
    assert values(run("[C5 E5].sub(12)")) == [60, 64]
    assert values(run("[0 4].add([60 72])")) == [60, 76]
    assert values(run('[0 4].add("<60 72>")'), 1, 2) == [72, 76]


def test_signals_have_mul_div_add_sub_and_stay_signals():
    signal = run("Sine(1).mul(0.5).add(0.25)")
    assert isinstance(signal, Signal)
    assert values(run("Sine(1).mul(0.5).add(0.25).segment(4)")) == [0.5, 0.75, 0.5, 0.25]
    assert values(run("Saw(1).div(2).sub(0.125).segment(4)")) == [-0.125, 0, 0.125, 0.25]
    assert values(run("Saw(1).mul(Square(1)).segment(4)")) == [0, 0, 0.5, 0.75]


def test_export_of_times_two_writes_the_notes_twice_as_fast(tmp_path):
    """Before, `[C4 E4]*2` exported notes 120 and 128 (dropped with a warning)."""
    path = tmp_path / "twice.mid"
    run(f'midi_export([C4 E4]*2, 1, path: "{path}")')
    smf = read_smf(path)
    notes = [(event[0], event[1], event[3]) for track in smf.tracks for event in track
             if event[1] in ("note_on", "note_off")]
    assert smf.division == 480
    assert notes == [
        (0, "note_on", 60), (480, "note_off", 60), (480, "note_on", 64), (960, "note_off", 64),
        (960, "note_on", 60), (1440, "note_off", 60), (1440, "note_on", 64), (1920, "note_off", 64),
    ]


# -- a string where a pattern is expected is mini-notation --------------------------


def test_a_string_bound_to_a_track_is_mini_notation():
    interpreter = Interpreter()
    run('let bass = MidiTrack(1, 80); bass << "C2 E2 G2"; let same = MidiTrack(2); same << [C2 E2 G2]',
        interpreter)
    names = interpreter.session.names
    assert onsets(names["bass"].notes, 0, 2) == onsets(names["same"].notes, 0, 2)
    assert values(names["bass"].notes) == [36, 40, 43]
    run('bass.cc(74) << "0 <64 127>"', interpreter)
    assert values(names["bass"].cc_lanes[74], 1, 2) == [0, 127]


def test_strings_are_patterns_in_pattern_arguments():
    assert onsets(run('[C4 E4].fast("<1 2>")'), 0, 2) == onsets(run("[C4 E4].fast([<1 2>])"), 0, 2)
    assert onsets(run('[C4*8].euclid("<3 5>", 8)'), 0, 2) == onsets(run("[C4*8].euclid([<3 5>], 8)"), 0, 2)
    assert values(run('[C4 E4].vel("40 90")')) == [Note(60, 40), Note(64, 90)]
    assert values(run('[C4 E4 G4].every("<2 3>", rev)'), 0, 3) == [67, 64, 60, 60, 64, 67, 67, 64, 60]
    assert values(run('fast(2, "C4 E4")')) == [60, 64, 60, 64]
    assert values(run('"C4 E4".fast(2)')) == [60, 64, 60, 64]  # Strudel's way round


def test_strings_are_patterns_in_cat_stack_and_seq():
    assert onsets(run('cat("C4 E4", "G4")'), 0, 2) == [(F(0), F(1, 2), 60), (F(1, 2), F(1), 64), (F(1), F(2), 67)]
    assert onsets(run('seq("C4 E4", [G4])')) == [(F(0), F(1, 4), 60), (F(1, 4), F(1, 2), 64), (F(1, 2), F(1), 67)]
    assert sorted(values(run('stack("C4", "E4 G4")'))) == [60, 64, 67]


def test_where_a_string_is_expected_it_stays_a_string(tmp_path):
    assert values(run('[0 2 4].scale("dorian", "C3")')) == [48, 51, 55]
    assert values(run('[0 2].scale(cat("major", "minor"), C3)'), 1, 2) == [48, 51]
    interpreter = Interpreter()
    run('let t = MidiTrack(1, name: "C4 E4"); t << [C4]', interpreter)
    assert interpreter.session.names["t"].name == "C4 E4"
    path = tmp_path / "a b.mid"
    assert run(f'midi_export([C4], 1, path: "{path}")') == str(path)
    assert path.exists()


def test_a_name_is_not_mini_notation_and_says_so_where_it_lands():
    error = error_of('let t = MidiTrack(1); t << "major"')
    assert (error.column, error.message) == (28, 'a lane plays numbers, but this pattern holds the string "major"')
    error = error_of('[C4].fast("x")')
    assert error.message == "fast's 'factor' expects a number, got the string \"x\""
    error = error_of('"up" + 1')
    assert (error.column, error.message) == (6, "cannot use '+' with the string \"up\"")


def test_a_mistake_inside_a_string_points_into_the_string():
    error = error_of('let t = MidiTrack(1);\nt << "C4 [E4"')
    assert (error.line, error.column) == (2, 13)
    assert error.format().split("\n")[1:3] == ['  t << "C4 [E4"', "              ^"]
    error = error_of('[C4].fast("1 [2")')
    assert (error.line, error.column) == (1, 16)
    error = error_of('let t = MidiTrack(1); t << "C4 E4 X5"')
    assert (error.line, error.column) == (1, 35)
    assert error.message.endswith("found 'X'")
    error = error_of('cat("C4", "G44")')
    assert (error.line, error.column, error.message) == (1, 12, "note G44 is 547, outside MIDI's 0..127")


def test_a_string_from_an_earlier_input_reports_where_it_was_written():
    interpreter = Interpreter()
    run('let t = MidiTrack(1);\nlet s = "C4 [E4"', interpreter)
    error = error_of("t << s", interpreter)
    assert (error.line, error.column) == (2, 16)
    assert error.format().split("\n")[1] == '  let s = "C4 [E4"'


def test_a_string_with_escapes_reports_at_its_opening_quote():
    error = error_of('let t = MidiTrack(1); t << "C4\\t[E4"')
    assert (error.line, error.column) == (1, 28)


def test_a_snapshot_writes_a_string_binding_as_it_was_written():
    from trackjammer.lang.provenance import source_of

    interpreter = Interpreter()
    run('let t = MidiTrack(1); t << "C4 <E4 G4>"; let p = "C4 E4" * 2', interpreter)
    names = interpreter.session.names
    assert source_of(interpreter.session, names["t"].notes) == '"C4 <E4 G4>"'
    assert source_of(interpreter.session, names["p"]) == '("C4 E4" * 2)'


# -- bare commands run ----------------------------------------------------------


@pytest.mark.parametrize("text", ["hush", "hush;", "  hush ; ", "hush()"])
def test_a_bare_hush_runs_it(text):
    interpreter = Interpreter()
    run("let t = MidiTrack(1); t << [C4 E4]", interpreter)
    assert run(text, interpreter) is None
    assert interpreter.session.names["t"].notes is None


def test_only_a_bare_name_alone_runs():
    interpreter = Interpreter()
    run("let t = MidiTrack(1); t << [C4 E4]", interpreter)
    assert shown("print(hush)") == ["<built-in hush>"]
    run("#[hush, panic]", interpreter)
    assert interpreter.session.names["t"].notes is not None
    assert shown("tracks") == ["<built-in tracks>"]  # shows; only commands that act run bare
