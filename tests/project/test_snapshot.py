"""Snapshots: running snapshot.tj in a fresh session recreates the state.

Each program is run, its snapshot run in a fresh session, and everything
export reads is compared exactly: the names, every pattern's events (several
windows, so signals are compared at many points), every track's settings and
lanes, tempo, seed, quantize and project. The snapshot of the snapshot must
be the same text.
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import trackjammer.core  # noqa: F401  (registers the pattern functions)
from trackjammer.core.constructors import pure
from trackjammer.core.pattern import Pattern
from trackjammer.core.registry import Curried, Partial
from trackjammer.errors import TrackJammerError
from trackjammer.lang.globals_registry import BoundBuiltin
from trackjammer.lang.evaluator import Interpreter
from trackjammer.lang.provenance import NoSource, number_text, source_of, string_text
from trackjammer.midi.track import Lane, MidiTrack
from trackjammer.project.snapshot import SnapshotError, snapshot_source
from trackjammer.session import Session
from tests.lang.test_fuzz import CORPUS, _Alarm, asks_for_much, call_programs

WINDOWS = [(Fraction(0), Fraction(8))] + [(Fraction(k, 3), Fraction(k, 3) + Fraction(1, 5)) for k in range(12)]
PROBE = "[C4 E4 G4 B4]"


def _quiet(text: str) -> None:
    pass


def run(source: str) -> Session:
    session = Session(out=_quiet)
    Interpreter(session).execute(source)
    return session


def _events(pattern: Pattern, seed: int, windows=WINDOWS) -> Any:
    """Events exactly, but for their context: where in the source a note was
    written (for highlighting), which is elsewhere in the snapshot's text."""
    try:
        return [[e[:3] for e in pattern.query_span(begin, end, seed)] for begin, end in windows]
    except TrackJammerError as error:  # a bad value met only when played: the same error both times
        return ("error", error.message)


def _track_state(track: MidiTrack, seed: int, windows) -> tuple:
    lanes = (
        None if track.notes is None else _events(track.notes, seed, windows),
        None if track.velocity_lane is None else _events(track.velocity_lane, seed, windows),
        [(number, _events(p, seed, windows)) for number, p in track.cc_lanes.items()],
    )
    gate = track.gate_fraction
    return (
        track.channel, track.velocity, track.name, lanes, (type(gate).__name__, gate),
        (type(track.transposition).__name__, track.transposition), track.port, track.muted, track.soloed,
        type(track).__name__, track.program_number, getattr(track, "zone", None),
    )


def fingerprint(session: Session, value: Any, windows=WINDOWS) -> Any:
    """Everything about a value that playing or exporting it can tell."""
    seed = session.seed
    if isinstance(value, Pattern):
        return ("pattern", _events(value, seed, windows))
    if isinstance(value, list):
        return ("array", [fingerprint(session, item, windows) for item in value])
    if isinstance(value, MidiTrack):
        return ("track", _track_state(value, seed, windows))
    if isinstance(value, Lane):
        return ("lane", value.track.name, value.kind, value.number)
    if isinstance(value, Partial):
        try:
            applied = _events(value(Interpreter(session).evaluate_expression(PROBE)), seed, windows)
        except TrackJammerError as error:
            applied = ("error", error.message)
        return ("partial", source_of(session, value), applied)
    if isinstance(value, Curried):
        return ("function", value.entry.name)
    if isinstance(value, BoundBuiltin):
        return ("builtin", value.name)
    return (type(value).__name__, value)


def assert_same_state(first: Session, second: Session, windows=WINDOWS) -> None:
    assert sorted(second.names) == sorted(first.names)
    for name, value in first.names.items():
        assert fingerprint(second, second.names[name], windows) == fingerprint(first, value, windows), name
    assert [_track_state(t, first.seed, windows) for t in first.tracks()] == \
        [_track_state(t, second.seed, windows) for t in second.tracks()]
    for attribute in ("cps", "beats_per_cycle", "seed", "project", "quantize"):
        a, b = getattr(first, attribute), getattr(second, attribute)
        assert (type(b), b) == (type(a), a), attribute


def round_trip(source: str, comment: str | None = None) -> tuple[Session, Session, str]:
    first = run(source)
    text = snapshot_source(first, comment)
    second = run(text)
    assert_same_state(first, second)
    assert snapshot_source(second, comment) == text, "the snapshot of the snapshot differs"
    return first, second, text


