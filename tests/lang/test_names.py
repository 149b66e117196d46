"""The names performers bring from Strudel, Tidal, Sonic Pi and FoxDot
(issue 13 §4): Strudel's globals and values, and did-you-mean hints that
name TrackJammer's word before guessing at spelling."""

from __future__ import annotations

from fractions import Fraction as F

import pytest

import trackjammer.core  # noqa: F401
from trackjammer.errors import TrackJammerError
from trackjammer.lang.builtins import help_entries
from trackjammer.lang.evaluator import Interpreter
from trackjammer.lang.suggest import ALIASES
from trackjammer.repl.completer import TrackJammerCompleter


def onsets(pattern, begin=0, end=1):
    return [(e.whole.begin, e.whole.end, e.value) for e in pattern.onsets(begin, end)]


def error_of(text: str) -> TrackJammerError:
    with pytest.raises(TrackJammerError) as caught:
        Interpreter().execute(text)
    return caught.value


def test_setcps_setbpm_and_setcpm_are_cps_and_bpm():
    interpreter = Interpreter()
    interpreter.execute("setcps(0.75)")
    assert interpreter.session.cps == 0.75
    interpreter.execute("setbpm(120)")
    assert interpreter.session.cps == F(1, 2)
    assert error_of("setcps()").message == "setcps needs its argument 'cycles_per_second'"
    interpreter.execute("setcpm(140/4)")  # Strudel's cycles a minute
    assert (interpreter.session.cps, interpreter.session.bpm) == (F(7, 12), 140)
    error = error_of("setcpm(960)")  # BPM typed as cycles a minute: refused, as cps(120) is
    assert (error.message, error.hint) == ("setcpm(960) is 16 cycles a second; the most is 600 a minute",
                                           "setcpm counts cycles, not beats: 960 BPM is setcpm(960/4), or bpm(960)")
    assert error_of('setbpm("fast")').message == 'bpm needs a number, got the string "fast"'


def test_silence_is_the_empty_pattern_and_can_be_bound():
    interpreter = Interpreter()
    interpreter.execute("let t = MidiTrack(1); t << [C4 E4]; t << silence; let s = cat([C4], silence)")
    assert onsets(interpreter.session.names["t"].notes, 0, 4) == []
    assert [e[0] for e in onsets(interpreter.session.names["s"], 0, 4)] == [0, 2]


@pytest.mark.parametrize(("text", "expected"), [
    ("sine.segment(4)", [0.5, 1.0, 0.5, 0.0]),
    ("cosine.segment(4)", [1.0, 0.5, 0.0, 0.5]),
    ("saw.segment(4)", [0.0, 0.25, 0.5, 0.75]),
    ("tri.segment(4)", [0.0, 0.5, 1.0, 0.5]),
    ("square.segment(4)", [0.0, 0.0, 1.0, 1.0]),
    ("saw.slow(2).segment(4)", [0.0, 0.125, 0.25, 0.375]),
    ("saw.range(60, 72).segment(4)", [60, 63, 66, 69]),
])
def test_lowercase_signals_are_values_at_one_period_per_cycle(text, expected):
    assert [v for _, _, v in onsets(Interpreter().execute(text))] == expected


def test_lowercase_random_signals_equal_the_capitalised_ones():
    interpreter = Interpreter()
    for low, high in (("rand", "Rand()"), ("perlin", "Perlin(1)")):
        assert onsets(interpreter.execute(f"{low}.segment(8)")) == onsets(interpreter.execute(f"{high}.segment(8)"))
    assert [v for _, _, v in onsets(interpreter.execute("irand(8).segment(4)"))] == [7, 3, 1, 0]


