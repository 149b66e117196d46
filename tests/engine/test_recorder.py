"""The recorder on a fake clock: what is sent is what recording.mid holds.

Each test runs in its own empty folder (tests/engine/conftest.py), so the
take lands in ./renders/untitled/<datetime>/. Files are read back with the
three readers of tests/midi/conftest.py (our byte reader, mido, symusic).
"""

from __future__ import annotations

import json
import os
import time
from fractions import Fraction as F
from pathlib import Path

import pytest

from tests.engine.test_scheduler import Rig
from tests.midi.conftest import read_midi
from trackjammer.engine import journal
from trackjammer.engine import recorder
from trackjammer.engine.recorder import FLUSH_SECONDS, SYNC_SECONDS
from trackjammer.midi.output import MemoryOutput
from trackjammer.project.takes import recover_unfinished

SONG = """cps(1);
let a = MidiTrack(1); a << [C4 [E4 G4]](3,8); a.cc(74) << Sine(1);
let b = MidiTrack(2, 90, name: "Bass"); b << [C2 ~ C2@2].gate(1/2); b.vel << [60 100];
"""


def takes(base: Path = Path(".")) -> list[Path]:
    return sorted((base / "renders").glob("*/*/"))


def eventually(check, seconds: float = 5.0):
    """Wait for the writer thread (its period is FLUSH_SECONDS; a loaded
    machine may delay it: the SIGKILL test over JACK checks the real loss)."""
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "the writer thread did not get there"
        time.sleep(FLUSH_SECONDS / 4)


def journal_lines() -> list[str]:
    found = list(Path(".").glob(f"renders/*/*/{journal.JOURNAL}"))
    return list(journal.complete_lines(found[0])) if found else []


def the_recording(base: Path = Path(".")):
    (folder,) = takes(base)
    return read_midi(folder / "recording.mid"), json.loads((folder / "render.json").read_text())


def test_a_take_holds_exactly_what_an_export_of_the_same_cycles_holds(tmp_path):
    rig = Rig(SONG, cps=1)
    rig.start(until=2)
    rig.play_until(F(21, 10))
    rig.engine.stop()
    rig.engine.recorder.wait()  # stop() writes the take in the background
    rig.run('midi_export(#[a, b], 2, "export.mid")')
    recording, info = the_recording()
    export = read_midi(tmp_path / "export.mid")
    assert len(recording.tracks) == 3  # the conductor and one track per channel
    for track in (1, 2):
        assert recording.channel_events(track) == export.channel_events(track)
        assert recording.notes(track) == export.notes(track)
    assert [recording.track_name(1), recording.track_name(2)] == ["a", "Bass"]
    assert recording.metas(0, "set_tempo") == export.metas(0, "set_tempo") == [(0, "set_tempo", 250_000)]
    assert recording.metas(0, "time_signature") == [(0, "time_signature", 4, 4)]
    assert info["kind"] == "recording" and info["recovered"] is False
    assert (info["start_cycle"], info["end_cycle"], info["end_tick"]) == ("0", "21/10", 4032)
    assert recording.end(0) == recording.end(1) == recording.end(2) == 4032  # the take ends where it stopped
    assert info["tracks"] == [{"channel": 1, "name": "a"}, {"channel": 2, "name": "Bass"}]
    assert info["messages"] == len(recording.channel_events(1)) + len(recording.channel_events(2))
    assert rig.said == [f"recorded: {takes()[0]}/recording.mid"]


def test_a_tempo_change_becomes_a_tempo_change_at_its_tick():
    rig = Rig("cps(1); let a = MidiTrack(1); a << [C4 E4]", cps=1)
    rig.start()
    rig.play_until(F(5, 4))
    rig.run("cps(2)")
    rig.play_until(F(5, 2))
    rig.run("bpm(60)")  # cps 1/4
    rig.play_until(3)
    rig.engine.stop()
    rig.engine.recorder.wait()
    recording, info = the_recording()
    assert recording.metas(0, "set_tempo") == [(0, "set_tempo", 250_000), (2400, "set_tempo", 125_000),
                                               (4800, "set_tempo", 1_000_000)]
    assert info["tempo_changes"] == 2
    ons = [e[0] for e in recording.channel_events(1) if e[1] == "note_on"]
    assert ons == [0, 960, 1920, 2880, 3840, 4800]  # musical time is untouched by tempo


