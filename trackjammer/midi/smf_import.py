"""A Standard MIDI File read back as notes in ticks, for `midi_import`.

mido (already a dependency) parses the bytes; this module pairs each
note-on with its note-off per channel and key (the first still sounding
ends first), and keeps what importing needs: the file's ticks per quarter,
its first tempo and time signature, and each track's name, notes and end
(End of Track, or its last note-off when that comes later). A note never
ended ends with its track; a note of no length cannot be played and is
counted, not kept.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import mido

from trackjammer.errors import ArgumentError


class FileNote(NamedTuple):
    tick: int
    duration: int
    key: int
    velocity: int
    channel: int  # 0..15


@dataclass(frozen=True)
class FileTrack:
    index: int  # in the file, from 0
    name: str | None
    notes: list[FileNote]  # by onset, then key
    end: int  # ticks
    empty: int  # notes of no length, left out


@dataclass(frozen=True)
class MidiFile:
    type: int
    ppqn: int
    tempo: int | None  # microseconds per quarter, the file's first
    time_signature: tuple[int, int] | None
    tracks: list[FileTrack]

    @property
    def with_notes(self) -> list[FileTrack]:
        return [t for t in self.tracks if t.notes]


def read_midi_file(path: Path, shown: str) -> MidiFile:
    """The file at `path` (`shown` as the user wrote it); an ArgumentError
    saying why when it cannot be read."""
    if not path.is_file():
        raise ArgumentError(f"{shown} is not a file" if path.exists() else f"there is no file {shown}",
                            hint='give the path of a .mid file, relative to the folder TrackJammer started in: midi_import("clip.mid")')
    try:
        parsed = mido.MidiFile(str(path), charset="latin-1", clip=True)
    except (OSError, EOFError, ValueError, KeyError, IndexError, TypeError) as error:
        raise ArgumentError(f"cannot read {shown} as a MIDI file: {error}",
                            hint="a Standard MIDI File (.mid) as DAWs and midi_export write it") from None
    if parsed.type == 2:
        raise ArgumentError(f"{shown} is a Type 2 MIDI file (independent sequences), which midi_import does not read",
                            hint="export it from its program as Type 0 or Type 1")
    tempo = signature = None
    tracks = []
    for index, track in enumerate(parsed.tracks):
        tick = 0
        name = None
        sounding: dict[tuple[int, int], list[tuple[int, int]]] = {}
        notes: list[FileNote] = []
        empty = 0
        for message in track:
            tick += message.time
            kind = message.type
            if kind == "note_on" and message.velocity > 0:
                sounding.setdefault((message.channel, message.note), []).append((tick, message.velocity))
            elif kind in ("note_off", "note_on"):
                started = sounding.get((message.channel, message.note))
                if started:
                    start, velocity = started.pop(0)
                    if tick > start:
                        notes.append(FileNote(start, tick - start, message.note, velocity, message.channel))
                    else:
                        empty += 1
            elif kind == "set_tempo" and tempo is None:
                tempo = message.tempo
            elif kind == "time_signature" and signature is None:
                signature = (message.numerator, message.denominator)
            elif kind == "track_name" and name is None:
                name = _text(message.name)
        for (channel, key), starts in sounding.items():
            for start, velocity in starts:
                if tick > start:
                    notes.append(FileNote(start, tick - start, key, velocity, channel))
                else:
                    empty += 1
        notes.sort()
        end = max([tick] + [n.tick + n.duration for n in notes])
        tracks.append(FileTrack(index, name, notes, end, empty))
    if not 0 < parsed.ticks_per_beat < 0x8000:  # the top bit set: SMPTE frames
        raise ArgumentError(f"{shown} counts time in SMPTE frames, not beats", hint="export it with ticks per quarter note")
    return MidiFile(parsed.type, parsed.ticks_per_beat, tempo, signature, tracks)


def _text(raw: str) -> str:
    """A track name read as Latin-1 (every byte is one), taken as UTF-8 when
    it is that (docs/export.md: names are written either way)."""
    try:
        return raw.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return raw