@pytest.mark.parametrize(("text", "column", "message", "hint"), [
    # the list: before, these suggested Cosine, Cosine, often, late, pentatonic_minor
    ("silenc", 1, "unknown name 'silenc'", "did you mean 'silence'?"),
    ("sinee.segment(4)", 1, "unknown name 'sinee'", "did you mean 'sine'?"),
    ('note("c e g")', 1, "unknown function 'note'",
     "'note' is not a TrackJammer name; write the notes themselves: [C4 E4 G4] (or \"C4 E4 G4\")"),
    ("[C4].legatto(0.5)", 6, "patterns have no method 'legatto'", "did you mean 'legato'?"),
    ('[0 2].scale("major pentatonik")', 7, "unknown scale 'major pentatonik'", "did you mean 'pentatonic_major'?"),
    ('[0 2].scale("D dorian", C3)', 7, "unknown scale 'D dorian'",  # a root said before the scale's name
     "the root goes before a ':': scale(\"D:dorian\"), or scale(\"dorian\", D3)"),
    ('[0 2].scale("Eb4 major pentatonic")', 7, "unknown scale 'Eb4 major pentatonic'",
     "the root goes before a ':': scale(\"Eb4:major pentatonic\"), or scale(\"major pentatonic\", Eb4)"),
    # Strudel/Tidal names TrackJammer spells differently name TrackJammer's word
    ("[C4 E4].hurry(2)", 9, "patterns have no method 'hurry'", "'hurry' is not a TrackJammer name; use fast: fast(2)"),
    ("slowcat([C4], [E4])", 1, "unknown function 'slowcat'", "'slowcat' is not a TrackJammer name; use cat: cat(a, b)"),
    ("pure(C4)", 1, "unknown function 'pure'",
     "'pure' is not a TrackJammer name; a value is a pattern wherever one is wanted: C4 plays as [C4]"),
    ("polymeter([C4 E4], [G4 A4 B4])", 1, "unknown function 'polymeter'",
     "'polymeter' is not a TrackJammer name; use { } in a pattern: [{C4 E4, G4 A4 B4}] plays both at the first one's steps"),
    ("[C4 E4].duration(0.5)", 9, "patterns have no method 'duration'",
     "'duration' is not a TrackJammer name; the pattern gives each step its length ([C4 E4] halves the cycle); "
     "how long a note sounds is gate(0.5)"),
    ("scan(4)", 1, "unknown function 'scan'",
     "'scan' is not a TrackJammer name; use run, the numbers from 0 up: run(4) is [0 1 2 3]"),
    ("fastcat([C4], [E4])", 1, "unknown function 'fastcat'", "'fastcat' is not a TrackJammer name; use seq: seq(a, b)"),
    ("[C4].sometimes_by(0.5, rev)", 6, "patterns have no method 'sometimes_by'",
     "'sometimes_by' is not a TrackJammer name; use sometimesBy: sometimesBy(0.3, rev)"),
    ('s("bd sd")', 1, "unknown function 's'",
     "'s' is not a TrackJammer name; write drum names in a pattern: [bd sd hh] on a track (MidiTrack(10) for GM drums); an instrument is the track's program: t.program(1)"),
    # Strudel's sound controls: on MIDI, a CC lane of the track
    ("[C4 E4].lpf(800)", 9, "patterns have no method 'lpf'",
     "'lpf' is not a TrackJammer name; a synth's filter is a CC lane on MIDI: t.cc(74) << [20 100] (cutoff on most synths)"),
    ("[C4 E4].jux(rev)", 9, "patterns have no method 'jux'",
     "'jux' is not a TrackJammer name; on MIDI there is no stereo to split; pan is a CC lane: t.cc(10) << [0 127]"),
    # a name that differs only in case
    ("Fast(2)", 1, "unknown function 'Fast'", "did you mean 'fast'?"),
    ("Silence", 1, "unknown name 'Silence'", "did you mean 'silence'?"),
])
def test_did_you_mean_asks_the_alias_table_first(text, column, message, hint):
    error = error_of(text)
    assert (error.line, error.column, error.message, error.hint) == (1, column, message, hint)