PROGRAMS = [
    "let riff = [C4 E4 G4]",
    "let riff = [C4 [E4 G4]*2 <C5 B4>].fast(2).rev()",
    "let a = [C4]; let b = a.fast(2); let a = [D4]",
    "let p = [C4 E4].every(2, fast(2)).off(1/8, transpose(7)).sometimes(rev)",
    "let f = every(2, fast(2)); let g = off(0.25, transpose(7)); let p = f([C4 D4]); let q = g(p)",
    "let f = every(3, fast(2)); let p = [C4 D4 E4].every(4, f).add([0 12]).sub(1).mul(2).div(2)",
    "let F = fast; let f = F(2); let p = f([C4]); let q = F(3, [E4 G4])",
    "let p = [C4].every(2, fast(2)); let fast = 3",
    "let p = [C4 E4].every(2, rev); let rev = p; let q = rev.fast(2)",
    "let s = Sine(1); let Sine = 4; let t = MidiTrack(1); t.cc(1) << s",
    "let chord = [C3,E3,G3]; let p = chord.chord(\"maj\").slow(2)",
    "let x = 1/3; let y = x + 1/6; let z = [0 4 7] * x + 60; let w = -x; let v = 1/2 + 1/2",
    "let a = 0.1 + 0.2; let b = 1.0; let c = -0.5 * 2; let d = 7 / 2; let e = [C4] / 3",
    "let t = MidiTrack(3, 90, name: \"Lead \\\"A\\\" \\\\ B\\tC\"); t << [C5 E5]; t.vel << Sine(1).range(60, 110)",
    "let t = MidiTrack(1); t.cc(74) << Sine(0.25); t.cc(1) << [0 64 127]; t.cc(7) << 100; t.vel << 90",
    "let t = MidiTrack(1); t.cc(7) << 1; t.cc(1) << 2; t.cc(7) << 3; t.cc(5) << 4; t.cc(1) << none",
    "let t = MidiTrack(1); t << [C4 E4]; t.gate(0.5); t.transpose(-12); t.device(\"IAC Bus 2\"); t.mute(); t.solo()",
    "let t = MidiTrack(1); t.gate(3/4); t.transpose(0.5); t.device(2); t.mute(); t.unmute()",
    "let t = MidiTrack(1); t.transpose(0.0); t.gate(1)",
    "seed(42); cps(0.6); beats_per_cycle(3); quantize(1/4); project(\"night \\\"drive\\\"\")",
    "bpm(132); quantize(0)",
    "cps(0); seed(-3)",
    "cps(-1/7)",
    "let bass = MidiTrack(1, 80); let lead = MidiTrack(2, name: \"Lead\"); let low = bass; let b2 = bass;"
    " bass << [C2 ~ G2]; low.cc(7) << [0 127]; lead << [C5 E5 G5 ~].fast(2)",
    "let a = MidiTrack(1); let b = MidiTrack(2); let c = a; let a = 5; c << [C4]",
    "let chord = MidiTrack(1); let keys = MidiTrack(2); let t = chord; chord << [C4].chord(\"maj\")",
    "let fast = MidiTrack(1); fast << [C4].fast(2); let p = [E4]",
    "let f = arp(\"up\"); let t = MidiTrack(2); t << [C4].chord(\"maj\").every(2, f); let arp = t",
    "let p = [C4*8?]; let q = [c e | g]; let r = [C4 E4].degrade(); let s = Rand().segment(4)",
    "seed(5); let p = [C4*8? E4?0.3]; let q = [C3].chord(\"maj7\").arp(\"random\")",
    "let p = [C4(3,8)]; let q = [C4 E4].euclid(3, 8, rotation: 2); let r = [C4 E4](5,8,1)?",
    "let p = [{C4 E4 G4, C3 G3}]; let q = [{C4 E4 G4}%4]; let r = [<C4!2 E4> <C4@2 E4>]",
    "let p = [60 .. 64]; let q = [C4 E4 . G4 A4 B4]; let r = [C4^80 E4]",
    "let p = [[C3,E3,G3] // a comment\n [F3,A3,C4]]",
    "let p = stack([C4], 60, [E4].fast(2)); let q = cat([C4], [E4]); let r = seq(60, [D4])",
    "let p = cat(\"major\", \"minor\"); let q = [0 2 4].scale(p, C3)",
    "let p = [0 2 4].scale(\"dorian\", C3); let q = [0 2].scale(\"major\", \"fs4\")",
    "let p = (Saw(1) * 24 + 48).segment(4); let q = (Saw(1) + Square(1)).segment(4)",
    "let p = Perlin(2); let q = Tri(2).fast(2); let r = Cosine(0.5); let s = Const(60); let u = Ramp(0.25)",
    "let p = 60.fast(2); let q = fast(2, 60); let r = -[1 2] * 2 + Cosine(0.5).segment(2)",
    "let p = [C4 E4].fast([<1 2>]).transpose([0 7]).segment([<2 4>]).euclid([<3 5>], 8)",
    "let p = [C4 E4 G4 B4].iter(4).palindrome().ply(2).swing(1/3).late(1/3).early(1/8)",
    "let p = [C4 E4].vel(Saw(1).range(40, 100)).gate([0.5 1]).strum(0.01)",
    "let l = MidiTrack(1).cc(1); let t = MidiTrack(2); let v = t.vel; let c = t.cc(74)",
    "let p = print; let h = help; let m = MidiTrack; let r = rev; let s = stack; let x = save",
    "let arr = #[1, 1/3, -2, 0.25, \"a\\\"b\", none, true, false, #[], #[[C4], fast(2)]]",
    "let t = MidiTrack(1); let arr = #[t, t.cc(1), tracks()]",
    "let t = MidiTrack(1); let f = add(t); let g = every(2, f); let t2 = t; let t = 3",
    "let n = none; let b = true; let s = \"\"; let e = Eb2 + 12; let c = C3",
    "let p = [C4].every(0, rev); let q = [C4].fast(1); let r = [C4].late(0)",
    "let t = MidiTrack(1); t << 60; let u = MidiTrack(2); u << 1/3; u.vel << 100; u.cc(1) << -1",
    "let x = 1; let x = [C4]; let x = x + x; let x = stack(x, x)",
    "let t = MidiTrack(2); t.program(33); t << [C4 E4]; t.bend << Sine(1).range(-1, 1); t.pressure << [10 90];"
    " t.note_pressure << Saw(1); t.nrpn(300) << [0 8192]; t.cc14(1) << 4000; let b = t.nrpn(300)",
    "let m = MpeTrack(zone: \"upper\", members: 5, bend_range: 24, velocity: 90, name: \"Keys\"); m << [C4, E4];"
    " m.note_bend << [0 2]; m.timbre << Sine(1); m.note_pressure << [40]; m.program(4); let l = m.timbre",
]


