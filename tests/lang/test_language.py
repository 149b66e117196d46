"""The script language (spec language.md §2–4, §8–10): statements, tracks
and lanes, globals, echo, and errors with line, column and caret."""

from __future__ import annotations

from fractions import Fraction as F

import pytest

import trackjammer.core  # noqa: F401
from trackjammer.core.values import Note
from trackjammer.errors import TrackJammerError
from trackjammer.lang.console import respond
from trackjammer.lang.evaluator import InternalError, Interpreter
from trackjammer.midi.track import MidiTrack

DONE_WHEN = "let melody = [C4 E4 G4 C5]; let t = MidiTrack(1, 100); t << melody.fast(2); t.cc(74) << Sine(0.25);"


def onsets(pattern, begin=0, end=1):
    return [(e.whole.begin, e.whole.end, e.value) for e in pattern.onsets(begin, end)]


def transcript(*inputs: str) -> list[str]:
    """What a performer sees for each input, one shared interpreter."""
    interpreter, lines = Interpreter(), []
    for text in inputs:
        written: list[str] = []
        respond(interpreter, text, written.append)
        lines.extend("\n".join(written).split("\n") if written else [])
    return lines


ARRANGE_HOW = "arrange(#[4, verse], #[2, chorus]): each section is an array, #[ ]; [ ] is a pattern"


def error_of(interpreter: Interpreter, text: str) -> TrackJammerError:
    with pytest.raises(TrackJammerError) as caught:
        interpreter.execute(text)
    return caught.value


# -- the program -----------------------------------------------------------


def test_the_done_when_program_evaluates_to_a_track_with_two_lanes():
    interpreter = Interpreter()
    assert interpreter.execute(DONE_WHEN) is None
    (track,) = interpreter.session.tracks()
    assert (track.name, track.channel, track.velocity) == ("t", 1, 100)
    assert [v for _, _, v in onsets(track.notes)] == [60, 64, 67, 72, 60, 64, 67, 72]
    assert onsets(track.notes)[1] == (F(1, 8), F(1, 4), 64)
    sine = track.cc_lanes[74]
    assert [sine.value_at(t) for t in (0, 1, 2, 3)] == [0.5, 1.0, 0.5, 0.0]  # a quarter period per cycle


@pytest.mark.parametrize(
    ("program", "line", "column", "message", "hint"),
    [
        ("let melody = [C4 E4 G4 C5;", 1, 26, "expected a note, a number, a rest (~), a group ([ < {), '(' or ']'; found ';'",
         "check that every '[' has its ']'"),
        ("let melody = [C4 E4 G4 C5];\nlet t = MidiTrak(1, 100);", 2, 9, "unknown function 'MidiTrak'",
         "did you mean 'MidiTrack'?"),
        ("let melody = [C4 E4];\nlet t = MidiTrack(1, 100);\nt << melody.fsat(2);", 3, 13, "patterns have no method 'fsat'",
         "did you mean 'fast'?"),
        ("let t = MidiTrack(1, 100);\nt.cc(74) << Sine(0.25;", 2, 22, "expected a method call (.name), an operator (+ - * /), ',' or ')'; found ';'",
         "check that every '(' has its ')'"),
        ("let t = MidiTrack(1, 100);\nt.cc(740) << Sine(0.25);", 2, 3, "a CC number must be from 0 to 127, got 740",
         "controllers are numbered 0 to 127"),
        ("let t = MidiTrack(17, 100);", 1, 9, "a MIDI channel must be from 1 to 16, got 17", "channels are numbered 1 to 16"),
        ("melody = [C4 E4];", 1, 8, "expected a method call (.name), '<<', an operator (+ - * /), '(', ';' or the end of the input; found '='",
         "to give a value a name, write: let name = value"),
    ],
)
def test_mistyped_statements_get_a_caret_and_a_hint(program, line, column, message, hint):
    error = error_of(Interpreter(), program)
    assert (error.line, error.column, error.message, error.hint) == (line, column, message, hint)
    shown = error.format().splitlines()
    assert shown[0] == f"error: line {line}, column {column}: {message}"
    assert shown[1] == "  " + program.splitlines()[line - 1]
    assert shown[2] == "  " + " " * (column - 1) + "^"
    assert shown[3] == f"hint: {hint}"


