"""Issue 18 part A: the messages a synth expects (program, pitch bend,
pressure, poly aftertouch, NRPN, 14-bit CC) and MPE, on the one message
path: exact values from the stream, and files read back with the
independent reader (tests/support/smf_reader.py)."""

from __future__ import annotations

from fractions import Fraction as F

import pytest

import trackjammer.core  # noqa: F401  (registers the pattern functions)
from tests.midi.conftest import read_midi
from trackjammer.errors import TrackJammerError
from trackjammer.lang.evaluator import Interpreter
from trackjammer.midi.kinds import BEND, CONTROL, NOTE_OFF, NOTE_ON, POLYTOUCH, PRESSURE, PROGRAM
from trackjammer.midi.messages import Message, MessageStream, bend_value, plan_of_track
from trackjammer.midi.smf import export_messages
from trackjammer.session import Session


def session_of(source: str) -> Session:
    session = Session(out=lambda text: None)
    Interpreter(session).execute(source)
    return session


def messages_of(source: str, cycles: int = 1) -> list[Message]:
    session = session_of(source)
    plans = [plan_of_track(t, i) for i, t in enumerate(session.tracks())]
    return export_messages(plans, cycles, session.seed, session.beats_per_cycle)[0]


def shown(messages) -> list[tuple]:
    return [(m.time, m.kind, m.channel, m.data1, m.data2) for m in messages]


# -- the lanes on the message path ---------------------------------------------------


def test_program_is_sent_where_the_track_first_plays_and_again_only_where_it_changes():
    session = session_of("let t = MidiTrack(3); t.program(33); t << [C4];")
    stream = MessageStream()
    plan = plan_of_track(session.tracks()[0], 0)
    first = stream.window([plan], 0, 1)
    again = stream.window([plan], 1, 2)
    Interpreter(session).execute("t.program(81);")
    changed = stream.window([plan_of_track(session.tracks()[0], 0)], 2, 3)
    assert [(m.time, m.kind, m.data1) for m in first if m.kind == PROGRAM] == [(0, PROGRAM, 33)]
    assert [m for m in again if m.kind == PROGRAM] == []
    assert [(m.time, m.channel, m.data1) for m in changed if m.kind == PROGRAM] == [(2, 2, 81)]
    assert first[0].bytes() == [0xC2, 33]  # before the note-on at the same time


def test_bend_is_14_bit_from_minus_one_to_one_sampled_like_a_cc_lane():
    assert [bend_value(v) for v in (-1, F(-1, 2), 0, F(1, 2), 1, 2, -2)] == [0, 4096, 8192, 12288, 16383, 16383, 0]
    found = messages_of("let t = MidiTrack(1); t << [C4]; t.bend << [0 0.5 -1 1];")
    bends = [(m.time, m.data2 << 7 | m.data1) for m in found if m.kind == BEND]
    assert bends == [(0, 8192), (F(1, 4), 12288), (F(1, 2), 0), (F(3, 4), 16383)]
    assert found[0].kind == BEND and found[0].bytes() == [0xE0, 0, 64] and found[1].kind == NOTE_ON
    signal = messages_of("let t = MidiTrack(1); t << [C4]; t.bend << Sine(1).range(-1, 1);")
    times = [m.time for m in signal if m.kind == BEND]
    assert times[:3] == [0, F(1, 128), F(2, 128)] and len(times) == len(set(times))  # the CC grid, sent on change


def test_pressure_poly_aftertouch_nrpn_and_cc14_messages():
    found = messages_of(
        "let t = MidiTrack(2); t << [C4 E4]; t.pressure << [10 20]; t.note_pressure << [50 60];"
        " t.nrpn(300) << [1000]; t.cc14(1) << [8193];")
    at0 = [m.bytes() for m in found if m.time == 0]
    assert at0 == [
        [0xB1, 1, 64], [0xB1, 33, 1],  # cc14(1): 8193 = 64 × 128 + 1, MSB on 1, LSB on 33
        [0xB1, 99, 2], [0xB1, 98, 44], [0xB1, 6, 7], [0xB1, 38, 104],  # NRPN 300 = 2·128+44, value 1000 = 7·128+104
        [0xD1, 10],  # channel pressure
        [0x91, 60, 100],
        [0xA1, 60, 50],  # poly aftertouch of the note, after its note-on
    ]
    half = [m.bytes() for m in found if m.time == F(1, 2)]
    assert half == [[0x81, 60, 0], [0xD1, 20], [0x91, 64, 100], [0xA1, 64, 60]]


def test_cutting_time_into_other_windows_gives_the_same_messages():
    session = session_of(
        "let t = MidiTrack(1); t.program(5); t << [C4 E4*3]; t.bend << Sine(1).range(-1, 1); t.note_pressure << Saw(1);"
        " let m = MpeTrack(members: 2); m << [[C4,E4,G4] A4]; m.note_bend << Sine(2).range(-2, 2); m.timbre << [10 90];")
    plans = [plan_of_track(t, i) for i, t in enumerate(session.tracks())]
    whole = MessageStream()
    one = whole.window(plans, 0, 2) + whole.release(2)
    for cuts in ([F(1, 3), F(7, 8)], [F(1, 128), F(1, 2), F(129, 128), F(3, 2)], [F(k, 7) for k in range(1, 14)]):
        pieces = MessageStream()
        edges = [0, *cuts, 2]
        cut = [m for a, b in zip(edges, edges[1:]) for m in pieces.window(plans, a, b)]
        assert shown(cut + pieces.release(2)) == shown(one), cuts