@pytest.mark.parametrize("source", PROGRAMS)
def test_snapshot_recreates_the_state(source):
    round_trip(source)


def test_a_name_is_inlined_as_it_was_when_used():
    first, _, text = round_trip("let a = [C4]; let b = a.fast(2); let a = [D4]")
    assert source_of(first, first.names["b"]) == "[C4].fast(2)"
    assert "let b = [C4].fast(2);" in text


def test_transformations_are_written_in_method_form_with_canonical_names():
    first = run("let F = fast; let f = F(2); let g = every(2, f); let p = g([C4]); let q = F(3, 60); let s = Ramp(1)")
    assert source_of(first, first.names["f"]) == "fast(2)"
    assert source_of(first, first.names["g"]) == "every(2, fast(2))"
    assert source_of(first, first.names["p"]) == "[C4].every(2, fast(2))"
    assert source_of(first, first.names["q"]) == "60.fast(3)"
    assert source_of(first, first.names["s"]) == "Saw(1)"
    assert source_of(first, first.names["F"]) == "fast"


def test_arithmetic_and_literals_are_written_as_given():
    first = run("let p = -[C4 E4](3,8)? + [0 7] * 2/3; let q = [C4] - -2")
    assert source_of(first, first.names["p"]) == "((-[C4 E4](3,8)?) + (([0 7] * 2) / 3))"
    assert source_of(first, first.names["q"]) == "([C4] - (-2))"


def test_lanes_given_numbers_are_written_as_the_numbers():
    _, _, text = round_trip("let t = MidiTrack(1); t << 60; t.cc(1) << 1/3; t.vel << -0.5")
    assert "t << 60;\nt.vel << (-0.5);\nt.cc(1) << (1/3);\n" in text