# -- statements -------------------------------------------------------------------------


def test_an_input_stops_at_its_first_failing_statement_and_keeps_the_earlier_ones():
    interpreter = Interpreter()
    error = error_of(interpreter, "let a = 1; let b = a.fsat(2); let c = 3")
    assert error.column == 22
    assert interpreter.session.names == {"a": 1}


def test_statements_before_a_syntax_error_still_take_effect():
    interpreter = Interpreter()
    error = error_of(interpreter, "let a = 1;\nlet b = 2;\nlet c = [C4 E4;\nlet d = 4;")
    assert (error.line, error.column) == (3, 15)
    assert interpreter.session.names == {"a": 1, "b": 2}


def test_final_semicolon_comments_and_empty_statements():
    interpreter = Interpreter()
    interpreter.execute("let a = 1;; // a comment; with a semicolon\n let b = a + 1 // trailing\n")
    assert interpreter.session.names == {"a": 1, "b": 2}


def test_values_strings_arrays_keywords_and_exact_division():
    interpreter = Interpreter()
    assert interpreter.execute(r'"say \"hi\"\\n\n"') == 'say "hi"\\n\n'
    assert interpreter.execute("#[1, 2 + 3, none, true,]") == [1, 5, None, True]
    assert interpreter.execute("1/3 + 1/6") == F(1, 2)
    assert interpreter.execute("let t = MidiTrack(3, velocity: 90, name: \"Lead\"); t").velocity == 90
    assert [v for _, _, v in onsets(interpreter.execute('[0 2 4].scale("minor", root: "A3")'))] == [57, 60, 64]


def test_echo_shows_expression_values_but_not_none():
    assert transcript("let m = [C4 E4^80]", "m", "cps()", "cps(0.6)", '"text"', "#[1, 1/3]", "print(\"a\", 1, m)") == [
        "pattern: 0 C4, 1/2 E4^80",
        "1/2",
        '"text"',
        "#[1, 1/3]",
        "a 1 pattern: 0 C4, 1/2 E4^80",
    ]


# -- tracks and lanes ------------------------------------------------------------------


def test_let_names_a_track_unless_it_has_a_name():
    interpreter = Interpreter()
    interpreter.execute('let bass = MidiTrack(1, 80); let lead = MidiTrack(2, name: "Lead"); let again = bass')
    assert [t.name for t in interpreter.session.tracks()] == ["bass", "Lead"]


def test_rebinding_a_name_to_a_new_track_replaces_the_old_one():
    interpreter = Interpreter()
    interpreter.execute("let bass = MidiTrack(1); bass << [C2]; let bass = MidiTrack(2)")
    (track,) = interpreter.session.tracks()
    assert (track.channel, track.notes) == (2, None)


def test_lanes_take_patterns_signals_numbers_and_none():
    interpreter = Interpreter()
    interpreter.execute(
        "let t = MidiTrack(1); t << [C4 E4]; t.vel << Sine(1).range(60, 110); t.velocity << 90;"
        "t.cc(1) << 64; t.cc(7) << [0 127]; t.cc(7) << none"
    )
    (track,) = interpreter.session.tracks()
    assert [v for _, _, v in onsets(track.notes)] == [60, 64]
    assert track.velocity_lane.value_at(F(1, 4)) == 90  # the second binding replaced the first
    assert track.cc_lanes[1].value_at(F(3, 7)) == 64
    assert 7 not in track.cc_lanes
    interpreter.execute("t << 62")
    assert onsets(track.notes) == [(F(0), F(1), 62)]
    interpreter.execute("t << none")
    assert track.notes is None