def test_lane_errors_say_what_and_how():
    for source, words in [
        ("let t = MidiTrack(1); t.program(128);", "a program must be from 0 to 127, got 128"),
        ("let t = MidiTrack(1); t.nrpn(16384);", "an NRPN parameter must be from 0 to 16383"),
        ("let t = MidiTrack(1); t.cc14(32);", "a 14-bit CC number must be from 0 to 31"),
        ("let t = MidiTrack(1); t.note_bend << [1];", "'note_bend' is a lane of an MPE track"),
        ('let m = MpeTrack(zone: "middle");', 'an MPE zone is "lower" or "upper", got "middle"'),
        ("let m = MpeTrack(members: 16);", "an MPE zone's members must be from 1 to 15, got 16"),
    ]:
        with pytest.raises(TrackJammerError) as caught:
            session_of(source)
        assert words in caught.value.message


# -- MPE -------------------------------------------------------------------------------


def test_an_mpe_zone_is_announced_then_notes_take_the_least_recently_released_member():
    found = messages_of("let m = MpeTrack(members: 3, bend_range: 24); m << [C4 [E4, G4] <A4 B4> C5];", 2)
    mcm = [m.bytes() for m in found if m.kind == CONTROL and m.time == 0]
    assert mcm == [[0xB0, 101, 0], [0xB0, 100, 6], [0xB0, 6, 3], [0xB0, 101, 127], [0xB0, 100, 127]] + [
        b for c in (1, 2, 3) for b in ([0xB0 | c, 101, 0], [0xB0 | c, 100, 0], [0xB0 | c, 6, 24], [0xB0 | c, 38, 0],
                                       [0xB0 | c, 101, 127], [0xB0 | c, 100, 127])]
    ons = [(m.time, m.channel, m.data1) for m in found if m.kind == NOTE_ON]
    # C4 on 2 (byte 1); E4, G4 on 3, 4 (never used); A4 on 2 (released longest ago); C5 on 3; then B4 on 4 …
    assert ons == [(0, 1, 60), (F(1, 4), 2, 64), (F(1, 4), 3, 67), (F(1, 2), 1, 69), (F(3, 4), 2, 72),
                   (1, 3, 60), (F(5, 4), 1, 64), (F(5, 4), 2, 67), (F(3, 2), 3, 71), (F(7, 4), 1, 72)]
    assert all(m.channel == 0 for m in found if m.kind == CONTROL and m.data1 == 6 and m.data2 == 3)


def test_every_member_sounding_hands_the_oldest_notes_channel_to_the_new_one():
    found = messages_of("let m = MpeTrack(members: 2); m << [C4, [~ E4], [~ ~ G4]];")  # G4 while C4 and E4 sound
    notes = [(m.time, m.kind, m.channel, m.data1) for m in found if m.kind in (NOTE_ON, NOTE_OFF)]
    assert notes == [(0, NOTE_ON, 1, 60), (F(1, 2), NOTE_ON, 2, 64), (F(2, 3), NOTE_OFF, 1, 60),
                     (F(2, 3), NOTE_ON, 1, 67), (1, NOTE_OFF, 1, 67), (1, NOTE_OFF, 2, 64)]


def test_per_note_bend_timbre_and_pressure_go_to_each_notes_channel_before_its_note_on():
    found = messages_of(
        "let m = MpeTrack(members: 4, bend_range: 48); m << [C4, E4]; m.note_bend << [0 12 -48];"
        " m.timbre << [100]; m.note_pressure << [30];")
    at0 = [m.bytes() for m in found if m.time == 0 and not (m.kind == CONTROL and m.data1 in (101, 100, 6, 38))]
    assert at0 == [[0xB1, 74, 100], [0xB2, 74, 100], [0xE1, 0, 64], [0xE2, 0, 64], [0xD1, 30], [0xD2, 30],
                   [0x91, 60, 100], [0x92, 64, 100]]
    later = [(m.time, m.channel, m.data2 << 7 | m.data1) for m in found if m.kind == BEND and m.time > 0]
    # 12 of 48 semitones up is a quarter of the range: 8192 + 2048; -48 the bottom
    assert later == [(F(1, 3), 1, 10240), (F(1, 3), 2, 10240), (F(2, 3), 1, 0), (F(2, 3), 2, 0)]
    assert not [m for m in found if m.kind == POLYTOUCH or m.kind == PRESSURE and m.channel == 0]


# -- midi_export ---------------------------------------------------------------------------


SYNTH = """cps(1);
let t = MidiTrack(2, 90); t.program(33); t << [C3 E3]; t.bend << [0 0.5]; t.pressure << [40];
"""


