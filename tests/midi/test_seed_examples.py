"""The user's own document on export (seeds/002, "Export & MPE"): every
example, typed exactly as written there, run in a fresh session in a
temporary working directory, and its file read back (see conftest.py: our
byte-level reader, mido and symusic, which must agree).

Two examples use `melody` from the first one; they run after it, as they
would on the page. The examples are copied verbatim; do not tidy them.
"""

from __future__ import annotations

import json
import math
from datetime import datetime
from pathlib import Path

import pytest

from tests.midi.conftest import files_under, is_render_path, read_midi, render_folders

# -- the examples, verbatim --------------------------------------------------------------

MELODY = """let melody = [C4 E4 G4 C5];
midi_export(melody, 4);"""

MELODY_TO_PATH = """midi_export(melody, 4, "my_melody.mid");"""

TRACK = """let t1 = MidiTrack(1, 100);
t1 << [C2 E2 G2 C3];
t1.cc(74) << Sine(0.25);
midi_export(t1, 4);"""

TWO_TRACKS = """let bass = MidiTrack(1, 80);
let lead = MidiTrack(2, 110);
bass << [C2 E2 G2];
lead << [C5 E5 G5 C6];
midi_export(#[bass, lead], 8);"""

VELOCITIES = """midi_export([C4^80 E4^110 G4], 2);"""

PATH_RETURNED = """let path = midi_export(melody, 4);
print(path);"""

# -- what the files must hold ------------------------------------------------------------

MELODY_NOTES = [(480 * k, 480, [60, 64, 67, 72][k % 4], 100) for k in range(16)]


def notes_of(midi, track=-1):
    return [(n.tick, n.duration, n.pitch, n.velocity) for n in midi.notes(track)]


def channels_of(midi, track):
    return {e[2] for e in midi.tracks[track] if e[1] in ("note_on", "note_off", "control_change")}


def only_render(tmp_path: Path, project: str = "untitled") -> Path:
    """The one render folder there is, checked to hold exactly what it must."""
    (folder,) = render_folders(tmp_path, project)
    assert sorted(p.name for p in folder.iterdir()) == ["export.mid", "render.json", "snapshot.tj"]
    return folder


def assert_stamp_between(folder: Path, before: datetime, after: datetime) -> None:
    stamp = datetime.strptime(folder.name[:19], "%Y-%m-%d_%H-%M-%S")
    assert before.replace(microsecond=0) <= stamp <= after


def check_melody(midi) -> None:
    """midi_export(melody, 4): Type 0, tempo 120 BPM, 16 notes of 480 ticks on
    channel 0 at velocity 100, End of Track at 4 × 1920."""
    assert (midi.type, midi.smf.ntrks) == (0, 1)
    assert midi.tracks[0][0] == (0, "set_tempo", 500_000)
    assert notes_of(midi, 0) == MELODY_NOTES
    assert channels_of(midi, 0) == {0}
    assert midi.end(0) == 7680


# -- each example ------------------------------------------------------------------------


def test_melody_goes_to_renders_untitled_datetime_export_mid(run, tmp_path):
    before = datetime.now()
    result = run(MELODY)
    after = datetime.now()
    folder = only_render(tmp_path)
    assert_stamp_between(folder, before, after)
    assert is_render_path(str((folder / "export.mid").relative_to(tmp_path)))
    check_melody(read_midi(folder / "export.mid"))
    assert result.out == []


def test_melody_to_a_path_you_specify(run, tmp_path):
    result = run(MELODY + "\n" + MELODY_TO_PATH)
    assert result.value == "my_melody.mid"
    midi = read_midi(tmp_path / "my_melody.mid")
    check_melody(midi)
    folder = only_render(tmp_path)
    assert midi.path.read_bytes() == (folder / "export.mid").read_bytes()
    assert files_under(tmp_path) == ["my_melody.mid", "renders", "renders/untitled", f"renders/untitled/{folder.name}"] + [
        f"renders/untitled/{folder.name}/{name}" for name in ("export.mid", "render.json", "snapshot.tj")]