def test_track_methods_set_the_state_playback_will_use():
    interpreter = Interpreter()
    interpreter.execute('let t = MidiTrack(1); t << [C4]; t.cc(74) << Saw(1); t.mute(); t.solo(); t.gate(0.5);'
                        't.transpose(-12); t.device("Synth")')
    (track,) = interpreter.session.tracks()
    assert (track.muted, track.soloed, track.gate_fraction, track.transposition, track.port) == (
        True, True, F(1, 2), -12, "Synth")
    interpreter.execute("t.unmute(); t.unsolo(); t.clear()")
    assert (track.muted, track.soloed, track.notes, track.cc_lanes) == (False, False, None, {})
    assert interpreter.execute("t.channel") == 1 and interpreter.execute("t.name") == "t"


# -- globals --------------------------------------------------------------------------


def test_tempo_globals():
    interpreter = Interpreter()
    assert interpreter.execute("cps()") == F(1, 2) and interpreter.execute("bpm()") == 120
    interpreter.execute("bpm(140)")
    assert interpreter.execute("cps()") == F(7, 12)
    interpreter.execute("beats_per_cycle(3); cps(1)")
    assert interpreter.execute("bpm()") == 180
    interpreter.execute("cps(0)")
    assert interpreter.execute("cps()") == 0
    interpreter.execute("cps(-0.5)")
    assert interpreter.execute("cps()") == -0.5
    error = error_of(interpreter, "beats_per_cycle(0)")
    assert error.message == "beats_per_cycle needs a whole number of at least 1, got 0"
    interpreter.execute("cps(10)")  # the fastest there is
    assert interpreter.execute("cps()") == 10
    error_of(interpreter, "cps(10.01)")  # refused: the tempo stays as it was
    assert interpreter.execute("cps()") == 10
    interpreter.execute("beats_per_cycle(1); bpm(600)")
    assert interpreter.execute("cps()") == 10
    assert error_of(interpreter, "bpm(601)").message == (
        "bpm(601) is 10.02 cycles a second at 1 beat a cycle; the most is 10 (600 BPM)")


def test_seed_project_quantize_and_tracks():
    interpreter = Interpreter()
    interpreter.execute('seed(7); project("night drive"); quantize(0); let t = MidiTrack(2)')
    session = interpreter.session
    assert (session.seed, session.project, session.quantize) == (7, "night drive", 0)
    assert interpreter.execute("tracks()") == session.tracks()
    assert error_of(interpreter, "seed(1.5)").message == "seed needs a whole number, got 1.5"
    assert error_of(interpreter, "quantize(-1)").message == "quantize needs 0 or more cycles, got -1"


def test_a_bare_note_name_with_octave_is_its_midi_number():
    interpreter = Interpreter()
    # The contract's own example writes the root bare.
    assert [v for _, _, v in onsets(interpreter.execute('[0 2 4].scale("dorian", C3)'))] == [48, 51, 55]
    assert interpreter.execute("Eb2 + 12") == 51
    assert error_of(interpreter, "e + 1").message == "unknown name 'e'"
    interpreter.execute("let C3 = 7")
    assert interpreter.execute("C3") == 7  # a bound name wins


def test_numbers_with_an_exponent_as_javascript_writes_them():
    interpreter = Interpreter()
    assert interpreter.execute("1e3") == 1000 and isinstance(interpreter.execute("1e3"), int)  # exact where whole
    assert interpreter.execute("2.5e-2") == 0.025 and interpreter.execute("1E+2") == 100
    assert [e.whole.begin for e in interpreter.execute("[C4].fast(1e1)").onsets(0, 1)][:2] == [F(0), F(1, 10)]
    assert interpreter.execute("e3") == 52 and interpreter.execute("2 * e3") == 104  # a note name still
    assert error_of(interpreter, "1e400").message == "this number is too large"
    assert error_of(interpreter, "[C4].fast(2e)").column == 12  # no digits after the e: not an exponent


def test_help_reads_the_registry():
    lines = transcript("help(fast)", 'help("mute")', "help(MidiTrack)")
    assert lines[0] == "fast(factor)"
    assert lines[1].startswith("Play `factor` times faster")
    assert lines[2:4] == ["track.mute()", "Silence this track (its lanes are kept)."]
    assert lines[4] == "MidiTrack(channel, velocity = 100, name?)"
    overview = transcript("help()")
    assert overview[0].startswith("TrackJammer: help(name) explains a name")
    assert any(line.startswith("Signals:") and "Sine" in line for line in overview)