def test_help_knows_the_new_names_and_the_aliases():
    entries = help_entries()
    for name in ("setcps", "setbpm", "setcpm", "silence", "sine", "cosine", "saw", "tri", "square", "rand", "perlin", "irand",
                 "struct", "mask", "degradeBy", "legato", "whenmod", "chunk", "within", "superimpose", "choose",
                 "run", "rot", "shuffle", "scramble", "linger", "inside", "outside"):
        assert entries[name].doc, name
    error = error_of('help("hurry")')
    assert (error.message, error.hint) == ("no help for 'hurry'", "'hurry' is not a TrackJammer name; use fast: fast(2)")


def test_no_alias_shadows_a_real_name():
    assert set(ALIASES) & set(help_entries()) == set()


def test_the_cc_lanes_the_sound_control_hints_show_play_as_written():
    """What the hint for lpf, room, pan, attack … shows is TrackJammer that runs."""
    shown = {hint.split(": ", 1)[1].split(" (")[0] for name, hint in ALIASES.items() if "CC lane" in hint}
    assert shown == {"t.cc(74) << [20 100]", "t.cc(71) << [20 100]", "t.cc(91) << 60", "t.cc(10) << [0 127]",
                     "t.cc(73) << 20", "t.cc(72) << 90", "t.cc(12) << [0 127]"}
    for code in sorted(shown):
        interpreter = Interpreter()
        interpreter.execute(f"let t = MidiTrack(1); t << [C4]; {code}")
        number = int(code[5:7])
        assert list(interpreter.session.names["t"].cc_lanes) == [number], code


def test_completion_offers_the_new_names_and_methods_after_a_value():
    interpreter = Interpreter()
    completer = TrackJammerCompleter(interpreter.session)
    offered = {c.text: c.display_meta_text for c in completer.complete("sil")}
    assert offered == {"silence": "silence  The empty pattern: it plays nothing."}
    assert "setcps" in [c.text for c in completer.complete("setc")]
    assert {"shuffle", "scramble"} <= {c.text for c in completer.complete("[C4].s")}
    assert "segment" in [c.text for c in completer.complete("sine.seg")]


def test_a_snapshot_writes_the_values_as_source_that_survives_shadowing():
    from trackjammer.lang.provenance import source_of

    interpreter = Interpreter()
    interpreter.execute("let a = silence; let b = sine.segment(4).range(60, 72); let c = rand.segment(2);"
                        " let d = [C4 E4].legato(0.5).shuffle(2); let sine = [C4]; let silence = [E4]")
    names = interpreter.session.names
    assert [source_of(interpreter.session, names[n]) for n in "abcd"] == [
        "[~]", "Sine(1).segment(4).range(60, 72)", "Rand().segment(2)", "[C4 E4].gate(0.5).shuffle(2)"]
    # written back, they give the same events
    again = Interpreter()
    for n in "abcd":
        text = source_of(interpreter.session, names[n])
        assert onsets(again.execute(text), 0, 2) == onsets(names[n], 0, 2), text


def test_what_the_hints_for_strudels_midi_names_show_plays_as_written():
    """midi, midichan, ccn, pianoroll, voicing, scaleTranspose, chop …: the code each hint shows runs."""
    for name in ("midi", "midichan", "midiport", "ccn", "ccv", "pianoroll", "punchcard", "voicing", "rootNotes",
                 "scaleTranspose", "chop"):
        assert name in ALIASES and name not in help_entries(), name
    shown = ["let t = MidiTrack(1); t << [C4 E4]", "MidiTrack(2)", "let t = MidiTrack(1); t.cc(74) << [20 100]",
             "show([C4 E4], 2)", '[<C3 D3>].chord("<^7 m7>")', '[0 2 4].add("<0 1>").scale("C4:major")', "[C4 E4].ply(2)"]
    for code in shown:
        assert any(code.split("; ")[-1] in hint for hint in ALIASES.values()), code
        Interpreter().execute(code)