def test_stop_and_hush_record_their_note_offs_where_they_happened():
    rig = Rig("cps(1); let a = MidiTrack(1); a << [C4]; let b = MidiTrack(2); b << [C3]", cps=1)
    rig.start()
    rig.play_until(F(1, 4))
    rig.engine.hush()  # both notes end at 1/4
    rig.run("a << [E4]")
    rig.play_until(F(3, 2))
    rig.engine.stop()  # E4 ends at 3/2
    rig.engine.recorder.wait()
    recording, _ = the_recording()
    assert [(n.tick, n.duration, n.pitch) for n in recording.notes(1)] == [(0, 480, 60), (1920, 960, 64)]
    assert [(n.tick, n.duration, n.pitch) for n in recording.notes(2)] == [(0, 480, 48)]
    assert recording.end(1) == 2880


def test_panic_and_close_are_recorded_with_their_all_notes_off():
    rig = Rig("cps(1); let a = MidiTrack(3); a << [C4]", cps=1)
    rig.engine.output = MemoryOutput()  # a real Output: panic sends CC 123 on each channel used
    rig.start()
    rig.play_until(F(1, 2))
    rig.engine.panic()
    rig.play_until(F(3, 2))
    rig.engine.close()
    recording, _ = the_recording()
    events = recording.channel_events(1)
    assert events == [
        (0, "note_on", 2, 60, 100), (960, "note_off", 2, 60, 0), (960, "control_change", 2, 123, 0),
        (1920, "note_on", 2, 60, 100), (2880, "note_off", 2, 60, 0), (2880, "control_change", 2, 123, 0),
    ]
    sent = [data for _, data in rig.engine.output.sent]
    assert sent == [bytes(b) for b in ([0x92, 60, 100], [0x82, 60, 0], [0xB2, 123, 0], [0x82, 60, 0],
                                       [0x92, 60, 100], [0x82, 60, 0], [0xB2, 123, 0])]  # a note-off of no note is left out


def test_a_take_of_whole_cycles_is_the_export_of_them_byte_for_byte(tmp_path):
    """One encoder writes both (midi/encoder.py): same tracks, names, ticks, order, end."""
    rig = Rig(SONG, cps=1)
    rig.start(until=2)
    rig.play_until(F(2))
    rig.engine.stop()
    rig.engine.recorder.wait()
    rig.run('midi_export(#[a, b], 2, "export.mid")')
    (folder,) = takes()
    recorded = (folder / "recording.mid").read_bytes()
    assert recorded == (tmp_path / "export.mid").read_bytes()
    assert len(recorded) > 400 and read_midi(folder / "recording.mid").end(1) == 3840


def test_midi_clock_is_not_recorded_and_a_silent_take_leaves_nothing():
    rig = Rig("cps(1); let a = MidiTrack(1)", cps=1)
    rig.engine.clock_out(True)
    rig.start()
    rig.play_until(2)
    rig.engine.stop()
    rig.engine.recorder.wait()
    assert any(data[0] == 0xF8 for _, data in rig.output.sent)  # the clock ticked …
    assert takes() == [] and rig.said == []  # … but nothing was played, so nothing is kept


def test_start_while_playing_finishes_the_take_and_begins_another():
    rig = Rig("cps(1); let a = MidiTrack(1); a << [C4*2]", cps=1)
    rig.start()
    rig.play_until(F(3, 4))
    rig.start()
    rig.play_until(F(1, 2))
    rig.engine.stop()
    rig.engine.recorder.wait()
    folders = takes()
    assert len(folders) == 2
    notes = sorted([n.tick for n in read_midi(folder / "recording.mid").notes(1)] for folder in folders)
    assert notes == [[0], [0, 960]]  # within one second, which take's folder gets the "_2" is not fixed
    assert sorted(rig.said) == sorted(f"recorded: {folder}/recording.mid" for folder in folders)