def test_built_in_globals_cannot_be_rebound_but_pattern_functions_can_be_shadowed():
    interpreter = Interpreter()
    assert error_of(interpreter, "let cps = 3").message == "'cps' is a built-in function and cannot be rebound"
    interpreter.execute("let chord = [C3,E3,G3]; let p = chord.chord(\"maj\")")
    assert len(onsets(interpreter.session.names["p"])) == 9


# -- errors of every kind ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "line", "column", "message", "hint"),
    [
        ("let x = 1;\nlet y = z + 1;", 2, 9, "unknown name 'z'", None),
        ("let melody = [C4];\nmelodi", 2, 1, "unknown name 'melodi'", "did you mean 'melody'?"),
        ("[C4].fast(1, 2)", 1, 6, "fast takes 1 argument but was given 2", "use fast(factor)"),
        ('[C4].fast("two")', 1, 6, "fast's 'factor' expects a number, got the string \"two\"", None),
        ("MidiTrack(1, 128)", 1, 1, "a velocity must be from 0 to 127, got 128", "velocities run from 0 (silent) to 127 (loudest)"),
        ("MidiTrack(0)", 1, 1, "a MIDI channel must be from 1 to 16, got 0", "channels are numbered 1 to 16"),
        ('[0 2].scale("dorain")', 1, 7, "unknown scale 'dorain'", "did you mean 'dorian'?"),
        ('[C3].chord("mjr7")', 1, 6, "unknown chord 'mjr7'", "did you mean 'maj7'?"),
        ("cps(1, 2)", 1, 1, "cps takes at most 1 argument but was given 2", "use cps(cycles_per_second?)"),
        ("cps(120)", 1, 1, "cps(120) is 120 cycles a second, 28,800 BPM; the most is 10",
         "cps counts cycles, not beats: 120 BPM is bpm(120), or cps(1/2) at 4 beats a cycle"),
        ("setcps(140)", 1, 1, "cps(140) is 140 cycles a second, 33,600 BPM; the most is 10",
         "cps counts cycles, not beats: 140 BPM is bpm(140), or cps(7/12) at 4 beats a cycle"),
        ("bpm(100000)", 1, 1, "bpm(100000) is 416.7 cycles a second at 4 beats a cycle; the most is 10 (2,400 BPM)",
         "bpm(120) plays 120 beats a minute"),
        ("print(x: 1)", 1, 1, "print has no argument 'x'", "use print(...)"),
        ("let t = MidiTrack(1); t.mutte()", 1, 25, "tracks have no method 'mutte'", "did you mean 'mute'?"),
        ("let bass = MidiTrack(1); bass.slow(2)", 1, 31, "tracks have no method 'slow'",
         "'slow' changes a pattern, not a track: put it on the pattern the track plays, bass << [C4 E4].slow(2)"),
        ("let b = MidiTrack(1); b << [C3 E3].fast(2); b.slow(2)", 1, 47, "tracks have no method 'slow'",
         "'slow' changes a pattern, not a track: put it on the pattern the track plays, b << [C3 E3].fast(2).slow(2)"),
        ("let t = MidiTrack(1); t.every(2, rev)", 1, 25, "tracks have no method 'every'",
         "'every' changes a pattern, not a track: put it on the pattern the track plays, t << [C4 E4].every(2, rev)"),
        ("let t = MidiTrack(1); t.zzz()", 1, 25, "tracks have no method 'zzz'",
         "track methods: cc, nrpn, cc14, program, mute, unmute, solo, unsolo, gate, transpose, device, nudge, clear"),
        ("let t = MidiTrack(1); t << Sine(1)", 1, 28, "a signal has no notes of its own",
         "make notes of it with segment: Sine(1).segment(8).range(48, 72)"),
        ("let t = MidiTrack(1); t.cc(1) << #[1]", 1, 34, "cannot bind an array to a lane",
         "bind a pattern, a signal or a number"),
        ("[C4] << [E4]", 1, 1, "cannot bind to a pattern", "bind to a track, track.cc(N) or track.vel: t << [C4 E4]"),
        ("let t = MidiTrack(1); t << fast(2)", 1, 28,
         "cannot bind fast(2) to a lane: it is waiting for the pattern it changes", "give it one: [C3 D3].fast(2)"),
        ('let t = MidiTrack(1); t << chord("<C^7 Dm7>")', 1, 28,  # Strudel's chord sequence
         'cannot bind chord("<C^7 Dm7>") to a lane: it is waiting for the pattern it changes',
         'chord turns each note into a chord here: [<C3 D3>].chord("<^7 m7>") plays C^7, then Dm7'),
        ("1 + true", 1, 3, "cannot use '+' with true", None),
        ("let true = 1", 1, 5, "'true' is a word of the language and cannot be a name", "choose another name"),
        ("#[1, 2].fast(2)", 1, 9, "an array has no method 'fast'", None),
        ("arrange([4 C4], #[2, [E4]])", 1, 1, "arrange's section 1 is a pattern, not #[cycles, pattern]", ARRANGE_HOW),
        ("arrange(#[4, [C4], 2])", 1, 1, "arrange's section 1 is an array of 3 values, not #[cycles, pattern]",
         ARRANGE_HOW),
        ("arrange(#[-1, [C4]])", 1, 1, "arrange's section 1 lasts -1 cycles", "a section lasts 0 cycles or more: #[4, verse]"),
        ("arrange(#[2, true])", 1, 1, "arrange's section 1 plays true, not a pattern", "arrange(#[4, verse], #[2, [C4 E4]])"),
    ],
)
def test_runtime_errors_name_what_where_and_what_would_be_right(text, line, column, message, hint):
    error = error_of(Interpreter(), text)
    assert (error.line, error.column, error.message, error.hint) == (line, column, message, hint)