def test_a_shadowed_function_is_used_before_it_is_shadowed():
    _, _, text = round_trip("let p = [C4].every(2, fast(2)); let fast = 3; let q = [E4]")
    assert text.index("let p = [C4].every(2, fast(2));") < text.index("let q = [E4];") < text.index("let fast = 3;")


def test_shadowing_lets_are_ordered_among_themselves():
    _, _, text = round_trip("let x = [C4].every(2, rev); let rev = [D4]; let fast = x")
    assert text.index("let fast = [C4].every(2, rev);") < text.index("let rev = [D4];")


def test_a_track_under_a_shadowing_name_keeps_its_order_and_calls_come_first():
    first, second, text = round_trip("let x = Sine(1); let Sine = MidiTrack(1); let b = MidiTrack(2); let y = x")
    assert text.index("let x = Sine(1);") < text.index("let y = Sine(1);") < \
        text.index("let Sine = MidiTrack(1, 100, name: \"Sine\");") < text.index("let b = MidiTrack(2")
    assert [t.name for t in second.tracks()] == ["Sine", "b"]


def test_tracks_that_cannot_keep_their_order_are_refused():
    session = run("let x = Sine(1); let Sine = MidiTrack(1); let b = MidiTrack(2); b.cc(1) << x")
    with pytest.raises(SnapshotError, match="the names 'Sine', 'b' shadow pattern functions that their values or"):
        snapshot_source(session)


def test_a_track_is_bound_under_a_name_that_shadows_nothing_when_it_has_one():
    _, _, text = round_trip("let p = [C4].every(2, fast(2)); let fast = MidiTrack(1); let keys = fast; fast << [C4]")
    assert "let keys = MidiTrack(1, 100, name: \"fast\");\nkeys << [C4];\n" in text
    assert text.index("let p = [C4].every(2, fast(2));") < text.index("let fast = keys;")


def test_the_whole_snapshot_text():
    text = round_trip(
        "bpm(96); seed(3); let bass = MidiTrack(1, 80); let lead = MidiTrack(2, name: \"Lead \\\"1\\\"\");"
        "bass << [C2 ~ G2 [~ C2]]; lead << [C5 E5 G5 ~].fast(2); lead.cc(74) << Sine(0.25); let low = bass;"
        "let chord = [C3,E3,G3]; let riff = chord.transpose(12); print(\"not in the snapshot\")",
        comment="rendered: midi_export(bass, 4)\nsecond line",
    )[2]
    assert text == (
        "// TrackJammer 0.1.0 snapshot: running this recreates the session's state.\n"
        "// rendered: midi_export(bass, 4)\n"
        "// second line\n"
        "cps(2/5);\n"
        "beats_per_cycle(4);\n"
        "seed(3);\n"
        "quantize(1);\n"
        "project(\"untitled\");\n"
        "let bass = MidiTrack(1, 80, name: \"bass\");\n"
        "bass << [C2 ~ G2 [~ C2]];\n"
        "let lead = MidiTrack(2, 100, name: \"Lead \\\"1\\\"\");\n"
        "lead << [C5 E5 G5 ~].fast(2);\n"
        "lead.cc(74) << Sine(0.25);\n"
        "let low = bass;\n"
        "let riff = [C3,E3,G3].transpose(12);\n"
        "let chord = [C3,E3,G3];\n"
    )


@pytest.mark.parametrize("number, text", [
    (3, "3"), (-3, "(-3)"), (0, "0"), (0.1, "0.1"), (-0.25, "(-0.25)"), (2.0, "2.0"),
    (Fraction(1, 3), "(1/3)"), (Fraction(-1, 3), "(-1/3)"), (Fraction(4), "(1/2 * 4 * 2)"),
    (1e-07, "0.0000001"), (1e16, "10000000000000000.0"), (-0.0, "(0.0 * (-1))"), (True, "true"),
])
def test_numbers_are_written_exactly(number, text):
    assert number_text(number) == text


@pytest.mark.parametrize("number", [
    0.1 + 0.2, 1e-300, 5e-324, 1.7976931348623157e308, -1e300, -0.0, Fraction(7, 1), Fraction(-22, 7),
    Fraction(1, 3 ** 700), Fraction(2 ** 1100 + 1, 2 ** 1100), Fraction(-(3 ** 650), 3 ** 650 + 1), 10 ** 308,
    Fraction(3 ** 1000, 2 ** 1000 * 7 ** 400), Fraction(10 ** 400 + 1, 10 ** 100), Fraction(-1, 7 ** 9000),
])
def test_numbers_read_back_as_the_same_number_of_the_same_type(number):
    value = run(f"let x = {number_text(number)}").names["x"]
    assert (type(value), value) == (type(number), number)
    if isinstance(number, float):
        assert math.copysign(1, value) == math.copysign(1, number)  # -0.0 too