def test_track_export_has_its_channel_velocity_and_cc_automation(run, tmp_path):
    """Type 1: a conductor (tempo, 4/4) and track "t1" on channel 0 with
    C2 E2 G2 C3 at velocity 100, and CC 74 following Sine(0.25): sampled
    every 15 ticks, written on change, value round((sin(2π·t/4)+1)/2 × 127)."""
    run(TRACK)
    midi = read_midi(only_render(tmp_path) / "export.mid")
    assert (midi.type, midi.smf.ntrks) == (1, 2)
    assert midi.tracks[0] == [(0, "set_tempo", 500_000), (0, "time_signature", 4, 4), (7680, "end_of_track")]
    assert midi.track_name(1) == "t1"
    assert channels_of(midi, 1) == {0}
    assert notes_of(midi, 1) == [(480 * k, 480, [36, 40, 43, 48][k % 4], 100) for k in range(16)]
    samples = [math.floor((math.sin(2 * math.pi * 0.25 * k / 128) + 1) / 2 * 127 + 0.5) for k in range(512)]
    changes = [(15 * k, 0, 74, v) for k, v in enumerate(samples) if k == 0 or v != samples[k - 1]]
    assert midi.ccs(1) == changes
    assert [c[3] for c in changes[:4]] == [64, 65, 66, 67] and changes[0][0] == 0
    assert midi.end(1) == 7680


def test_track_export_orders_off_cc_on_at_one_tick(run, tmp_path):
    """At tick 480 of the t1 example a note ends, CC 74 moves and the next
    note starts: the file has them in that order."""
    run(TRACK)
    midi = read_midi(only_render(tmp_path) / "export.mid")
    at_480 = [e for e in midi.tracks[1] if e[0] == 480]
    assert at_480 == [(480, "note_off", 0, 36, 0), (480, "control_change", 0, 74, 88), (480, "note_on", 0, 40, 100)]


def test_two_tracks_make_a_type1_file_with_a_conductor(run, tmp_path):
    run(TWO_TRACKS)
    midi = read_midi(only_render(tmp_path) / "export.mid")
    assert (midi.type, midi.smf.ntrks) == (1, 3)
    assert midi.tracks[0] == [(0, "set_tempo", 500_000), (0, "time_signature", 4, 4), (15360, "end_of_track")]
    assert [midi.track_name(1), midi.track_name(2)] == ["bass", "lead"]
    assert [channels_of(midi, 1), channels_of(midi, 2)] == [{0}, {1}]
    assert notes_of(midi, 1) == [(640 * k, 640, [36, 40, 43][k % 3], 80) for k in range(24)]
    assert notes_of(midi, 2) == [(480 * k, 480, [72, 76, 79, 84][k % 4], 110) for k in range(32)]
    assert [midi.end(i) for i in range(3)] == [15360, 15360, 15360]
    assert [t.name for t in midi.score.tracks] == ["bass", "lead"]


def test_explicit_velocities_are_kept_and_the_rest_take_100(run, tmp_path):
    run(VELOCITIES)
    midi = read_midi(only_render(tmp_path) / "export.mid")
    assert midi.type == 0
    assert notes_of(midi, 0) == [(t, 640, p, v) for t, p, v in zip(
        range(0, 3840, 640), [60, 64, 67] * 2, [80, 110, 100] * 2)]
    assert midi.end(0) == 3840


def test_every_form_returns_the_file_path_as_a_string(run, tmp_path):
    before = datetime.now()
    result = run(MELODY + "\n" + PATH_RETURNED)
    after = datetime.now()
    (printed,) = result.out
    assert is_render_path(printed)
    folders = render_folders(tmp_path)
    assert len(folders) == 2 and printed == f"renders/untitled/{folders[1].name}/export.mid"
    assert_stamp_between(folders[1], before, after)
    midi = read_midi(tmp_path / printed)
    check_melody(midi)
    assert midi.path.read_bytes() == (folders[0] / "export.mid").read_bytes()


# -- the tempo lines ---------------------------------------------------------------------


@pytest.mark.parametrize("setting, bpm, microseconds", [
    ("cps(0.5);", 120, 500_000),
    ("cps(1.0);", 240, 250_000),
    ("cps(0);", 120, 500_000),
    ("cps(-0.5);", 120, 500_000),
    ("cps(-2);", 120, 500_000),
])
def test_bpm_is_cps_times_60_times_beats_per_cycle(run, tmp_path, setting, bpm, microseconds):
    """BPM = CPS × 60 × beats_per_cycle; 0.5 → 120, 1.0 → 240; zero or
    negative → 120."""
    run(setting + "\n" + MELODY)
    folder = only_render(tmp_path)
    midi = read_midi(folder / "export.mid")
    assert midi.tracks[0][0] == (0, "set_tempo", microseconds)
    assert [round(t.qpm, 6) for t in midi.score.tempos] == [bpm]
    assert json.loads((folder / "render.json").read_text())["bpm"] == bpm
    assert notes_of(midi, 0) == MELODY_NOTES  # the tempo changes the clock, not the ticks