def test_an_internal_bug_is_reported_briefly_and_the_session_survives(monkeypatch):
    from trackjammer.core.registry import REGISTRY

    def broken(pattern, factor):
        raise ValueError("boom")

    entry = REGISTRY["fast"]
    monkeypatch.setitem(REGISTRY, "fast", type(entry)(**{**entry.__dict__, "function": broken}))
    interpreter = Interpreter()
    with pytest.raises(InternalError):
        interpreter.execute("let a = 1; [C4].fast(2)")
    assert interpreter.session.names == {"a": 1}
    written: list[str] = []
    assert respond(interpreter, "[C4].fast(2)", written.append) is False
    assert written[0].startswith("internal error (ValueError: boom): this is a bug in TrackJammer")
    assert "Traceback" not in "\n".join(written)


def test_a_track_as_a_value():
    track = Interpreter().execute("MidiTrack(4, 64)")
    assert isinstance(track, MidiTrack) and repr(track) == "MidiTrack(4, 64)"
    velocity = Interpreter().execute("[C4^80].vel(Saw(1).mul(127))")
    assert onsets(velocity) == [(F(0), F(1), Note(60, 0))]


@pytest.mark.parametrize(
    ("text", "line", "column", "hint"),
    [
        ("let a = 1\nlet b = 2", 2, 1, "is a ';' missing at the end of the line before?"),
        ("let bass = MidiTrack(1, 80) bass << [C2]", 1, 29, "is a ';' missing before it?"),
        ("# a comment?", 1, 1, "comments start with //"),
        ('print("open)', 1, 7, 'a string needs its closing "'),
        ('let c = MidiTrack(2); c.vel << [40 "loud"]', 1, 36,
         "a pattern holds notes, numbers and rests, not strings: [40 100 ~]"),
        ("[C4 X4]", 1, 5, "notes are written A to G with an optional # or b and an octave: C4, f#3, Eb2"),
        # a slip among notes is a note, not Strudel's rhythm letter x; in a rhythm of its own it is
        ("let t = MidiTrack(1); t << [C4 <E4 X>]", 1, 36,
         "notes are written A to G with an optional # or b and an octave: C4, f#3, Eb2"),
        ("[c e X]", 1, 6, "notes are written A to G with an optional # or b and an octave: C4, f#3, Eb2"),
        ("[C4*4].struct([1 ~ [x x] 1])", 1, 21,
         "a rhythm (struct, mask) is written with 1 for a step and ~ for none: struct([1 ~ 1 1])"),
        ("[F#2*8].fast(<1 2>)", 1, 14, 'mini-notation goes inside a pattern\'s [ ] or a string: [<1 2>] or "<1 2>"'),
        ("let t = MidiTrack(1);\nt << {C4 E4, G4}%4", 2, 6,
         'mini-notation goes inside a pattern\'s [ ] or a string: [{C4 E4, G4}] or "{C4 E4, G4}"'),
        ("[C4].fast(<1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21>)", 1, 11,
         'mini-notation goes inside a pattern\'s [ ] or a string: [<1 2>] or "<1 2>"'),  # too long to show
    ],
)
def test_syntax_hints_for_common_slips(text, line, column, hint):
    error = error_of(Interpreter(), text)
    assert (error.line, error.column, error.hint) == (line, column, hint)


