"""Completion: names, methods by the value's type, names inside strings, ports."""

from __future__ import annotations

import pytest

import trackjammer.core  # noqa: F401
from trackjammer.core.registry import REGISTRY
from trackjammer.lang.builtins import help_entries
from trackjammer.lang.evaluator import Interpreter
from trackjammer.midi.track import LANE_HELP, TRACK_METHODS
from trackjammer.repl.completer import TrackJammerCompleter

PORTS = ["Midi Through:Midi Through Port-0 14:0", "FLUID Synth:Synth input port 128:0"]


@pytest.fixture(scope="module")
def completer() -> TrackJammerCompleter:
    interpreter = Interpreter()
    interpreter.execute("let bass = MidiTrack(1, 80); let melody = [C4 E4]; let n = 3; let tempo = cps()")
    return TrackJammerCompleter(interpreter.session, lambda: list(PORTS))


def names(completer: TrackJammerCompleter, before: str) -> list[str]:
    return [c.text for c in completer.complete(before)]


def metas(completer: TrackJammerCompleter, before: str) -> dict[str, str]:
    return {c.text: c.display_meta_text for c in completer.complete(before)}


def test_globals_with_their_signature_from_the_help_index(completer):
    assert metas(completer, "Mid") == {
        "MidiTrack": "MidiTrack(channel, velocity = 100, name?)",
        "midi_export": "midi_export(what, cycles, path?, stems = false, overwrite = false, loop = true, all = false, type?)",
        "midi_import": "midi_import(path, track = 1)  The notes of one track of a .mid file, as a pattern.",
    }
    assert metas(completer, "fas") == {"fast": "fast(factor)  Play `factor` times faster: [a b].fast(2) is [a b a b].",
                                       "fastChunk": "fastChunk(parts, function)",  # summaries too long to show beside
                                       "fastGap": "fastGap(factor)"}
    assert help_entries()["fast"].signature == "fast(factor)"


def test_keywords_and_bound_names_with_their_value(completer):
    assert metas(completer, "le") == {"let": "keyword", "legato": "gate(fraction)", "learn": "learn(lane?)"}
    assert metas(completer, "ba") == {"bass": 'MidiTrack(1, 80, name: "bass")'}
    assert metas(completer, "mel") == {"melody": "[C4 E4]"}  # as it was written: no query
    assert names(completer, "te") == ["tempo"]


def test_a_tracks_methods_and_lanes_after_a_dot(completer):
    expected = sorted(set(TRACK_METHODS) | set(LANE_HELP) | {"vel", "velocity", "channel", "name"})
    assert names(completer, "bass.") == expected
    assert metas(completer, "bass.mu") == {"mute": "track.mute()"}
    assert names(completer, "MidiTrack(2, 90).unm") == ["unmute"]


@pytest.mark.parametrize("receiver", ["melody", "[C4 E4]", "Sine(1)", "melody.fast(2).rev()", "n", "[C4](3,8)", "1",
                                      "(melody)"])
def test_pattern_methods_after_a_dot_on_anything_that_makes_a_pattern(completer, receiver):
    assert names(completer, receiver + ".") == sorted(n for n, e in REGISTRY.items() if not e.constructor)
    assert metas(completer, receiver + ".seg") == {"segment": "segment(steps)"}


@pytest.mark.parametrize("receiver", ["bass.cc(74)", "tracks()", "tempo2", '"text"'])
def test_nothing_after_a_dot_where_the_type_gives_no_methods(completer, receiver):
    assert names(completer, receiver + ".") == []


def test_scale_chord_and_arp_names_inside_their_strings(completer):
    assert metas(completer, 'melody.scale("d') == {"diminished": "scale: 0 2 3 5 6 8 9 11",
                                                  "dorian": "scale: 0 2 3 5 7 9 10"}
    assert names(completer, '[C3 F3].chord("maj') == ["maj", "maj7", "maj9"]
    assert names(completer, 'arp("up') == ["up", "updown"]
    assert names(completer, '"pent') == ["pentatonic_major", "pentatonic_minor"]  # a string elsewhere: scales, chords
    assert names(completer, 'melody.scale(cat("major", "dor') == ["dorian"]  # cat takes names too


def test_port_names_inside_output_and_device(completer):
    assert metas(completer, 'output("') == {port: "MIDI output port" for port in PORTS}
    assert names(completer, 'bass.device("fl') == ["FLUID Synth:Synth input port 128:0"]


def test_any_name_inside_help(completer):
    assert names(completer, 'help("track.m') == ["track.mute"]


@pytest.mark.parametrize("before", ["bass << [C4 E", "let x = [<C4 E", 'print("', "3", "#",
                                    'bass << "d', 'bass.cc(1) << "d', 'melody.fast("d', 'vel("d'])
def test_nothing_inside_a_pattern_literal_or_after_numbers(completer, before):
    assert names(completer, before) == []


def test_bound_names_inside_an_array(completer):
    assert names(completer, "#[ba") == ["bass"]


def test_ports_are_asked_for_at_most_every_two_seconds():
    asked: list[int] = []
    completer = TrackJammerCompleter(Interpreter().session, lambda: asked.append(1) or ["a"])
    assert names(completer, 'output("') == ["a"]
    assert names(completer, 'output("') == ["a"]
    assert asked == [1]
