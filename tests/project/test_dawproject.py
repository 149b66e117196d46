"""daw_export: a .dawproject holding what midi_export writes (issue 18).

Every file is validated against the format's official schemas (the XSDs in
../shared/vendor/dawproject, or $TJ_DAWPROJECT_SCHEMAS) and read back by
tests/support/dawproject_reader.py, which knows nothing of the writer. The
notes and automation are compared, to the tick, with the .mid midi_export
writes of the same tracks, read by symusic.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
import symusic

import trackjammer.core  # noqa: F401
import trackjammer.version
from trackjammer.errors import TrackJammerError
from trackjammer.lang.evaluator import Interpreter
from trackjammer.session import Session

from tests.support.dawproject_reader import read_dawproject, schemas
from tests.support.smf_reader import read_smf

SONG = """
let bass = MidiTrack(1, 80); bass << [C2 ~ E2 G2];
let lead = MidiTrack(2, 110, name: "Lead ä"); lead << [C5 [E5 G5 B5]]; lead.cc(74) << [0 64 127]; lead.gate(1/2);
"""


@pytest.fixture
def run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.chdir(tmp_path)
    session = Session()
    out: list[str] = []
    session.out = out.append

    def run(source: str):
        return Interpreter(session).execute(source)

    run.out = out
    run.session = session
    return run


def validate(path: Path) -> None:
    """Both XML files against the official schemas; skipped where they are absent."""
    folder = schemas()
    if folder is None:
        pytest.skip("the DAWproject schemas are not here: ../shared/vendor/dawproject beside the repository"
                    " (or set TJ_DAWPROJECT_SCHEMAS to a folder holding Project.xsd and MetaData.xsd)")
    import xmlschema  # a test dependency (pyproject.toml [test]); imported here so the skip above can happen first

    with zipfile.ZipFile(path) as archive:
        xmlschema.XMLSchema(str(folder / "Project.xsd")).validate(archive.read("project.xml").decode("utf-8"))
        xmlschema.XMLSchema(str(folder / "MetaData.xsd")).validate(archive.read("metadata.xml").decode("utf-8"))


def ticks(beats: float) -> int:
    exact = beats * 480
    assert abs(exact - round(exact)) < 1e-6, f"{beats} beats is not a whole tick"
    return round(exact)


def notes_in_ticks(track) -> list[tuple[int, int, int, int, int]]:
    return sorted((ticks(n.time), ticks(n.duration), n.key, round(n.velocity * 127), n.channel) for n in track.notes)


def test_the_notes_tempo_and_tracks_are_those_of_the_mid(run, tmp_path):
    run(SONG + 'cps(0.55); midi_export(#[bass, lead], 2, "song.mid"); daw_export(#[bass, lead], 2, "song.dawproject")')
    validate(tmp_path / "song.dawproject")
    daw = read_dawproject(tmp_path / "song.dawproject")
    assert sorted(daw.files) == ["metadata.xml", "project.xml"]
    assert daw.application == ("TrackJammer", trackjammer.version.__version__)
    assert daw.tempo == 132.0 and daw.time_signature == (4, 4) and daw.time_unit == "beats"
    assert [(t.name, t.comment) for t in daw.tracks] == [("bass", "MIDI channel 1"), ("Lead ä", "MIDI channel 2")]
    assert daw.track("bass").clips == [(0.0, 8.0)] and daw.track("Lead ä").clips == [(0.0, 8.0)]
    assert notes_in_ticks(daw.track("bass")) == [
        (0, 480, 36, 80, 0), (960, 480, 40, 80, 0), (1440, 480, 43, 80, 0),
        (1920, 480, 36, 80, 0), (2880, 480, 40, 80, 0), (3360, 480, 43, 80, 0),
    ]
    assert notes_in_ticks(daw.track("Lead ä"))[:4] == [
        (0, 480, 72, 110, 1), (960, 160, 76, 110, 1), (1280, 160, 79, 110, 1), (1600, 160, 83, 110, 1),
    ]
    score = symusic.Score(str(tmp_path / "song.mid"))
    from_mid = [sorted((n.time, n.duration, n.pitch, n.velocity) for n in t.notes) for t in score.tracks]
    assert [[n[:4] for n in notes_in_ticks(track)] for track in daw.tracks] == from_mid  # in track order


def test_cc_lanes_are_automation_points_at_the_ticks_and_values_of_the_mid(run, tmp_path):
    run(SONG + 'lead.cc(1) << Saw(1); midi_export(lead, 1, "lead.mid"); daw_export(lead, 1, "lead.dawproject")')
    validate(tmp_path / "lead.dawproject")
    lead = read_dawproject(tmp_path / "lead.dawproject").track("Lead ä")
    assert sorted(lead.automation) == [("channelController", 1, 1), ("channelController", 1, 74)]
    assert [(ticks(t), round(float(v) * 127)) for t, v in lead.automation["channelController", 1, 74]] == [
        (0, 0), (640, 64), (1280, 127)]
    saw = [(ticks(t), round(float(v) * 127)) for t, v in lead.automation["channelController", 1, 1]]
    (track,) = symusic.Score(str(tmp_path / "lead.mid")).tracks
    assert saw == [(c.time, c.value) for c in track.controls if c.number == 1]
    assert len(saw) == 127 and saw[:3] == [(0, 0), (15, 1), (30, 2)]


MPE_PHRASE = """cps(1/2); let mpe = MpeTrack(members: 2, bend_range: 48); mpe << [C4 E4];
mpe.note_bend << [0 12 -12 0]; mpe.timbre << [64 127]; mpe.note_pressure << [30 60 90 120]; mpe.cc(1) << [5];
"""


def test_an_mpe_tracks_per_note_bends_timbre_and_pressure_are_expressions_inside_its_notes(run, tmp_path):
    run(MPE_PHRASE + 'daw_export(mpe, 1, "mpe.dawproject"); midi_export(mpe, 1, "mpe.mid")')
    validate(tmp_path / "mpe.dawproject")
    mpe = read_dawproject(tmp_path / "mpe.dawproject").track("mpe")
    c4, e4 = mpe.notes
    assert (c4.time, c4.duration, c4.key, c4.channel, c4.velocity) == (0.0, 2.0, 60, 1, 100 / 127)  # member channels 2, 3
    assert (e4.time, e4.duration, e4.key, e4.channel, e4.velocity) == (2.0, 2.0, 64, 2, 100 / 127)
    assert c4.expressions == {  # times in beats from the note's start
        "transpose": ("semitones", [(0.0, 0.0), (1.0, 12.0)]),
        "timbre": ("normalized", [(0.0, 64 / 127)]),
        "pressure": ("normalized", [(0.0, 30 / 127), (1.0, 60 / 127)]),
    }
    assert e4.expressions == {
        "transpose": ("semitones", [(0.0, -12.0), (1.0, 0.0)]),
        "timbre": ("normalized", [(0.0, 1.0)]),
        "pressure": ("normalized", [(0.0, 90 / 127), (1.0, 120 / 127)]),
    }
    # the zone's announcement (RPNs on channels 1-3) and the member channels' CC 74 are not track automation
    assert mpe.automation == {("channelController", 0, 1): [(0.0, repr(5 / 127))]}
    # every point is a message of the .mid, on the note's channel, at its tick
    mid = [e for track in read_smf(tmp_path / "mpe.mid").tracks for e in track]
    for note in (c4, e4):
        for expression, (_, points) in note.expressions.items():
            for beat, value in points:
                tick = ticks(note.time + beat)
                if expression == "transpose":
                    (found,) = [(lsb | msb << 7) for t, kind, channel, lsb, msb, *_ in
                                (e for e in mid if e[1] == "pitchwheel") if t == tick and channel == note.channel]
                    assert (found - 8192) / 8192 * 48 == value
                else:
                    kind, index = ("control_change", 3) if expression == "timbre" else ("aftertouch", 3)
                    (found,) = [e for e in mid if e[:3] == (tick, kind, note.channel)
                                and (expression != "timbre" or e[3] == 74)]
                    assert found[index if expression == "pressure" else 4] / 127 == value


def test_one_expression_is_one_timeline_in_the_note_and_plain_tracks_have_none(run, tmp_path):
    run('let mpe = MpeTrack(members: 3, bend_range: 24); mpe << [[C4, G4] ~]; mpe.note_bend << [0.5];'
        ' let keys = MidiTrack(5); keys << [C3 D3]; daw_export(#[mpe, keys], 1, "two.dawproject")')
    validate(tmp_path / "two.dawproject")
    daw = read_dawproject(tmp_path / "two.dawproject")
    bend = 171 / 8192 * 24  # half a semitone of 24 is bend 8192 + 171 (170.67, rounded): what the synth hears
    assert bend == 0.5009765625
    assert [(n.key, n.channel, n.expressions) for n in daw.track("mpe").notes] == [
        (60, 1, {"transpose": ("semitones", [(0.0, bend)])}), (67, 2, {"transpose": ("semitones", [(0.0, bend)])})]
    assert [n.expressions for n in daw.track("keys").notes] == [{}, {}]
    with zipfile.ZipFile(tmp_path / "two.dawproject") as archive:
        project = archive.read("project.xml").decode("utf-8")
    assert project.count("<Lanes id=") == 0 and project.count('<Target expression="transpose" />') == 2


def test_metadata_comes_from_meta(run, tmp_path):
    run(SONG + 'meta(title: "Night Drive", author: "Ada <&> Bo", key: "D minor", notes: "take 3");'
        ' daw_export(bass, 1, "m.dawproject")')
    validate(tmp_path / "m.dawproject")
    assert read_dawproject(tmp_path / "m.dawproject").meta == {
        "Title": "Night Drive", "Artist": "Ada <&> Bo", "Comment": "key: D minor\ntake 3"}


def test_a_pattern_is_one_track_on_channel_1_and_the_time_signature_follows_beats_per_cycle(run, tmp_path):
    run('beats_per_cycle(3); bpm(90); daw_export([C4 E4 G4], 2, "p.dawproject")')
    validate(tmp_path / "p.dawproject")
    daw = read_dawproject(tmp_path / "p.dawproject")
    assert daw.tempo == 90.0 and daw.time_signature == (3, 4) and daw.meta == {}
    (track,) = daw.tracks
    assert track.name == "channel 1" and track.clips == [(0.0, 6.0)]
    assert notes_in_ticks(track) == [(i * 480, 480, key, 100, 0) for i, key in enumerate([60, 64, 67] * 2)]


def test_an_automatic_export_gets_a_render_folder_and_its_snapshot_gives_the_same_bytes(run, tmp_path):
    path = run(SONG + 'project("night"); daw_export(#[bass, lead], 4)')
    folder = (tmp_path / path).parent
    assert path.startswith("renders/night/") and path.endswith("/export.dawproject")
    assert sorted(p.name for p in folder.iterdir()) == ["export.dawproject", "render.json", "snapshot.tj"]
    validate(tmp_path / path)
    record = json.loads((folder / "render.json").read_text())
    assert (record["kind"], record["file"], record["cycles"], record["beats"], record["bpm"]) == (
        "daw_export", "export.dawproject", 4, 16, 120)
    assert record["tracks"] == [{"name": "bass", "channel": 1, "program": None},
                                {"name": "Lead ä", "channel": 2, "program": None}]
    snapshot = (folder / "snapshot.tj").read_text()
    assert "// rendered: daw_export(#[bass, lead], 4)" in snapshot
    again = Session(out=lambda text: None)
    Interpreter(again).execute(snapshot)
    second = Interpreter(again).execute("daw_export(#[bass, lead], 4)")
    assert (tmp_path / second).read_bytes() == (tmp_path / path).read_bytes()


def test_a_file_already_there_is_kept_aside_and_a_wrong_suffix_is_refused(run, tmp_path):
    run('daw_export([C4], 1, "s.dawproject")')
    first = (tmp_path / "s.dawproject").read_bytes()
    run('daw_export([D4], 1, "s.dawproject")')
    assert run.out[-1] == "kept the previous s.dawproject as s.1.dawproject"
    assert (tmp_path / "s.1.dawproject").read_bytes() == first
    assert notes_in_ticks(read_dawproject(tmp_path / "s.dawproject").tracks[0]) == [(0, 1920, 62, 100, 0)]
    with pytest.raises(TrackJammerError) as caught:
        run('daw_export([C4], 1, "s.mid")')
    assert str(caught.value) == "daw_export writes a .dawproject file, not s.mid"
    assert caught.value.hint == 'daw_export(bass, 4, "s.dawproject")'
    with pytest.raises(TrackJammerError) as caught:
        run("daw_export([C4], 0)")
    assert str(caught.value) == "cycles must be a whole number from 1 to 100,000, got 0"
    assert not (tmp_path / "renders").exists() and not (tmp_path / "s.mid").exists()


def test_the_reader_sees_a_note_in_a_later_clip_at_its_place():
    """The reader is not the writer's mirror: it adds clip times, as the format says."""
    import io

    xml = b"""<?xml version="1.0" encoding="UTF-8"?>
<Project version="1.0"><Application name="x" version="1"/>
<Transport><Tempo unit="bpm" value="100"/><TimeSignature numerator="4" denominator="4"/></Transport>
<Structure><Track id="a" name="t"/></Structure>
<Arrangement><Lanes timeUnit="beats"><Lanes track="a"><Clips><Clip time="4.0">
<Notes><Note time="0.5" duration="1" channel="2" key="60" vel="0.5"/></Notes></Clip></Clips></Lanes></Lanes></Arrangement>
</Project>"""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("project.xml", xml)
        archive.writestr("metadata.xml", b"<MetaData/>")
    daw = read_dawproject(io.BytesIO(buffer.getvalue()))
    assert daw.track("t").notes[0].time == 4.5 and daw.track("t").notes[0].channel == 2