ARROW = "TrackJammer has no arrow functions; pass the function waiting for its pattern"
ARRANGE = "arrange's sections are arrays, written #[ ]: arrange(#[4, verse], #[2, chorus]); [ ] is a pattern"


@pytest.mark.parametrize(
    ("text", "column", "hint"),
    [
        ("[C4 E4].off(1/8, x => x.add(7))", 20, f"{ARROW}: add(7)"),
        ("[C4 E4].superimpose((x) => x.add(12))", 25, f"{ARROW}: add(12)"),
        ("[C4 E4].every(4, p => p.add(Sine(1).range(0, 12)))", 20, f"{ARROW}: add(Sine(1).range(0, 12))"),
        # a chain cannot wait as one function: the general form
        ("[C4 E4].every(4, p => p.fast(2).rev())", 20, f"{ARROW}: off(1/8, add(7)) for off(1/8, x => x.add(7))"),
        ("[C4 E4]|+|[12]", 8, "Tidal's |+| is written + here, with the structure of the left side (Tidal's |+)"),
        ("[C4 E4] |+ [0 12]", 9, "Tidal's |+ is written + here"),
        ("[C4 E4] -| 12", 10, "Tidal's -| is written - here, with the structure of the left side (Tidal's |-)"),
        ('[C4*4].struct("t ~ t t")', 16, "a rhythm (struct, mask) is written with 1 for a step and ~ for none: "
                                         "struct([1 ~ 1 1])"),
        ('"<Am7 Dm7>".voicing()', 3, 'the root is the note the chord is built on: [A3].chord("m7") '
                                    '(Strudel\'s chord("<C^7 Dm7>") is [<C3 D3>].chord("<^7 m7>"))'),
        ("[C4*4].mask([x ~ x x])", 14, "a rhythm (struct, mask) is written with 1 for a step and ~ for none: "
                                       "struct([1 ~ 1 1])"),
        ('d1 $ n "0 2"', 4, "a pattern plays on a track: let d1 = MidiTrack(1); d1 << [C4 E4]"),
        ('d2 $ sound "bd*2 [~ sd]"', 4,
         "a pattern plays on a track; sounds are drums on channel 10: let d2 = MidiTrack(10); d2 << [bd*2 [~ sd]]"),
        ("[bd:3 sd]", 4, "bd:N picks a sample in Tidal and Strudel; on MIDI a drum is one note, its name alone: bd "
                         "(another sound is another name: bd sd hh oh cp rim lt mt ht cr rd)"),
        ('$: s("bd sd")', 1, "a pattern plays on a track; sounds are drums on channel 10: let t = MidiTrack(10); t << [bd sd]"),
        ("$: [C4 E4]", 1, "to play a pattern, bind it to a track: let t = MidiTrack(1); t << [C4 E4]"),
        ("setcps 0.5", 8, "arguments go in parentheses, separated by commas: setcps(0.5)"),
        ("every 2 (fast 2) [C4 E4]", 7, "arguments go in parentheses, separated by commas: every(2, …)"),
        ('print "hi"', 7, 'arguments go in parentheses, separated by commas: print("hi")'),
        ("const melody = [C4]", 7, "TrackJammer names a value with let: let melody = …"),
        ("var x = 1", 5, "TrackJammer names a value with let: let x = …"),
        ('arrange([4, "<c a f e>(3,8)"], [2, "<g a>(5,8)"])', 13, ARRANGE),  # a string in a pattern
        ("arrange([4, verse], [2, chorus])", 13, ARRANGE),  # a name in a pattern
        ("let v = [C4]; arrange(#[4, v], [2, chorus])", 36, ARRANGE),
        ('wchoose(["c3", 3], ["e3", 1])', 10, "wchoose's choices are arrays, written #[ ]: wchoose(#[C3, 3], #[G3, 1]); "
                                              "[ ] is a pattern"),
        # Sonic Pi and FoxDot (before: no hint, "check that every '<' has its '>'", "let name = value")
        ("live_loop :drums do\n  sample :bd_haus\nend", 11, "Sonic Pi's live_loop is a track here, which loops its "
                                                           "pattern by itself: let drums = MidiTrack(1); drums << [C4 E4 G4]"),
        ("d2 >> bass([0, -2, 3, 5], dur=1/2)", 4, "FoxDot's >> is << here, to a track (its numbers, degrees of a scale): "
                                                 'let d2 = MidiTrack(1); d2 << [0 -2 3 5].scale("C4:major")'),
        ("p1 >> pluck()", 4, "FoxDot's >> is << here, to a track (its numbers, degrees of a scale): "
                            'let p1 = MidiTrack(1); p1 << [0 2 4].scale("C4:major")'),
        ("Clock.bpm = 140", 11, "the tempo is set with bpm: bpm(140)"),
    ],
)
def test_what_strudel_and_tidal_write_gets_trackjammers_spelling(text, column, hint):
    """(The same slips elsewhere keep their own hints: test_syntax_hints_for_common_slips.)"""
    error = error_of(Interpreter(), text)
    assert (error.line, error.column, error.hint) == (1, column, hint)


