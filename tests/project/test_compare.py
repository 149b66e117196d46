"""compare(): two saved states side by side, exact text; show() of a
comparison draws both piano rolls."""

from __future__ import annotations

import pytest

import trackjammer.globals  # noqa: F401  (registers every package's globals)
from trackjammer.errors import TrackJammerError
from trackjammer.lang.console import respond
from trackjammer.lang.evaluator import Interpreter
from trackjammer.session import Session


@pytest.fixture
def repl(tmp_path, monkeypatch):
    """An interpreter answering as the REPL does, in a folder of its own."""
    monkeypatch.chdir(tmp_path)
    said: list[str] = []
    session = Session(out=said.append)
    interpreter = Interpreter(session)

    def run(text: str) -> list[str]:
        said.clear()
        respond(interpreter, text, said.append)
        return [line for chunk in said for line in chunk.split("\n")]

    return run


VERSE = ('let bass = MidiTrack(1, 90, name: "bass"); bass << [C2 E2]; bass.cc(74) << Sine(1);'
         'let keys = MidiTrack(2); keys << [C4,E4]; save("verse")')
CHORUS = ('bpm(90); bass << [C2 G2]; keys.mute(); let lead = MidiTrack(3, name: "lead"); lead << [C5 D5];'
          'bass.cc(74) << none; save("chorus")')


def test_compare_shows_each_difference_as_its_source(repl):
    repl(VERSE)
    repl(CHORUS)
    assert repl('compare("verse", "chorus")') == [
        "             verse            │ chorus",
        "tempo        0.5 cps, 120 bpm │ 0.375 cps, 90 bpm",
        "bass         [C2 E2]          │ [C2 G2]",
        "bass.cc(74)  Sine(1)          │ -",
        "keys muted   no               │ yes",
        'lead         -                │ MidiTrack(3, 100, name: "lead")',
        "lead         -                │ [C5 D5]",
    ]


def test_compare_with_now_and_the_same_state(repl):
    repl(VERSE)
    repl("let keys = MidiTrack(4, 70)")  # the name now holds another track, with nothing bound
    assert repl('compare("verse")') == [
        "      verse                           │ now",
        'keys  MidiTrack(2, 100, name: "keys") │ MidiTrack(4, 70, name: "keys")',
        "keys  [C4,E4]                         │ -",
    ]
    repl('save("again")')
    assert repl('compare("again", "now")') == ["again and now play the same"]


def test_compare_refuses_an_unknown_state_with_a_hint(repl):
    repl(VERSE)
    assert repl('compare("vers")') == [
        'error: line 1, column 1: no saved state "vers" in project "untitled"', '  compare("vers")', "  ^",
        "hint: did you mean 'verse'?"]


def test_show_of_a_comparison_draws_both_rolls_one_above_the_other(repl):
    repl(VERSE)
    repl(CHORUS)
    lines = repl('show(compare("verse", "chorus"), 1)')
    heads = [line for line in lines if not line.startswith(" ") and ":" in line]
    assert [line.split(" (shade")[0] for line in heads] == [
        "verse: 1 cycle from cycle 0, 4 notes", "chorus (silent: keys): 1 cycle from cycle 0, 4 notes"]
    chorus = lines[lines.index(heads[1]) + 2:]
    assert [row.split()[0] for row in chorus] == ["D5", "C5", "G2", "C2"]  # keys is muted there: not drawn
