"""midi_import: one track of a .mid file as a pattern (issue 18).

Files are written two ways: by mido (independent of our encoder, with a
resolution, tempo and time signature of its own) and by midi_export (a
round trip). Times are checked as exact fractions of a cycle; a clip
played by a track and exported again gives the file's notes back, read by
symusic.
"""

from __future__ import annotations

from fractions import Fraction as F
from pathlib import Path

import mido
import pytest
import symusic

import trackjammer.core  # noqa: F401
from trackjammer.errors import TrackJammerError
from trackjammer.lang.evaluator import Interpreter
from trackjammer.project.snapshot import snapshot_source
from trackjammer.session import Session


@pytest.fixture
def run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.chdir(tmp_path)
    out: list[str] = []
    session = Session(out=out.append)

    def run(source: str):
        return Interpreter(session).execute(source)

    run.out, run.session = out, session
    return run


def events(pattern, cycles: int = 1) -> list[tuple]:
    """(begin, end, note, velocity) of each onset, by time then note."""
    found = [e for e in pattern.query_span(0, cycles, 0) if e.whole is not None and e.whole.begin == e.part.begin]
    return sorted((e.whole.begin, e.whole.end, e.value.note, e.value.velocity) for e in found)


def write_clip(path: Path, ppqn: int = 96, numerator: int = 3) -> None:
    """A Type 1 file written by mido: a conductor (100 BPM, 3/4), a named track
    of notes (a note-on of velocity 0 as note-off, one pitch twice at once, a
    chord, one note never ended), and a track with no notes."""
    midi = mido.MidiFile(type=1, ticks_per_beat=ppqn)
    midi.tracks.append(mido.MidiTrack([
        mido.MetaMessage("set_tempo", tempo=600_000, time=0),
        mido.MetaMessage("time_signature", numerator=numerator, denominator=4, time=0),
    ]))
    on = lambda note, velocity, time: mido.Message("note_on", channel=4, note=note, velocity=velocity, time=time)  # noqa: E731
    off = lambda note, time: mido.Message("note_off", channel=4, note=note, velocity=0, time=time)  # noqa: E731
    midi.tracks.append(mido.MidiTrack([
        mido.MetaMessage("track_name", name="riff", time=0),
        on(60, 90, 0), on(60, 0, 48),  # 0 .. 48: half a beat, ended by a note-on of velocity 0
        on(64, 70, 48), on(67, 71, 0), off(64, 96), off(67, 0),  # a chord of one beat at tick 96
        on(72, 127, 0), on(72, 10, 24), off(72, 24), off(72, 24),  # the same pitch twice: the first ends first
        on(48, 50, 0),  # never ended: ends with its track
        mido.MetaMessage("end_of_track", time=24),
    ]))
    midi.tracks.append(mido.MidiTrack([mido.MetaMessage("track_name", name="empty", time=0)]))
    midi.save(str(path))


def test_ticks_become_exact_cycles_at_the_files_resolution_and_beats_per_cycle(run, tmp_path):
    write_clip(tmp_path / "clip.mid")
    riff = run('beats_per_cycle(3); midi_import("clip.mid")')
    quarter = F(1, 3)  # 96 ticks, with 3 beats a cycle
    assert events(riff) == [
        (0, quarter / 2, 60, 90),
        (quarter, 2 * quarter, 64, 70), (quarter, 2 * quarter, 67, 71),
        (2 * quarter, 2 * quarter + quarter / 2, 72, 127),
        (2 * quarter + quarter / 4, 2 * quarter + quarter * 3 / 4, 72, 10),
        (F(11, 12), 1, 48, 50),
    ]
    assert run.out == [
        "clip.mid, track 1 (riff): 6 notes over 1 cycle of 3 beats (the file: 100 BPM, 3/4)",
        "[C4^90@2 ~@2 [E4^70,G4^71]@4 C5^127@2 ~ C3^50, ~@9 C5^10@2 ~]",
    ]


def test_with_four_beats_a_cycle_the_same_clip_is_longer_than_a_cycle_and_slowed_to_two(run, tmp_path):
    write_clip(tmp_path / "clip.mid")
    riff = run('midi_import("clip.mid", track: "riff")')
    assert run.out[0] == "clip.mid, track 1 (riff): 6 notes over 1 cycle of 4 beats (the file: 100 BPM, 3/4)"
    assert events(riff)[0] == (0, F(1, 8), 60, 90) and events(riff)[-1] == (F(11, 16), F(3, 4), 48, 50)
    assert run.out[1] == "[C4^90@2 ~@2 [E4^70,G4^71]@4 C5^127@2 ~ C3^50 ~@4, ~@9 C5^10@2 ~@5]"