def test_what_the_sonic_pi_and_foxdot_hints_write_plays():
    session = Interpreter()
    session.execute('let d2 = MidiTrack(1); d2 << [0 -2 3 5].scale("C4:major"); bpm(140)')
    assert [note for _, _, note in onsets(session.session.names["d2"].notes)] == [60, 57, 65, 69]
    assert session.session.bpm == 140


def test_the_functions_the_arrow_hints_name_play_where_the_arrows_were():
    assert onsets(Interpreter().execute("[C4 E4].off(1/8, add(7))")) == [
        (F(0), F(1, 2), 60), (F(1, 8), F(5, 8), 67), (F(1, 2), F(1), 64), (F(5, 8), F(9, 8), 71)]
    assert len(onsets(Interpreter().execute("[C4 E4].superimpose(add(12))"))) == 4
    assert len(onsets(Interpreter().execute("[C4 E4].every(4, add(Sine(1).range(0, 12)))"))) == 2


def test_where_a_value_may_start_the_error_says_so_once():
    error = error_of(Interpreter(), "let b = ;")
    assert error.message == (
        "expected a value (a number, a name, a string, a pattern [...] or an array #[...]); found ';'"
    )


def test_echo_plays_patterns_under_the_session_seed_and_rounds_float_noise():
    lines = transcript("[C4*8?]", "seed(3)", "[C4*8?]", "0.1 + 0.2", "cps(0.6); bpm()", "MidiTrack(2).vel")
    assert lines[0] != lines[1]
    assert lines[0].startswith("pattern: ") and lines[1].startswith("pattern: ")
    assert lines[2:] == ["0.3", "144", "MidiTrack(2).vel"]


