"""playable(): what export, render, show and `events` take, decided once."""

from __future__ import annotations

import pytest

import trackjammer.core  # noqa: F401
from trackjammer.core.pattern import Pattern
from trackjammer.errors import ArgumentError
from trackjammer.lang.evaluator import Interpreter
from trackjammer.midi.playable import playable
from trackjammer.session import Session


def value(source: str):
    return Interpreter(Session(out=lambda text: None)).execute(source)


def test_a_number_is_a_pattern_a_signal_is_marked_and_tracks_come_once():
    number = playable(60, 0)
    assert isinstance(number.pattern, Pattern) and not number.signal and number.tracks == ()
    assert [e.value for e in number.pattern.onsets(0, 1, 0)] == [60]
    assert playable(value("Sine(1)"), 0).signal is True
    assert playable(value("[C4 E4]"), 0).signal is False
    session = Session(out=lambda text: None)
    a, b = Interpreter(session).execute("let a = MidiTrack(1); let b = MidiTrack(2); #[a, b, a]")[:2]
    found = playable([a, b, a], 0)
    assert found.pattern is None and found.tracks == (a, b)
    assert playable(a, 0).tracks == (a,)


@pytest.mark.parametrize("call, what, message, hint", [
    ("midi_export", "C4", 'cannot export the string "C4"', "midi_export(pattern_or_track, cycles[, path]), e.g. midi_export(bass, 4)"),
    ("render", [], "the array of tracks is empty", "render(#[bass, lead], 8)"),
    ("render", [3], "an array to export holds tracks only, not the number 3", "render a pattern on its own: render([C4 E4], 4)"),
    ("show", "bass", 'show draws a pattern, a signal, a track, an array of tracks or a comparison, not the string "bass"', "show([C4 E4 G4], 2) or show(bass)"),
])
def test_anything_else_is_refused_in_the_words_of_the_call(call, what, message, hint):
    with pytest.raises(ArgumentError) as caught:
        playable(what, 0, call)
    assert (caught.value.message, caught.value.hint) == (message, hint)