@pytest.mark.parametrize("name, says", [
    ("striate", "it plays samples"), ("slice", "it plays samples"), ("loopAt", "it plays samples"),
    ("speed", "it plays samples"), ("begin", "it plays samples"), ("bank", "it plays samples"),
    ("crush", "on MIDI the synth makes its effects"), ("delay", "on MIDI the synth makes its effects"),
    ("hpf", "on MIDI the synth makes its effects"), ("vowel", "on MIDI the synth makes its effects"),
    ("orbit", "on MIDI the synth makes its effects"), ("juxBy", "on MIDI there is no stereo to split"),
    ("octave", "use transpose"), ("color", "TrackJammer draws no colours"), ("dur", "the pattern gives each step"),
    ("postgain", "use gain"), ("rolled", "use strum"), ("rolledBy", "use strum"), ("stutter", "use echo"),
    ("quantise", "use round"), ("toScale", "scale takes a scale's name"), ("trunc", "use mask"),
])
def test_strudels_sample_and_effect_controls_say_what_midi_has_instead(name, says):
    """They used to guess at spelling: striate → struct, delay → layer, bank → brak, end → whenmod."""
    error = error_of(f"[C4 E4].{name}(2)")
    assert error.message == f"patterns have no method '{name}'"
    assert error.hint.startswith(f"'{name}' is not a TrackJammer name; {says}")


def test_what_the_sample_and_effect_hints_show_plays_as_written():
    interpreter = Interpreter()
    for code, notes in [("[C4 E4].ply(2)", [60, 60, 64, 64]), ("[C4 E4 G4 B4].zoom(1/4, 3/4)", [64, 67]),
                        ("[C4].transpose(12)", [72]), ("[C4 E4].gate(0.5)", [60, 64]),
                        ("[C4,E4,G4].strum(1/16)", [60, 64, 67]), ("[C4 E4].echo(4, 1/16, 1)", [60, 60, 60, 60, 64, 64, 64, 64]),
                        ("[0.4 1.6].round()", [0, 2]), ('[0 2 4].scale("C4:major")', [60, 64, 67]),
                        ("[C4 E4 G4 B4].mask([1 1 1 0])", [60, 64, 67])]:
        assert code in "".join(ALIASES.values()) or code.split(".", 1)[1] in "".join(ALIASES.values()), code
        assert [getattr(value, "note", value) for _, _, value in onsets(interpreter.execute(code))] == notes, code
    assert [(b, e) for b, e, _ in onsets(interpreter.execute("[C4 E4 G4 B4].zoom(1/4, 3/4)"))] == [(0, F(1, 2)), (F(1, 2), 1)]


@pytest.mark.parametrize("symbol, root, shape, notes", [
    ("Dm7", "D", "m7", [50, 53, 57, 60]), ("C^7", "C", "^7", [48, 52, 55, 59]), ("Bb7", "Bb", "7", [58, 62, 65, 68]),
    ("F#m7b5", "F#", "m7b5", [54, 57, 60, 64]), ("C", "C", "maj", [48, 52, 55]), ("G-7", "G", "-7", [55, 58, 62, 65]),
])
def test_a_chord_symbol_with_its_root_says_the_root_is_the_note(symbol, root, shape, notes):
    error = error_of(f'let t = MidiTrack(1); t << [C3].chord("<{symbol} maj>")')
    assert error.message == f"unknown chord '{symbol}'"
    assert error.hint == (f'the root is the note the chord is built on: [{root}3].chord("{shape}") '
                          '(Strudel\'s chord("<C^7 Dm7>") is [<C3 D3>].chord("<^7 m7>"))')
    assert sorted(value for _, _, value in onsets(Interpreter().execute(f'[{root}3].chord("{shape}")'))) == notes


def test_an_unknown_chord_without_a_root_still_offers_the_nearest_name():
    assert error_of('[C3].chord("Cxyz")').hint.startswith("known chords: maj, min, m, dim")
    assert error_of('[C3].chord("mjr7")').hint == "did you mean 'maj7'?"


def test_strudels_chord_then_voicing_gets_the_voicing_hint():
    error = error_of('let t = MidiTrack(1); t << chord("<C^7 Dm7>").voicing()')
    assert error.message == "chord is a function waiting for a pattern; it has no method 'voicing'"
    assert error.hint == ("'voicing' is not a TrackJammer name; chord turns each note into a chord: "
                          '[<C3 D3>].chord("<^7 m7>")')
