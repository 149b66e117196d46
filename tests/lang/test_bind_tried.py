"""A binding's first cycles are tried before it plays (lang/evaluator.py
TRIED_CYCLES): an error that only a later cycle meets is said at once, with
where it was typed, and the track plays on as it was."""

from __future__ import annotations

import pytest

import trackjammer.core  # noqa: F401
from trackjammer.errors import TrackJammerError
from trackjammer.lang import evaluator
from trackjammer.lang.evaluator import Interpreter


def bound(source: str) -> tuple[Interpreter, TrackJammerError]:
    interpreter = Interpreter()
    interpreter.execute("let t = MidiTrack(1); t << [E4]")
    with pytest.raises(TrackJammerError) as caught:
        interpreter.execute(source)
    return interpreter, caught.value


def notes(interpreter: Interpreter) -> list:
    return [e.value for e in interpreter.session.names["t"].notes.onsets(0, 1)]


def test_an_unknown_name_in_a_later_cycle_is_said_at_once_where_it_was_typed():
    interpreter, error = bound('\nt << [C3].chord("<maj maj Dm7>")')
    assert (error.message, error.line, error.column) == ("unknown chord 'Dm7' (in cycle 2)", 2, 6)
    assert error.hint.startswith('the root is the note the chord is built on: [D3].chord("m7")')
    assert notes(interpreter) == [64]  # still what it played


def test_an_unknown_scale_in_the_second_cycle():
    interpreter, error = bound('t << [0 2].scale("<C4:major C4:majr>")')
    assert (error.message, error.line, error.column, error.hint) == (
        "unknown scale 'majr' (in cycle 1)", 1, 6, "did you mean 'major'?")
    assert notes(interpreter) == [64]


def test_a_later_cycle_too_dense_for_a_port_is_refused_at_once():
    interpreter, error = bound("t << [C4*<16 65536>]")
    assert error.message == ("this asks for about 66,000 events a cycle, 33,000 a second at cps 0.5; "
                             "a MIDI port carries at most 5,000 a second on one track (in cycle 1)")
    assert (error.line, error.column) == (1, 6)
    assert notes(interpreter) == [64]


def test_cycles_past_the_tried_ones_are_not_tried():
    interpreter = Interpreter()
    interpreter.execute("let t = MidiTrack(1)")
    interpreter.execute('t << [C3].chord("<maj maj maj maj maj maj maj maj Dm7>")')  # cycle 8: said when it plays
    notes = interpreter.session.names["t"].notes
    assert [e.value for e in notes.onsets(0, 1)] == [48, 52, 55]  # bound
    with pytest.raises(TrackJammerError, match="unknown chord 'Dm7'"):
        notes.onsets(8, 9)


def test_trying_stops_when_its_time_is_up(monkeypatch):
    monkeypatch.setattr(evaluator, "TRIED_SECONDS", -1.0)  # spent before it starts: only the first cycle is tried
    interpreter = Interpreter()
    interpreter.execute('let t = MidiTrack(1); t << [C3].chord("<maj Dm7>")')  # its cycle 1 is not tried
    assert [e.value for e in interpreter.session.names["t"].notes.onsets(0, 1)] == [48, 52, 55]
    with pytest.raises(TrackJammerError) as caught:  # the first cycle always is
        interpreter.execute('t << [C3].chord("<Dm7 maj>")')
    assert caught.value.message == "unknown chord 'Dm7'"
