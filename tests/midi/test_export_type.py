"""midi_export(…, type: 0 or 1): the file type on request (issue 18).

Type 0 merges every track into the file's one track, each message on its
own channel; the notes and CCs are those of the Type 1 file of the same
tracks, tick for tick. Read back by our byte reader, mido and symusic
(tests/midi/conftest.py: they must agree).
"""

from __future__ import annotations

import pytest

from trackjammer.errors import TrackJammerError

from tests.midi.conftest import read_midi

SONG = """
let bass = MidiTrack(1, 80); bass << [C2 ~ E2 G2];
let lead = MidiTrack(2, 110); lead << [C5 E5]; lead.cc(74) << [0 64 127 64];
"""


def test_type_0_merges_the_tracks_into_one_keeping_their_channels(export, run, tmp_path):
    merged = export(SONG + "midi_export(#[bass, lead], 2, {path}, type: 0)")
    assert merged.type == 0 and len(merged.tracks) == 1
    notes = [(n.tick, n.duration, n.pitch, n.velocity, n.channel) for n in merged.notes(0)]
    assert notes == [
        (0, 480, 36, 80, 0), (0, 960, 72, 110, 1), (960, 480, 40, 80, 0), (960, 960, 76, 110, 1),
        (1440, 480, 43, 80, 0),
        (1920, 480, 36, 80, 0), (1920, 960, 72, 110, 1), (2880, 480, 40, 80, 0), (2880, 960, 76, 110, 1),
        (3360, 480, 43, 80, 0),
    ]
    assert merged.ccs(0) == [(0, 1, 74, 0), (480, 1, 74, 64), (960, 1, 74, 127), (1440, 1, 74, 64),
                             (1920, 1, 74, 0), (2400, 1, 74, 64), (2880, 1, 74, 127), (3360, 1, 74, 64)]
    assert merged.metas(0, "set_tempo") == [(0, "set_tempo", 500_000)]
    assert merged.metas(0, "time_signature") == [(0, "time_signature", 4, 4)]
    assert merged.end(0) == 3840
    # the same messages as the Type 1 file, track by track
    both = export(SONG + "midi_export(#[bass, lead], 2, {path})", name="both.mid")
    assert both.type == 1
    split = sorted((n.tick, n.duration, n.pitch, n.velocity, n.channel) for t in (1, 2) for n in both.notes(t))
    assert sorted(notes) == split
    assert sorted(merged.ccs(0)) == sorted(both.ccs(2))


def test_a_tick_of_the_merged_track_holds_offs_then_ccs_then_ons_across_tracks(export):
    merged = export("let a = MidiTrack(3); a << [C4 D4]; let b = MidiTrack(4); b.cc(1) << [10 20]; b << [E4 F4];"
                    " midi_export(#[a, b], 1, {path}, type: 0)")
    events = [e for e in merged.tracks[0] if e[1] in ("note_on", "note_off", "control_change")]
    at_960 = [e[1:] for e in events if e[0] == 960]
    assert at_960 == [("note_off", 2, 60, 0), ("note_off", 3, 64, 0), ("control_change", 3, 1, 20),
                      ("note_on", 2, 62, 100), ("note_on", 3, 65, 100)]


def test_type_1_gives_a_pattern_a_track_of_its_own(export):
    midi = export("midi_export([C4 E4], 1, {path}, type: 1)")
    assert midi.type == 1 and len(midi.tracks) == 2
    assert [(n.tick, n.duration, n.pitch, n.channel) for n in midi.notes(1)] == [(0, 960, 60, 0), (960, 960, 64, 0)]


def test_type_0_of_one_track_is_the_type_0_of_its_pattern(export):
    track = export("let t = MidiTrack(5, 90); t << [C4 E4 G4]; midi_export(t, 1, {path}, type: 0)")
    assert track.type == 0
    assert [(n.tick, n.pitch, n.velocity, n.channel) for n in track.notes(0)] == [(0, 60, 90, 4), (640, 64, 90, 4), (1280, 67, 90, 4)]


@pytest.mark.parametrize("bad, shown", [("2", "2"), ('"0"', 'the string "0"'), ("true", "true")])
def test_another_type_is_refused_and_nothing_is_written(run, tmp_path, bad, shown):
    with pytest.raises(TrackJammerError) as caught:
        run(f'midi_export([C4], 1, "x.mid", type: {bad})')
    assert str(caught.value).startswith("type must be 0 or 1, got ")
    assert "type: 0 merges the tracks" in caught.value.hint
    assert not (tmp_path / "x.mid").exists()


def test_an_automatic_type_0_export_says_so_in_its_snapshot_and_record(run, tmp_path):
    import json

    run(SONG + "midi_export(#[bass, lead], 1, type: 0)")
    (folder,) = (tmp_path / "renders" / "untitled").iterdir()
    assert "rendered: midi_export(#[bass, lead], 1, type: 0)" in (folder / "snapshot.tj").read_text()
    assert json.loads((folder / "render.json").read_text())["type"] == 0
    assert read_midi(folder / "export.mid").type == 0
