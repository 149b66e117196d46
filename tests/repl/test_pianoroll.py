"""show(): the piano roll of known patterns and tracks, as exact text."""

from __future__ import annotations

import pytest

import trackjammer.core  # noqa: F401
from trackjammer.errors import TrackJammerError
from trackjammer.lang.console import respond
from trackjammer.lang.evaluator import Interpreter
from trackjammer.repl.pianoroll import show_roll


@pytest.fixture()
def interpreter() -> Interpreter:
    return Interpreter()


def roll(interpreter: Interpreter, source: str, cycles: int, width: int) -> str:
    return show_roll(interpreter.session, interpreter.execute(source), cycles, width)


def test_a_pattern_rows_by_pitch_columns_by_time_shade_by_velocity(interpreter):
    # 40 columns: a 4-column gutter leaves room for 32 columns a cycle; a beat is 8.
    assert roll(interpreter, "[C4 E4^40 [G4 C5]*2 C4^127]", 1, 40).split("\n") == [
        "pattern: 1 cycle from cycle 0, 7 notes (shade = velocity: ░ soft … █ loud)",
        "    0",
        "C5  ·       ·       · ██  ██·",
        "G4  ·       ·       ██  ██  ·",
        "E4  ·       ▒▒▒▒▒▒▒▒·       ·",
        "C4  ████████·       ·       ████████",
    ]


def test_a_track_shows_what_it_plays_with_its_cc_lane_as_a_sparkline(interpreter):
    interpreter.execute("let t = MidiTrack(2, 70); t << [C3 C3 ~ G3^20]; t.cc(1) << Saw(1); t.transpose(12); t.mute()")
    # Two cycles in 40 columns: 16 columns a cycle. Transposed an octave; the
    # second C4 follows the first at once, so a gap shows where one ends.
    assert roll(interpreter, "t", 2, 40).split("\n") == [
        "t on channel 2 (muted): 2 cycles from cycle 0, 6 notes (shade = velocity: ░ soft … █ loud)",
        "    0               1",
        "G4  ·   ·   ·   ░░░░·   ·   ·   ░░░░",
        "C4  ▓▓▓ ▓▓▓▓·   ·   ▓▓▓ ▓▓▓▓·   ·",
        "cc1 ▁▁▂▂▃▃▄▄▅▅▅▆▆▇▇█▁▁▂▂▃▃▄▄▅▅▅▆▆▇▇█",
    ]


def test_a_signal_is_a_sparkline_and_the_width_is_fitted(interpreter):
    assert roll(interpreter, "Square(1)", 1, 14).split("\n") == [
        "signal: 1 cycle from cycle 0, 0 notes",
        "    0",
        "sig ▁▁▁▁████",
    ]
    assert roll(interpreter, "Square(1)", 3, 14).split("\n")[1:] == ["    0  1  2", "sig ▁▁█▁▁█▁▁█"]


def test_the_widest_terminal_gets_at_most_64_columns_a_cycle(interpreter):
    lines = roll(interpreter, "[C4]", 1, 300).split("\n")
    assert lines[2] == "C4  " + "█" * 64


def test_an_array_of_tracks_draws_one_roll_each(interpreter):
    interpreter.execute("let a = MidiTrack(1); a << [C4]; let b = MidiTrack(3, 10); b << [~ D4]")
    assert roll(interpreter, "#[a, b]", 1, 13).split("\n") == [
        "a on channel 1: 1 cycle from cycle 0, 1 note (shade = velocity: ░ soft … █ loud)",
        "    0",
        "C4  ████████",
        "",
        "b on channel 3: 1 cycle from cycle 0, 1 note (shade = velocity: ░ soft … █ loud)",
        "    0",
        "D4  · · ░░░░",
    ]


def test_a_silent_track(interpreter):
    interpreter.execute("let a = MidiTrack(1)")
    assert roll(interpreter, "a", 1, 12).split("\n") == ["a on channel 1: 1 cycle from cycle 0, 0 notes", "    0",
                                                          "    (silent)"]


def test_show_prints_the_roll_and_echoes_nothing(interpreter):
    said: list[str] = []
    assert respond(interpreter, "show([C4 E4])", said.append)
    assert len(said) == 1 and said[0].startswith("pattern: 1 cycle from cycle 0, 2 notes")


@pytest.mark.parametrize(("source", "message"), [
    ("show([C4], 0)", "show needs a whole number of cycles from 1 to 64, got 0"),
    ("show([C4], 1.5)", "show needs a whole number of cycles from 1 to 64, got 1.5"),
    ('show("bass")', 'show draws a pattern, a signal, a track, an array of tracks or a comparison, not the string "bass"'),
    ("show()", "show needs its argument 'what'"),
])
def test_bad_arguments_say_what_is_wrong(interpreter, source, message):
    with pytest.raises(TrackJammerError) as caught:
        interpreter.execute(source)
    assert caught.value.message == message
    assert (caught.value.line, caught.value.column) == (1, 1)


def test_notes_one_column_wide_are_never_cut_by_the_gap(interpreter):
    assert roll(interpreter, "60", 32, 40).split("\n")[1:] == ["    0 2 4 6 8 10 13 16 19 22 25 28 31",
                                                            "C4  " + "█" * 32]
    assert roll(interpreter, "60", 16, 40).split("\n")[1:] == ["    0 1 2 3 4 5 6 7 8 9 10  12  14",
                                                            "C4  " + "█ " * 15 + "██"]


def test_a_pattern_too_dense_to_draw_is_refused_before_the_work(interpreter):
    with pytest.raises(TrackJammerError) as caught:
        roll(interpreter, "[C4].fast(1000)", 64, 80)
    assert caught.value.message == ("this plays 1,000 notes in cycle 0: too many to draw over 64 cycles "
                                    "(at most 50,000 notes)")
    assert caught.value.hint == "show fewer cycles, or a slower pattern"


def test_an_mpe_track_shows_its_notes_and_lanes_not_the_announcement_of_its_zone(interpreter):
    """Issue 18: the zone's RPN CCs are how it is sent, not what it plays."""
    interpreter.execute("let m = MpeTrack(members: 4); m << [[C4,E4] A4]; m.timbre << [20 100]")
    assert roll(interpreter, "m", 1, 40).split("\n") == [
        "m on channel 1: 1 cycle from cycle 0, 3 notes (shade = velocity: ░ soft … █ loud)",
        "     0",
        "A4   ·       ·       ████████████████",
        "E4   ████████████████·       ·",
        "C4   ████████████████·       ·",
        "cc74 ▂▂▂▂▂▂▂▂▂▂▂▂▂▂▂▂▇▇▇▇▇▇▇▇▇▇▇▇▇▇▇▇",
    ]