def test_bpm_follows_beats_per_cycle(run, tmp_path):
    """With 3 beats per cycle, CPS 0.5 is 90 BPM and a cycle is 1440 ticks."""
    run("beats_per_cycle(3);\n" + MELODY)
    midi = read_midi(only_render(tmp_path) / "export.mid")
    assert midi.tracks[0][0] == (0, "set_tempo", 666_667)
    assert notes_of(midi, 0) == [(360 * k, 360, [60, 64, 67, 72][k % 4], 100) for k in range(16)]
    assert midi.end(0) == 5760


# -- the prose ---------------------------------------------------------------------------


def test_tracks_without_a_pattern_are_skipped_with_a_warning(run, tmp_path):
    result = run("let pad = MidiTrack(3, 90);\n" + TWO_TRACKS.replace("#[bass, lead]", "#[bass, pad, lead]"))
    assert len(result.out) == 1 and result.out[0].startswith("warning") and "pad" in result.out[0]
    midi = read_midi(only_render(tmp_path) / "export.mid")
    assert [midi.track_name(i) for i in (1, 2)] == ["bass", "lead"]


def test_velocity_signals_and_patterns_are_baked_into_the_notes(run, tmp_path):
    """"Notes without explicit velocity receive the track's default velocity,
    or the result of any velocity signal or pattern bound to the track.\""""
    result = run(TWO_TRACKS.replace("midi_export(#[bass, lead], 8);", "")
                 + 'bass.vel << Saw(1).range(20, 80); lead.vel << [30 40 ~ 50];'
                 + ' lead << [C5 E5 G5 C6^127]; midi_export(#[bass, lead], 1, "v.mid");')
    assert result.out == []
    midi = read_midi(tmp_path / "v.mid")
    assert [n.velocity for n in midi.notes(1)] == [20, 40, 60]  # the signal at 0, 1/3, 2/3
    assert [n.velocity for n in midi.notes(2)] == [30, 40, 110, 127]  # G5: the lane rests, so the default


def test_the_call_table(run, tmp_path):
    """All six forms of the table; each returns its file's path."""
    result = run(MELODY + "\n" + TRACK + "\n" + TWO_TRACKS + "\n" + """
print(midi_export(melody, 1));
print(midi_export(melody, 1, "a/pattern.mid"));
print(midi_export(t1, 1));
print(midi_export(t1, 1, "a/track.mid"));
print(midi_export(#[bass, lead], 1));
print(midi_export(#[bass, lead], 1, "a/tracks.mid"));""")
    assert [is_render_path(p) for p in result.out] == [True, False, True, False, True, False]
    assert result.out[1::2] == ["a/pattern.mid", "a/track.mid", "a/tracks.mid"]
    shapes = [(m.type, m.smf.ntrks) for m in (read_midi(tmp_path / p) for p in result.out)]
    assert shapes == [(0, 1), (0, 1), (1, 2), (1, 2), (1, 3), (1, 3)]
    for auto, explicit in zip(result.out[0::2], result.out[1::2]):
        assert (tmp_path / auto).read_bytes() == (tmp_path / explicit).read_bytes()


def test_the_whole_page_in_one_session(run, tmp_path):
    """Every example in page order, one session: five automatic exports in
    five folders (the same second gets _2, _3, …), one file at my_melody.mid."""
    result = run("\n".join([MELODY, MELODY_TO_PATH, TRACK, TWO_TRACKS, VELOCITIES, PATH_RETURNED]))
    folders = render_folders(tmp_path)
    assert len(folders) == 5
    for folder in folders:
        assert sorted(p.name for p in folder.iterdir()) == ["export.mid", "render.json", "snapshot.tj"]
    assert result.out == [f"renders/untitled/{folders[-1].name}/export.mid"]
    shapes = [(m.type, m.smf.ntrks, m.end()) for m in (read_midi(f / "export.mid") for f in folders)]
    assert sorted(shapes) == sorted([(0, 1, 7680), (1, 2, 7680), (1, 3, 15360), (0, 1, 3840), (0, 1, 7680)])
    check_melody(read_midi(tmp_path / "my_melody.mid"))