def test_a_pattern_of_names_cannot_go_on_a_lane():
    interpreter = Interpreter()
    error = error_of(interpreter, 'let t = MidiTrack(1); t << cat("major", "minor")')
    assert error.message == 'a lane plays numbers, but this pattern holds the string "major"'
    assert error.column == 28


def test_a_syntax_error_after_many_semicolons_in_strings_tries_a_bounded_number_of_prefixes(monkeypatch):
    from trackjammer.lang import parser

    calls = []
    real = parser._to_ast
    monkeypatch.setattr(parser, "_to_ast", lambda text: calls.append(text) or real(text))
    # Every ';' before the error sits inside the string: each could be tried
    # (and would fail) as the end of the statements that still run.
    text = 'print("' + ";" * 3000 + '") oops'
    error = error_of(Interpreter(), text)
    assert (error.line, error.column) == (1, 3011)
    assert len(calls) == 1 + parser.PREFIX_TRIES


def test_a_name_in_a_pattern_elsewhere_keeps_the_drum_hint():
    assert error_of(Interpreter(), "[C4 verse]").hint.startswith("drums are General MIDI names")


# -- arrange: a song's sections ---------------------------------------------------------


def test_arrange_plays_each_section_its_cycles_and_goes_on_where_it_left_off():
    interpreter = Interpreter()
    song = interpreter.execute('let verse = [<C4 D4 E4 F4 G4 A4 B4 C5>]; let chorus = [<C3 D3>];'
                               ' arrange(#[3, verse], #[2, chorus], #[1, "E5 G5"])')
    assert [[(b, v) for b, _, v in onsets(song, c, c + 1)] for c in range(12)] == [
        [(0, 60)], [(1, 62)], [(2, 64)], [(3, 48)], [(4, 50)], [(5, 76), (F(11, 2), 79)],
        [(6, 65)], [(7, 67)], [(8, 69)], [(9, 48)], [(10, 50)], [(11, 76), (F(23, 2), 79)]]
    # a section of 0 cycles is left out; a number plays one note a cycle
    assert onsets(interpreter.execute("arrange(#[0, verse], #[1, 60])"), 0, 2) == [(0, 1, 60), (1, 2, 60)]


# -- wchoose: a weighted random choice ---------------------------------------------------------


def test_wchoose_picks_each_value_as_often_as_its_weight_says():
    picks = [v for _, _, v in onsets(Interpreter().execute("wchoose(#[C3, 3], #[G3, 1], #[C4, 0]).segment(8)"), 0, 100)]
    counts = {note: picks.count(note) for note in set(picks)}
    assert set(counts) == {48, 55} and sum(counts.values()) == 800  # a weight of 0 never plays
    assert 540 <= counts[48] <= 660  # 600 expected; 3 standard deviations either way
    # the same seed, the same picks; a string is mini-notation, a pattern plays its value at the moment
    again = [v for _, _, v in onsets(Interpreter().execute('wchoose(#["C3", 3], #[[G3 A3], 1]).segment(8)'), 0, 100)]
    assert [v if v == 48 else 55 for v in again] == picks and 57 in again


def test_wchoose_says_what_a_choice_must_be():
    cases = [
        ("wchoose(#[C3, 3], 60)", "wchoose's choice 2 is the number 60, not #[value, weight]",
         "wchoose(#[C3, 3], #[G3, 1]): each choice is an array, #[ ]; [ ] is a pattern"),
        ("wchoose(#[C3, 3, 1])", "wchoose's choice 1 is an array of 3 values, not #[value, weight]",
         "wchoose(#[C3, 3], #[G3, 1]): each choice is an array, #[ ]; [ ] is a pattern"),
        ("wchoose(#[C3, -1])", "wchoose's choice 1 weighs -1", "a weight is 0 or more: #[C3, 3]"),
    ]
    for text, message, hint in cases:
        error = error_of(Interpreter(), text)
        assert (error.message, error.hint) == (message, hint), text
    assert onsets(Interpreter().execute("wchoose().segment(4)")) == [] == onsets(
        Interpreter().execute("wchoose(#[C3, 0]).segment(4)"))