def test_midi_export_keeps_seed_002s_table_and_all_true_adds_program_and_bend(run, tmp_path):
    run(SYNTH + 'midi_export(t, 1, "seed.mid"); midi_export(t, 1, "all.mid", all: true);')
    seed = read_midi(tmp_path / "seed.mid", frozenset({"aftertouch"}))
    every = read_midi(tmp_path / "all.mid", frozenset({"aftertouch", "pitchwheel", "program_change"}))
    assert seed.tracks[1][1:] == [
        (0, "aftertouch", 1, 40), (0, "note_on", 1, 48, 90), (960, "note_off", 1, 48, 0), (960, "note_on", 1, 52, 90),
        (1920, "note_off", 1, 52, 0), (1920, "end_of_track")]
    assert every.tracks[1][1:] == [
        (0, "program_change", 1, 33), (0, "pitchwheel", 1, 0, 64), (0, "aftertouch", 1, 40), (0, "note_on", 1, 48, 90),
        (960, "note_off", 1, 48, 0), (960, "pitchwheel", 1, 0, 96), (960, "note_on", 1, 52, 90),
        (1920, "note_off", 1, 52, 0), (1920, "end_of_track")]


def test_an_mpe_export_writes_each_zone_channel_as_a_track_with_its_per_note_bends(run, tmp_path):
    run('cps(1); let m = MpeTrack(members: 2, bend_range: 48, name: "keys"); m << [C4 E4]; m.note_bend << [12 -12];'
        ' m.bend << [0.5]; midi_export(m, 1, "mpe.mid");')
    midi = read_midi(tmp_path / "mpe.mid", frozenset({"pitchwheel"}))
    assert midi.smf.ntrks == 4  # the conductor, the manager channel, two members
    assert [midi.track_name(i) for i in (1, 2, 3)] == ["keys"] * 3
    assert [e for e in midi.tracks[1] if e[1] != "track_name"] == [
        (0, "control_change", 0, 101, 0), (0, "control_change", 0, 100, 6), (0, "control_change", 0, 6, 2),
        (0, "control_change", 0, 101, 127), (0, "control_change", 0, 100, 127), (1920, "end_of_track")]  # no zone bend
    assert [e for e in midi.tracks[2] if e[1] in ("pitchwheel", "note_on", "note_off")] == [
        (0, "pitchwheel", 1, 0, 80), (0, "note_on", 1, 60, 100), (960, "note_off", 1, 60, 0)]  # +12 of 48: 10240 = 80·128
    assert [e for e in midi.tracks[3] if e[1] in ("pitchwheel", "note_on", "note_off")] == [
        (960, "pitchwheel", 2, 0, 48), (960, "note_on", 2, 64, 100), (1920, "note_off", 2, 64, 0)]  # -12: 6144 = 48·128


def test_a_chord_larger_than_the_zone_keeps_its_last_notes_and_no_note_hangs():
    """Three notes at once on two members: the first would end where it
    starts, so it is never sent (a note-off before its own note-on would
    leave it sounding)."""
    found = messages_of("let m = MpeTrack(members: 2); m << [C4, E4, G4];")
    notes = [(m.time, m.kind, m.channel, m.data1) for m in found if m.kind in (NOTE_ON, NOTE_OFF)]
    assert notes == [(0, NOTE_ON, 1, 67), (0, NOTE_ON, 2, 64), (1, NOTE_OFF, 1, 67), (1, NOTE_OFF, 2, 64)]


def test_the_worked_example_of_docs_export_md(run, tmp_path):
    """What docs/export.md says the three files of its example hold."""
    run('cps(1); let keys = MidiTrack(1); keys.program(4); keys << [C4 E4]; keys.bend << [0 0.5];'
        ' midi_export(keys, 1, "keys.mid"); midi_export(keys, 1, "keys_all.mid", all: true);'
        ' let mpe = MpeTrack(members: 2, bend_range: 48); mpe << [C4 E4]; mpe.note_bend << [12 -12];'
        ' midi_export(mpe, 1, "mpe.mid");')
    keys = read_midi(tmp_path / "keys.mid")
    assert {e[1] for e in keys.tracks[1]} == {"track_name", "note_on", "note_off", "end_of_track"}
    every = read_midi(tmp_path / "keys_all.mid", frozenset({"program_change", "pitchwheel"}))
    assert [e for e in every.tracks[1] if e[1] in ("program_change", "pitchwheel")] == [
        (0, "program_change", 0, 4), (0, "pitchwheel", 0, 0, 64), (960, "pitchwheel", 0, 0, 96)]
    mpe = read_midi(tmp_path / "mpe.mid", frozenset({"pitchwheel"}))
    assert mpe.smf.ntrks == 4
    assert [e[2] for t in mpe.tracks[1:] for e in t if e[1] == "control_change" and e[3] == 6] == [0, 1, 2]
    assert [(e[0], e[2], e[4] << 7 | e[3]) for t in mpe.tracks for e in t if e[1] == "pitchwheel"] == [
        (0, 1, 10240), (960, 2, 6144)]