def test_the_journal_is_on_the_disk_while_playing():
    rig = Rig("cps(1); let a = MidiTrack(1); a << [C4 E4 G4 B4]", cps=1)
    rig.start()
    rig.play_until(1)
    sent = [bytes(data).hex() for _, data in rig.output.sent]
    eventually(lambda: len(journal_lines()) == 2 + len(sent))
    (folder,) = takes()
    lines = journal_lines()
    assert lines[0].startswith(journal.MAGIC)
    assert lines[1] == 'n 0 "a"'
    times = ["0", "1/4", "1/4", "1/2", "1/2", "3/4", "3/4", "1", "1"]
    assert [line.split(" ") for line in lines[2:]] == [["m", t, "0", data] for t, data in zip(times, sent)]
    assert len(sent) == 9
    rig.engine.stop()
    rig.engine.recorder.wait()
    assert not (folder / journal.JOURNAL).exists()



def test_the_journal_is_written_every_period_and_synced_to_the_disk_every_quarter_second(monkeypatch):
    """Written every FLUSH_SECONDS (a process death), synced every
    SYNC_SECONDS (a power cut, as recording.md promises): an fsync ten
    times a second was most of the writer thread's CPU."""
    synced: list[float] = []
    real_fsync = os.fsync
    monkeypatch.setattr(recorder.os, "fsync", lambda fd: (synced.append(time.monotonic()), real_fsync(fd))[1])
    rig = Rig("cps(1); let a = MidiTrack(1); a << [C4 E4 G4 B4]", cps=1)
    rig.start()
    rig.play_until(1)
    eventually(lambda: len(journal_lines()) == 2 + 9)  # written within a period or so
    written = time.monotonic()
    for step in range(1, 21):  # a second of playing: something new to write in every period
        rig.play_until(1 + F(step, 4))
        time.sleep(0.05)
    during = [t for t in synced if t >= written]
    eventually(lambda: len(journal_lines()) == 2 + 9 + 20 * 2)
    assert 1 <= len(during) <= 1.0 / SYNC_SECONDS + 1  # 10 when each period synced
    assert all(b - a >= SYNC_SECONDS * 0.9 for a, b in zip(during, during[1:]))
    before = len(synced)
    rig.engine.stop()
    rig.engine.recorder.wait()
    assert len(synced) > before  # the take's end is synced at once


def test_while_the_sending_process_journals_the_writer_wakes_to_sync_and_for_what_it_writes_itself():
    """With a sending process, every message is journaled by that process:
    the writer has nothing of its own to write, so it wakes only to sync
    (it woke ten times a second); a message played in, which is its own to
    write, wakes it at once."""
    from trackjammer.engine.sender import Sender
    from trackjammer.project.takes import RenderTakes
    from trackjammer.session import Session

    writes: list[tuple[object, float]] = []  # (the take, when)
    sender = Sender.launch()
    recording = recorder.Recorder(Session(out=lambda text: None), lambda text: None, lambda: 0.0,
                                  lambda number: "a", takes=RenderTakes())
    recording.relay = sender
    try:
        recording.begin(F(0), F(1))
        # Its own writes only, counted on the take, not on the class: writer threads other tests left
        # run Take._write too, and a class attribute swapped under running threads crashed CPython 3.11
        # (its method caches kept the old function, freed when the test put the class back)
        ours = recording._take
        real_write = ours._write
        ours._write = lambda: (writes.append((ours, time.monotonic())), real_write())[1]
        start = time.monotonic()
        while time.monotonic() - start < 1.2:  # 8 tracks of 16ths, as the sending process reports them
            recording.sent_elsewhere(1)
            time.sleep(0.02)
        during = [t for one, t in writes if one is ours and t >= start + 0.2]  # after the first (the track's name)
        assert len(during) <= 1.0 / SYNC_SECONDS + 1  # 10 when it woke every FLUSH_SECONDS
        for k in range(3):
            synced = len([one for one, _ in writes if one is ours])
            eventually(lambda: len([one for one, _ in writes if one is ours]) > synced)  # it just synced
            played = time.monotonic()  # its next sync is 250 ms away
            recording.record_input(F(k), bytes([0x90, 64, 80]), 1, "keys")
            eventually(lambda: sum(line.startswith("i ") for line in journal_lines()) == k + 1)
            assert time.monotonic() - played < 0.2  # woken by it
    finally:
        recording.finish()
        sender.close()