def test_a_clip_longer_than_a_cycle_is_slowed_and_a_repeating_one_shortened(run, tmp_path):
    run("let bass = MidiTrack(1, 80); bass << [C2 ~ E2 [G2,B2]]; let lead = MidiTrack(2, 110, name: \"Lead\");"
        " lead << [C5 <E5 G5>]; midi_export(#[bass, lead], 4, \"song.mid\")")
    run.out.clear()
    bass = run('midi_import("song.mid")')
    assert run.out == ["song.mid, track 1 (bass): 4 notes over 1 cycle of 4 beats (the file: 120 BPM, 4/4)",
                       "[C2^80 ~ E2^80 [G2^80,B2^80]]"]
    assert events(bass) == [(0, F(1, 4), 36, 80), (F(1, 2), F(3, 4), 40, 80), (F(3, 4), 1, 43, 80), (F(3, 4), 1, 47, 80)]
    lead = run("midi_import(\"song.mid\", track: 2)")
    assert run.out[-2:] == ["song.mid, track 2 (Lead): 4 notes over 2 cycles of 4 beats (the file: 120 BPM, 4/4)",
                            "[[C5^110 E5^110 C5^110 G5^110]/2]"]
    assert events(lead, 4) == events(run("[C5^110 <E5^110 G5^110>]"), 4)


def test_a_clip_played_by_a_track_exports_the_files_notes_again(run, tmp_path):
    run("let lead = MidiTrack(3, 100); lead << [C4 [E4 G4]*2 ~ <B4 A4>^60]; lead.gate(3/4);"
        " midi_export(lead, 2, \"in.mid\")")
    run('let t = MidiTrack(3); t << midi_import("in.mid"); midi_export(t, 2, "out.mid")')
    notes = [[(n.time, n.duration, n.pitch, n.velocity) for n in track.notes]
             for name in ("in.mid", "out.mid") for track in symusic.Score(str(tmp_path / name)).tracks]
    assert notes[0] == notes[1] and len(notes[0]) == 12
    assert notes[0][:3] == [(0, 360, 60, 100), (480, 90, 64, 100), (600, 90, 67, 100)]


def test_a_snapshot_writes_the_imported_pattern_back_without_the_file(run, tmp_path):
    write_clip(tmp_path / "clip.mid")
    run('beats_per_cycle(3); let riff = midi_import("clip.mid"); let t = MidiTrack(2); t << riff.fast(2)')
    source = snapshot_source(run.session)
    assert "let riff = [C4^90@2 ~@2 [E4^70,G4^71]@4 C5^127@2 ~ C3^50, ~@9 C5^10@2 ~];" in source
    (tmp_path / "clip.mid").unlink()
    again = Session(out=lambda text: None)
    Interpreter(again).execute(source)
    assert events(again.names["riff"]) == events(run.session.names["riff"])
    assert events(again.names["t"].notes, 2) == events(run.session.names["t"].notes, 2)


def test_a_type_0_file_is_its_one_track_every_channel_kept_in_its_notes(run, tmp_path):
    run("let a = MidiTrack(1); a << [C4 D4]; let b = MidiTrack(2); b << [E4]; midi_export(#[a, b], 1, \"z.mid\", type: 0)")
    merged = run('midi_import("z.mid")')
    assert events(merged) == [(0, F(1, 2), 60, 100), (0, 1, 64, 100), (F(1, 2), 1, 62, 100)]


@pytest.mark.parametrize("call, message, hint", [
    ('midi_import("nope.mid")', "there is no file nope.mid", "give the path of a .mid file"),
    ('midi_import("text.mid")', "cannot read text.mid as a MIDI file: ", "a Standard MIDI File"),
    ('midi_import("clip.mid", track: 2)', "clip.mid has 1 track with notes, so there is no track 2",
     "its tracks with notes: 1 (riff)"),
    ('midi_import("clip.mid", track: "empty")', "clip.mid has no track named 'empty' that holds notes",
     "its tracks with notes: 1 (riff)"),
    ('midi_import("clip.mid", track: 1.5)', "track must be a number from 1 or a track's name, got ", "its tracks"),
    ('midi_import("none.mid")', "none.mid holds no notes", "export a clip with notes"),
    ("midi_import(3)", "the path must be a file name in quotes", 'midi_import("clip.mid")'),
])
def test_bad_input_is_refused_with_the_reason_and_a_hint(run, tmp_path, call, message, hint):
    write_clip(tmp_path / "clip.mid")
    (tmp_path / "text.mid").write_text("not a MIDI file\n")
    mido.MidiFile(type=0, tracks=[mido.MidiTrack()]).save(str(tmp_path / "none.mid"))
    with pytest.raises(TrackJammerError) as caught:
        run(f"let x = {call}")
    assert str(caught.value).startswith(message) and caught.value.hint.startswith(hint)
    assert (caught.value.line, caught.value.column) == (1, 9)
    assert "x" not in run.session.names


def test_a_track_of_more_than_10000_notes_is_refused_before_it_is_read_as_text(run, tmp_path):
    track = mido.MidiTrack()
    for _ in range(10_001):
        track += [mido.Message("note_on", note=60, velocity=100, time=0), mido.Message("note_off", note=60, time=10)]
    mido.MidiFile(type=0, tracks=[track]).save(str(tmp_path / "long.mid"))
    with pytest.raises(TrackJammerError) as caught:
        run('midi_import("long.mid")')
    assert str(caught.value) == "track 1 of long.mid has 10,001 notes; midi_import takes at most 10,000"
    assert caught.value.hint == "split the clip in your DAW and import the parts"