@pytest.mark.parametrize("text", ["", "plain", "quote \" and \\ backslash", "\\n is not a new line", "tab\tand\nline", "é ∞"])
def test_strings_read_back_as_the_same_string(text):
    assert string_text(text).startswith('"')
    assert run(f"let s = {string_text(text)}").names["s"] == text


def test_export_names_tracks_as_the_snapshot_does():
    session = run("let fast = MidiTrack(1); let keys = fast; let other = MidiTrack(2); let lone = #[MidiTrack(3)]")
    assert source_of(session, session.names["fast"]) == "keys"
    assert source_of(session, [session.names["other"], session.names["fast"]]) == "#[other, keys]"
    assert source_of(session, session.names["lone"]) == "#[MidiTrack(3, 100)]"


def test_a_value_the_language_did_not_make_is_an_internal_error():
    session = run("let p = [C4]")
    session.names["q"] = pure(1)
    with pytest.raises(NoSource, match="no source is known for a pattern"):
        snapshot_source(session)
    session.names["q"] = object()
    with pytest.raises(NoSource, match="no source is known for a object"):
        snapshot_source(session)


def test_a_track_whose_lanes_need_its_own_name_as_a_function_is_refused():
    session = run("let f = arp(\"up\"); let arp = MidiTrack(2); arp << [C4].chord(\"maj\").every(2, f)")
    with pytest.raises(SnapshotError, match="'arp' names a track, and its lanes use the function arp"):
        snapshot_source(session)


def test_names_that_shadow_each_others_functions_are_refused():
    session = run("let x = Sine(1); let y = stack(x, 1); let Sine = y; let stack = x")
    with pytest.raises(SnapshotError, match="the names 'Sine', 'stack' shadow pattern functions"):
        snapshot_source(session)


def test_a_source_grown_too_large_is_refused():
    session = run("let a = [C4];" + " let a = stack(a, a);" * 16)
    assert len(source_of(session, session.names["a"])) == 13 * 2 ** 16 - 9
    session = run("let a = [C4];" + " let a = stack(a, a);" * 17)
    with pytest.raises(SnapshotError, match="would be 1,703,927 characters long"):
        snapshot_source(session)


def test_a_source_nested_too_deeply_to_read_is_refused():
    round_trip("let a = [C4];" + " let a = a + 1;" * 200)
    session = run("let a = [C4];" + " let a = a + 1;" * 3000)
    with pytest.raises(SnapshotError, match="it would fail when run \\(this is nested too deeply to read\\)"):
        snapshot_source(session)


def test_the_first_source_of_a_pattern_is_kept():
    session = run("let a = [C4 E4]; let b = a.fast(1); let c = a.late(0)")
    assert session.names["b"] is session.names["a"]
    assert [source_of(session, session.names[n]) for n in "abc"] == ["[C4 E4]"] * 3


def test_the_table_keeps_no_pattern_alive():
    session = run("let a = [C4].fast(2); let a = 1")
    import gc

    gc.collect()
    assert len(session.sources) == 0


# -- every program the fuzz makes ----------------------------------------------------

CYCLES_4 = [(Fraction(0), Fraction(4))] + [(Fraction(k, 3), Fraction(k, 3) + Fraction(1, 5)) for k in range(12)]
COUNTS = {"programs": 0, "compared": 0}


def check_snapshot_of(source: str) -> None:
    """Whatever state the program leaves (also one cut short by an error),
    its snapshot runs and gives the same state, for 4 cycles."""
    if asks_for_much(source):
        return
    try:
        with _Alarm(5):
            first = Session(out=_quiet)
            try:
                Interpreter(first).execute(source)
            except TrackJammerError:
                pass
            text = snapshot_source(first)
            second = Session(out=_quiet)
            Interpreter(second).execute(text)
            assert_same_state(first, second, CYCLES_4)
            assert snapshot_source(second) == text
    except BaseException as error:  # noqa: BLE001 - a time limit is the program's, not ours
        if type(error).__name__ == "_OutOfTime":
            return
        raise AssertionError(f"snapshot of {source!r} failed") from error
    COUNTS["compared"] += 1


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(call_programs())
def _random_calls(source: str) -> None:
    COUNTS["programs"] += 1
    check_snapshot_of(source)


