"""Helpers for the export tests: run a program, read a MIDI file back.

Every file is read three ways, and they must agree:
- `tests.support.smf_reader` (our own byte-level reader): every event in
  file order with its absolute tick and channel, End of Track last;
- mido: the same events, message by message;
- symusic (an independent C++ parser): the notes it pairs, the controls,
  tempos, time signatures and ticks per quarter.
Reading also checks what must hold for every export: notes pair up per
channel and pitch in file order (no note-off before its note-on, no second
note-on while the pitch sounds, nothing left sounding), every note lasts at
least one tick, and no pitch bend, program change or SysEx appears.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import mido
import pytest
import symusic

import trackjammer.core  # noqa: F401  (registers the pattern functions)
from tests.support.smf_reader import Smf, read_smf
from trackjammer.lang.evaluator import Interpreter
from trackjammer.session import Session

FORBIDDEN = {"pitchwheel", "program_change", "sysex", "polytouch", "aftertouch"}
STAMP = r"\d{4}-\d\d-\d\d_\d\d-\d\d-\d\d(?:_\d+)?"


@dataclass
class Run:
    """What a program did: its value, the lines it printed, its session."""

    value: Any
    out: list[str]
    session: Session


@dataclass(frozen=True)
class Note:
    tick: int
    duration: int
    pitch: int
    velocity: int
    channel: int


@dataclass
class Midi:
    """One exported file, read back three ways."""

    path: Path
    smf: Smf
    mido: mido.MidiFile
    score: Any  # symusic.Score
    notes_by_track: list[list[Note]] = field(default_factory=list)

    @property
    def type(self) -> int:
        return self.smf.format

    @property
    def tracks(self) -> list[list[tuple]]:
        """Per track, every event in file order: (tick, kind, *fields)."""
        return self.smf.tracks

    def notes(self, track: int = -1) -> list[Note]:
        return self.notes_by_track[track]

    def channel_events(self, track: int = -1) -> list[tuple]:
        return [e for e in self.tracks[track] if e[1] in ("note_on", "note_off", "control_change")]

    def ccs(self, track: int = -1, control: int | None = None) -> list[tuple[int, int, int, int]]:
        """(tick, channel, control, value) in file order."""
        return [e[0:1] + e[2:] for e in self.tracks[track]
                if e[1] == "control_change" and (control is None or e[3] == control)]

    def end(self, track: int = -1) -> int:
        """The tick of End of Track (the reader checks it comes last)."""
        return self.tracks[track][-1][0]

    def metas(self, track: int, kind: str) -> list[tuple]:
        return [e for e in self.tracks[track] if e[1] == kind]

    def track_name(self, track: int) -> str | None:
        names = self.metas(track, "track_name")
        assert len(names) <= 1, f"track {track} has {len(names)} names"
        return names[0][2] if names else None


def pair_notes(events: list[tuple], where: str) -> list[Note]:
    """Notes from note-on/off in file order; AssertionError on anything a
    receiver would get wrong (orphan off, double on, note left on, 0 ticks)."""
    sounding: dict[tuple[int, int], tuple[int, int]] = {}
    notes = []
    for tick, kind, *fields in events:
        if kind not in ("note_on", "note_off"):
            continue
        channel, pitch, velocity = fields
        key = (channel, pitch)
        if kind == "note_on" and velocity > 0:
            assert key not in sounding, f"{where}: note_on {key} at tick {tick} while it sounds since {sounding[key][0]}"
            sounding[key] = (tick, velocity)
        else:
            assert key in sounding, f"{where}: note-off {key} at tick {tick} with no note sounding"
            start, on_velocity = sounding.pop(key)
            assert tick - start >= 1, f"{where}: note {key} at tick {start} lasts {tick - start} ticks"
            notes.append(Note(start, tick - start, pitch, on_velocity, channel))
    assert not sounding, f"{where}: note-ons never ended: {sounding}"
    return sorted(notes, key=lambda n: (n.tick, n.pitch, n.channel))


RANK = {"note_off": 0, "program_change": 1, "control_change": 2, "pitchwheel": 3, "aftertouch": 4, "note_on": 5,
        "polytouch": 6}  # midi/kinds.py's order at one time


def check_order_within_ticks(events: list[tuple], where: str) -> None:
    """At one tick: note-offs, then CCs, then note-ons (a note-on of
    velocity 0 counts as a note-off)."""
    last = (-1, -1)
    for tick, kind, *fields in events:
        if kind not in RANK:
            continue
        rank = 0 if kind == "note_on" and fields[2] == 0 else RANK[kind]
        assert (tick, rank) >= last, f"{where}: {kind} {fields} at tick {tick} after a later kind at that tick"
        last = (tick, rank)


def _mido_events(track: mido.MidiTrack) -> list[tuple]:
    events, tick = [], 0
    for m in track:
        tick += m.time
        if m.type in ("note_on", "note_off"):
            events.append((tick, m.type, m.channel, m.note, m.velocity))
        elif m.type == "control_change":
            events.append((tick, m.type, m.channel, m.control, m.value))
        elif m.type == "program_change":
            events.append((tick, m.type, m.channel, m.program))
        elif m.type == "pitchwheel":  # mido's -8192..8191, as the two data bytes
            events.append((tick, m.type, m.channel, (m.pitch + 8192) & 0x7F, (m.pitch + 8192) >> 7))
        elif m.type == "aftertouch":
            events.append((tick, m.type, m.channel, m.value))
        elif m.type == "polytouch":
            events.append((tick, m.type, m.channel, m.note, m.value))
        elif m.type == "set_tempo":
            events.append((tick, m.type, m.tempo))
        elif m.type == "time_signature":
            events.append((tick, m.type, m.numerator, m.denominator))
        elif m.type == "track_name":
            events.append((tick, m.type, m.name))
        elif m.type == "end_of_track":
            events.append((tick, m.type))
        else:
            events.append((tick, m.type))
    return events


def read_midi(path: str | Path, allowed: frozenset = frozenset()) -> Midi:
    """Read `path` with the byte-level reader, mido and symusic; check they
    agree and that the file obeys the rules every export must (`allowed`:
    the kinds seed 002 leaves out that this file may hold: all: true, MPE)."""
    path = Path(path)
    smf = read_smf(path)
    midi = Midi(path, smf, mido.MidiFile(path, charset="utf-8"), symusic.Score(str(path)))
    assert smf.division == 480 and midi.mido.ticks_per_beat == 480 and midi.score.ticks_per_quarter == 480
    assert midi.mido.type == smf.format and len(midi.mido.tracks) == smf.ntrks
    for index, track in enumerate(smf.tracks):
        kinds = {e[1] for e in track}
        assert not kinds & (FORBIDDEN - allowed), f"track {index} holds {kinds & (FORBIDDEN - allowed)}"
        assert Counter(e[1] for e in track)["end_of_track"] == 1
        assert _mido_events(midi.mido.tracks[index]) == [e if e[1] != "sysex" else e[:2] for e in track]
        check_order_within_ticks(track, f"{path.name} track {index}")
        midi.notes_by_track.append(pair_notes(track, f"{path.name} track {index}"))
    # symusic pairs the notes and gathers the controls on its own: same content.
    ours = sorted((n.tick, n.duration, n.pitch, n.velocity) for t in midi.notes_by_track for n in t)
    theirs = sorted((n.time, n.duration, n.pitch, n.velocity) for t in midi.score.tracks for n in t.notes)
    assert theirs == ours, "symusic pairs the notes differently"
    noted = [t for t in smf.tracks if any(e[1] == "note_on" for e in t)]  # symusic leaves out a track of no notes
    our_ccs = sorted((e[0], e[3], e[4]) for t in noted for e in t if e[1] == "control_change")
    their_ccs = sorted((c.time, c.number, c.value) for t in midi.score.tracks for c in t.controls)
    assert their_ccs == our_ccs
    our_tempos = [(e[0], e[2]) for t in smf.tracks for e in t if e[1] == "set_tempo"]
    assert [(t.time, t.mspq) for t in midi.score.tempos] == our_tempos
    our_signatures = [(e[0], e[2], e[3]) for t in smf.tracks for e in t if e[1] == "time_signature"]
    assert [(s.time, s.numerator, s.denominator) for s in midi.score.time_signatures] == our_signatures
    return midi


def render_folders(base: Path, project: str = "untitled") -> list[Path]:
    """The render folders of one project, oldest name first."""
    root = base / "renders" / project
    return sorted(root.iterdir()) if root.exists() else []


def files_under(base: Path) -> list[str]:
    """Every file and folder under `base`, as relative paths (hidden ones too)."""
    return sorted(str(p.relative_to(base)) for p in base.rglob("*"))


def is_render_path(text: str, project: str = "untitled", name: str = "export.mid") -> bool:
    return re.fullmatch(rf"renders/{re.escape(project)}/{STAMP}/{re.escape(name)}", text) is not None


@pytest.fixture
def run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """run(source) evaluates a program in a fresh session, in tmp_path."""
    monkeypatch.chdir(tmp_path)

    def run(source: str, session: Session | None = None) -> Run:
        out: list[str] = []
        session = session or Session()
        session.out = out.append
        value = Interpreter(session).execute(source)
        return Run(value, out, session)

    return run


@pytest.fixture
def export(run, tmp_path: Path):
    """export(source) runs a program that writes "out.mid" and reads it back.
    The source may use {path} for the quoted path: midi_export(p, 1, {path})."""

    def export(source: str, name: str = "out.mid") -> Midi:
        result = run(source.replace("{path}", f'"{name}"'))
        assert result.value == name or name in result.out, (result.value, result.out)
        return read_midi(tmp_path / name)

    return export
