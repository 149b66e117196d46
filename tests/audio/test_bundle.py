"""bundle_export: a folder (and its .zip) any DAW imports in one drag (issue 18).

The .mid is read back by three parsers (tests/midi/conftest.py) and is the
very file midi_export writes for the same tracks; each stem is read with
`wave` and numpy, and its notes start where the .mid's notes of its track
start (the built-in synthesizer's attack starts at zero, so an onset is
the first sound after silence: within one 64-frame block of the .mid's
tick). Without numpy the .mid and README are still written.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import numpy as np
import pytest
import symusic

from trackjammer.audio import AudioError
from trackjammer.audio import bundle as bundle_module

from tests.audio.conftest import read_wav, run
from tests.midi.conftest import read_midi

SONG = """
project("night drive"); meta(title: "Night", author: "Ada");
let bass = MidiTrack(1, 80); bass << [C2 ~ ~ ~ E2 ~ ~ ~]; bass.gate(1/2);
let lead = MidiTrack(2, 110, name: "Lead"); lead << [~ ~ C5 ~ ~ ~ <G5 A5> ~]; lead.gate(1/2); lead.cc(74) << [20 90];
let kit = MidiTrack(10, 100); kit << [~ ~ ~ ~ ~ C2 ~ ~];
"""
BLOCK = 64  # frames
CYCLE = 88_200  # frames: cps 0.5


def the_bundle(base: Path) -> tuple[Path, Path]:
    (folder,) = (base / "renders" / "night_drive").iterdir()
    return folder, folder / "night_drive"


def onsets(samples: np.ndarray, quiet: int = 2_000) -> list[int]:
    """Frames where sound starts after at least `quiet` frames of exact silence."""
    sounding = np.any(samples != 0, axis=1)
    found, silent_run = [], quiet
    for frame in np.flatnonzero(np.diff(sounding.astype(np.int8)) == 1) + 1:
        before = sounding[max(0, frame - quiet):frame]
        if not before.any():
            found.append(int(frame))
    if sounding[0]:
        found.insert(0, 0)
    return found


def test_the_folder_holds_the_mid_a_stem_per_track_and_a_readme_and_the_zip_holds_the_folder(in_tmp):
    path, printed = run(SONG + 'bundle_export(#[bass, lead, kit], 2, synth: "builtin")')
    folder, bundle = the_bundle(in_tmp)
    assert path == str(bundle.relative_to(in_tmp)) and printed == []
    assert sorted(p.name for p in folder.iterdir()) == ["night_drive", "night_drive.zip", "render.json", "snapshot.tj"]
    names = ["01 bass.wav", "02 Lead.wav", "03 kit.wav", "README.txt", "night_drive.mid"]
    assert sorted(p.name for p in bundle.iterdir()) == names
    with zipfile.ZipFile(folder / "night_drive.zip") as archive:
        assert sorted(archive.namelist()) == [f"night_drive/{name}" for name in names]
        for name in names:
            assert archive.read(f"night_drive/{name}") == (bundle / name).read_bytes()
    readme = (bundle / "README.txt").read_text()
    assert readme.splitlines()[9:13] == [
        "track  channel  program              stem",
        "bass   1        none (GM: 1, piano)  01 bass.wav",
        "Lead   2        none (GM: 1, piano)  02 Lead.wav",
        "kit    10       none (GM: drum kit)  03 kit.wav",
    ]
    assert "Tempo 120 BPM, time signature 4/4, 2 cycles = 8 beats; every stem starts at beat 0." in readme
    assert readme.endswith("title: Night\nauthor: Ada\n")
    record = json.loads((folder / "render.json").read_text())
    assert (record["kind"], record["file"], record["zip"], record["synth"], record["loop_frames"]) == (
        "bundle_export", "night_drive/", "night_drive.zip", "builtin", 2 * CYCLE)
    assert [(t["name"], t["channel"], t["stem"]) for t in record["tracks"]] == [
        ("bass", 1, "night_drive/01 bass.wav"), ("Lead", 2, "night_drive/02 Lead.wav"), ("kit", 10, "night_drive/03 kit.wav")]
    assert '// rendered: bundle_export(#[bass, lead, kit], 2, synth: "builtin")' in (folder / "snapshot.tj").read_text()


def test_the_mid_is_the_file_midi_export_writes(in_tmp):
    run(SONG + 'bundle_export(#[bass, lead, kit], 2, synth: "builtin"); midi_export(#[bass, lead, kit], 2, "same.mid")')
    _, bundle = the_bundle(in_tmp)
    midi = read_midi(bundle / "night_drive.mid")
    assert (bundle / "night_drive.mid").read_bytes() == (in_tmp / "same.mid").read_bytes()
    assert midi.type == 1 and [midi.track_name(i) for i in (1, 2, 3)] == ["bass", "Lead", "kit"]
    assert midi.metas(0, "set_tempo") == [(0, "set_tempo", 500_000)]
    assert midi.ccs(2) == [(0, 1, 74, 20), (960, 1, 74, 90), (1920, 1, 74, 20), (2880, 1, 74, 90)]


def test_each_stem_holds_its_tracks_notes_starting_within_a_block_of_the_mids_ticks(in_tmp):
    run(SONG + 'bundle_export(#[bass, lead, kit], 2, synth: "builtin")')
    _, bundle = the_bundle(in_tmp)
    score = symusic.Score(str(bundle / "night_drive.mid"))
    for track, stem in zip(score.tracks, ["01 bass.wav", "02 Lead.wav", "03 kit.wav"]):
        wav = read_wav(bundle / stem)
        assert (wav.rate, wav.channels, wav.width, wav.frames) == (44_100, 2, 2, 2 * CYCLE + 2 * 44_100)
        expected = [round(n.time * 44_100 / (1920 * 0.5)) for n in track.notes]
        found = onsets(wav.samples)
        assert len(found) == len(expected), (stem, found, expected)
        assert all(0 <= f - e <= BLOCK for f, e in zip(found, expected)), (stem, found, expected)
    # the ticks themselves: bass at 0 and 960 of each cycle, the lead at 480 and 1440, the kit at 1200
    assert [n.time for n in score.tracks[0].notes] == [0, 960, 1920, 2880]
    assert [n.time for n in score.tracks[1].notes] == [480, 1440, 2400, 3360]
    assert [n.time for n in score.tracks[2].notes] == [1200, 3120]


def test_without_numpy_the_mid_and_readme_are_still_written_and_say_so(in_tmp, monkeypatch):
    def no_numpy() -> None:
        raise AudioError("render() needs numpy, which is not installed", hint="install the audio extra")

    monkeypatch.setattr(bundle_module, "require_numpy", no_numpy)
    path, printed = run(SONG + "bundle_export(#[bass, lead], 1)")
    folder, bundle = the_bundle(in_tmp)
    assert sorted(p.name for p in bundle.iterdir()) == ["README.txt", "night_drive.mid"]
    assert printed == ["warning: no stems: render() needs numpy, which is not installed (install the audio extra)"]
    readme = (bundle / "README.txt").read_text()
    assert "bass   1        none (GM: 1, piano)  not rendered" in readme
    assert "No stems were rendered: render() needs numpy, which is not installed (install the audio extra)" in readme
    assert json.loads((folder / "render.json").read_text())["stems_missing"].startswith("render() needs numpy")
    assert [(n.tick, n.pitch) for n in read_midi(bundle / "night_drive.mid").notes(1)] == [(0, 36), (960, 40)]


def test_a_stem_that_would_clip_alone_is_turned_down_and_the_readme_says_by_how_much(in_tmp):
    run('project("loud"); let pad = MidiTrack(2, 127); pad << [[C2,D2,E2,F2,G2,A2,B2,C3,D3,E3,F3,G3,A3,B3,C4,D4]];'
        ' bundle_export(pad, 1, synth: "builtin")')
    (folder,) = (in_tmp / "renders" / "loud").iterdir()
    record = json.loads((folder / "render.json").read_text())
    gain = record["tracks"][0]["gain_db"]
    assert gain < 0  # by how much depends on the voice the channel plays
    assert f"01 pad.wav (turned down {-gain:g} dB to fit)" in (folder / "loud" / "README.txt").read_text()
    peak = int(np.max(np.abs(read_wav(folder / "loud" / "01 pad.wav").samples.astype(np.int32))))
    assert peak == round(32767 * 10 ** (-1 / 20))


def test_bad_input_writes_nothing(in_tmp):
    from trackjammer.errors import TrackJammerError

    for call, message in [("bundle_export([C4], 0)", "cycles must be a whole number from 1 to 100,000, got 0"),
                          ('bundle_export([C4], 1, synth: "moog")', 'synth must be "auto", "fluidsynth" or "builtin", got "moog"')]:
        with pytest.raises(TrackJammerError) as caught:
            run(call)
        assert str(caught.value) == message
    assert not (in_tmp / "renders").exists()


def test_the_fluidsynth_route_renders_the_stems_too(in_tmp, fluidsynth_ready):
    run(SONG + 'bundle_export(#[bass, lead], 1, synth: "fluidsynth")')
    folder, bundle = the_bundle(in_tmp)
    assert json.loads((folder / "render.json").read_text())["synth"] == "fluidsynth"
    for stem in ("01 bass.wav", "02 Lead.wav"):
        wav = read_wav(bundle / stem)
        assert wav.frames == CYCLE + 2 * 44_100 and wav.rms(0, CYCLE) > 0
    lead = read_wav(bundle / "02 Lead.wav")
    assert lead.rms(0, 22_050 - BLOCK) < lead.rms(22_050, 22_050 + 11_025) / 100  # silent before its first note