def test_what_the_sending_process_journaled_is_told_to_the_take_once_a_track_and_named_once(tmp_path, monkeypatch):
    """Its reports come with every message (200 a second at 8 tracks); the
    take needs only each track's name, and that it played: one entry a
    track, not one a message."""
    from trackjammer.project.takes import RenderTakes
    from trackjammer.session import Session

    monkeypatch.chdir(tmp_path)
    recording = recorder.Recorder(Session(out=lambda text: None), lambda text: None, lambda: 0.0,
                                  lambda number: f"track {number}", takes=RenderTakes())
    recording.begin(F(0), F(1))
    take = recording._take
    appended = []

    class Counted(type(take.queue)):
        def append(self, entry):
            appended.append(entry)
            super().append(entry)

    take.queue = Counted()
    try:
        for _ in range(100):
            recording.sent_elsewhere(1)
            recording.sent_elsewhere(2)
        assert appended == [(None, recorder.ELSEWHERE, 1), (None, recorder.ELSEWHERE, 2)]
        eventually(lambda: [line for line in journal_lines() if line.startswith("n ")] == ['n 1 "track 1"', 'n 2 "track 2"'])
    finally:
        recording.finish(at=F(4))


def test_an_unfinished_journal_is_recovered_with_a_message(tmp_path):
    folder = tmp_path / "renders" / "song" / "2026-11-22_01-00-00"
    folder.mkdir(parents=True)
    (folder / journal.JOURNAL).write_text(
        journal.header_line({"project": "song", "beats_per_cycle": 4, "start": "0", "cps": "1/2", "started": "x"})
        + 'n 0 "bass"\n' + "m 0 0 903064\n" + "t 1/2 1\n" + "m 1/2 0 803000\n" + "m 1 0 903e64\n"
        + "m 5/4 0 8"  # cut by the crash
    )
    said: list[str] = []
    assert recover_unfinished(base=tmp_path, report=said.append) == [folder / "recording.mid"]
    assert said == ["recovered a take that was not finished (TrackJammer ended while recording): "
                    "renders/song/2026-11-22_01-00-00/recording.mid"]
    midi = read_midi(folder / "recording.mid")
    assert [(n.tick, n.duration, n.pitch) for n in midi.notes(1)] == [(0, 960, 48), (1920, 1, 62)]
    assert midi.channel_events(1)[-1] == (1921, "note_off", 0, 62, 0)  # a note the crash left on ends after a tick
    assert midi.end(1) == midi.end(0) == 1921
    assert midi.metas(0, "set_tempo") == [(0, "set_tempo", 500_000), (960, "set_tempo", 250_000)]
    assert midi.track_name(1) == "bass"
    assert json.loads((folder / "render.json").read_text())["recovered"] is True
    assert not (folder / journal.JOURNAL).exists()
    assert recover_unfinished(base=tmp_path, report=said.append) == [] and len(said) == 1


def test_a_journal_still_being_written_is_left_alone(tmp_path):
    rig = Rig("cps(1); let a = MidiTrack(1); a << [C4]", cps=1)
    rig.start()
    rig.play_until(1)
    eventually(lambda: len(journal_lines()) > 2)
    said: list[str] = []
    assert recover_unfinished(base=tmp_path, report=said.append) == [] and said == []
    rig.engine.stop()
    rig.engine.recorder.wait()
    assert len(rig.said) == 1 and rig.said[0].startswith("recorded: ")


def test_a_disk_that_refuses_is_said_once_and_the_music_goes_on(tmp_path):
    (tmp_path / "renders").write_text("a file where the folder should be")
    rig = Rig("cps(1); let a = MidiTrack(1); a << [C4*4]", cps=1)
    rig.start()
    rig.play_until(1)
    eventually(lambda: rig.said)
    rig.play_until(2)
    time.sleep(FLUSH_SECONDS * 3)  # the writer tries again, and says nothing more
    rig.engine.stop()
    rig.engine.recorder.wait()
    assert len([d for _, d in rig.output.sent if d[0] == 0x90]) == 9  # it played on: cycles 0 to 2, both ends included
    assert len(rig.said) == 1 and rig.said[0].startswith("warning: the recording cannot be written (cannot make the folder renders/untitled")