# Programs that bind and rebind names that shadow pattern functions, and use them.
_NAMES = ["a", "b", "t", "fast", "rev", "chord", "Sine", "stack", "every"]
_VALUES = [
    "[C4 E4]", "{n}", "{n}.fast(2)", "fast(2)", "every(2, fast(2))", "rev", "{n}.every(2, {m})", "stack({n}, {m})",
    "Sine(1).segment(2)", "{n}({m})", "MidiTrack(1)", "MidiTrack(2, name: \"x\")", "chord(\"maj\")", "#[{n}, {m}]",
    "{n} + 1", "-{n}", "{n}.cc(1)", "every(2, {n})", "{n}.chord(\"maj\")", "fast({n}, [C4])", "1/3", "{n}.vel",
]
# The two things a snapshot cannot do without names of its own (see snapshot.py).
_KNOWN_LIMITS = ("shadow pattern functions that their values or tracks use", "names a track, and its lanes use")


@st.composite
def shadowing_programs(draw) -> list[str]:
    statements = []
    for _ in range(draw(st.integers(1, 8))):
        value = draw(st.sampled_from(_VALUES))
        value = value.replace("{n}", draw(st.sampled_from(_NAMES))).replace("{m}", draw(st.sampled_from(_NAMES)))
        target = draw(st.sampled_from(_NAMES))
        statements.append(f"{target} << {value}" if draw(st.integers(0, 3)) == 0 else f"let {target} = {value}")
    return statements


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(shadowing_programs())
def test_the_snapshot_of_programs_shadowing_functions_recreates_them(statements):
    first = Session(out=_quiet)
    interpreter = Interpreter(first)
    for statement in statements:  # each on its own, so that one failing leaves the others' effect
        try:
            interpreter.execute(statement)
        except TrackJammerError:
            pass
    try:
        text = snapshot_source(first)
    except SnapshotError as error:
        assert any(limit in error.message for limit in _KNOWN_LIMITS), error.message
        return
    second = run(text)
    assert_same_state(first, second, CYCLES_4)
    assert snapshot_source(second) == text


def test_the_snapshot_of_every_corpus_program_recreates_it(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # programs may export
    for source in CORPUS:
        check_snapshot_of(source)


def test_the_snapshot_of_random_programs_recreates_them(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    before = dict(COUNTS)
    _random_calls()
    assert COUNTS["programs"] - before["programs"] >= 300
    assert COUNTS["compared"] - before["compared"] >= 200  # all but those asking for huge numbers


def test_trackjammer_run_offline_runs_a_snapshot(tmp_path):
    """What `trackjammer run --offline snapshot.tj` does."""
    source = snapshot_source(run("let t = MidiTrack(1); t << [C4 E4]; let p = t; project(\"song\")"))
    path = tmp_path / "snapshot.tj"
    path.write_text(source, encoding="utf-8")
    from trackjammer.commands.run import run_file

    assert run_file(str(path), offline=True) == 0


def test_an_export_rendered_again_from_its_snapshot_is_byte_identical(tmp_path, monkeypatch):
    pytest.importorskip("trackjammer.project.export")
    monkeypatch.chdir(tmp_path)
    first = run(
        "bpm(96); seed(4); let bass = MidiTrack(1, 80); let lead = MidiTrack(2, name: \"Lead \\\"x\\\"\");"
        "let f = every(2, fast(2)); bass << f([C2 ~ G2 [~ C2]?]); lead << [C5 E5 G5 ~].fast(2);"
        "lead.cc(74) << Sine(0.25); lead.vel << Saw(1).range(60, 100); let fast = 3; let low = bass;"
        "midi_export(#[low, lead], 4)"
    )
    (snapshot,) = tmp_path.glob("renders/untitled/*/snapshot.tj")
    text = snapshot.read_text(encoding="utf-8")
    assert "// rendered: midi_export(#[bass, lead], 4)\n" in text
    assert text == snapshot_source(first, "rendered: midi_export(#[bass, lead], 4)")
    run(text + 'midi_export(#[bass, lead], 4, "again.mid");')
    assert (tmp_path / "again.mid").read_bytes() == (snapshot.parent / "export.mid").read_bytes()
