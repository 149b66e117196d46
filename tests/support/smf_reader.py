"""A small, independent Standard MIDI File reader, written from the SMF spec.

Why a third reader: the export is written with mido, so reading it back
with mido alone would share mido's mistakes; symusic (the second reader)
hands back notes, controls and tempos already sorted and paired, so it
cannot show what a DAW sees byte by byte: the order of events at one tick,
the channel nibble of each message, running status, and where End of Track
sits. This reader keeps every event in FILE ORDER with its absolute tick,
and fails loudly on anything malformed.

    read_smf(path) -> Smf(format, ntrks, division, tracks)
    each track: [(absolute_tick, kind, *fields), ...]
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

# Data bytes after the status byte, by the status's high nibble.
DATA_LENGTH = {0x80: 2, 0x90: 2, 0xA0: 2, 0xB0: 2, 0xC0: 1, 0xD0: 1, 0xE0: 2}
CHANNEL_KINDS = {
    0x80: "note_off", 0x90: "note_on", 0xA0: "polytouch", 0xB0: "control_change",
    0xC0: "program_change", 0xD0: "aftertouch", 0xE0: "pitchwheel",
}


class SmfError(ValueError):
    """The bytes are not a well-formed Standard MIDI File."""


@dataclass(frozen=True)
class Smf:
    format: int
    ntrks: int
    division: int
    tracks: list[list[tuple]]


class _Bytes:
    def __init__(self, data: bytes, what: str):
        self.data, self.pos, self.what = data, 0, what

    def take(self, n: int) -> bytes:
        if self.pos + n > len(self.data):
            raise SmfError(f"{self.what}: wants {n} bytes at offset {self.pos}, only {len(self.data) - self.pos} left")
        chunk = self.data[self.pos:self.pos + n]
        self.pos += n
        return chunk

    def byte(self) -> int:
        return self.take(1)[0]

    def varlen(self) -> int:
        """A variable-length quantity: 7 bits a byte, high bit = more; at most 4 bytes."""
        value = 0
        for _ in range(4):
            b = self.byte()
            value = (value << 7) | (b & 0x7F)
            if not b & 0x80:
                return value
        raise SmfError(f"{self.what}: variable-length quantity longer than 4 bytes at offset {self.pos}")

    def done(self) -> bool:
        return self.pos == len(self.data)


def _meta(kind: int, data: bytes) -> tuple:
    if kind == 0x51:
        if len(data) != 3:
            raise SmfError(f"set_tempo meta has length {len(data)}, not 3")
        return ("set_tempo", int.from_bytes(data, "big"))
    if kind == 0x58:
        if len(data) != 4:
            raise SmfError(f"time_signature meta has length {len(data)}, not 4")
        return ("time_signature", data[0], 2 ** data[1])
    if kind == 0x03:
        return ("track_name", data.decode("utf-8"))
    if kind == 0x2F:
        if data:
            raise SmfError("end_of_track meta has data")
        return ("end_of_track",)
    return ("meta", kind, bytes(data))


def _track(data: bytes, index: int) -> list[tuple]:
    r = _Bytes(data, f"track {index}")
    events: list[tuple] = []
    tick, running = 0, None
    while not r.done():
        if events and events[-1][1] == "end_of_track":
            raise SmfError(f"track {index}: events after End of Track")
        tick += r.varlen()
        status = r.byte()
        if status == 0xFF:
            kind = r.byte()
            events.append((tick, *_meta(kind, r.take(r.varlen()))))
            running = None  # meta and sysex cancel running status
        elif status in (0xF0, 0xF7):
            events.append((tick, "sysex", status, bytes(r.take(r.varlen()))))
            running = None
        elif status >= 0xF0:
            raise SmfError(f"track {index}: status byte {status:#04x} is not allowed in a file")
        else:
            if status < 0x80:  # running status: this byte is the first data byte
                if running is None:
                    raise SmfError(f"track {index}: data byte {status:#04x} with no running status")
                first, status = status, running
            else:
                first, running = None, status
            high = status & 0xF0
            need = DATA_LENGTH[high] - (first is not None)
            fields = ([first] if first is not None else []) + list(r.take(need))
            if any(b > 0x7F for b in fields):
                raise SmfError(f"track {index}: data byte above 127 in {fields}")
            events.append((tick, CHANNEL_KINDS[high], status & 0x0F, *fields))
    if not events or events[-1][1] != "end_of_track":
        raise SmfError(f"track {index}: does not end with End of Track")
    return events


def parse_smf(data: bytes) -> Smf:
    r = _Bytes(data, "file")
    if r.take(4) != b"MThd":
        raise SmfError("file does not start with MThd")
    length = int.from_bytes(r.take(4), "big")
    if length != 6:
        raise SmfError(f"MThd length is {length}, not 6")
    fmt, ntrks, division = (int.from_bytes(r.take(2), "big") for _ in range(3))
    if fmt not in (0, 1, 2) or (fmt == 0 and ntrks != 1):
        raise SmfError(f"format {fmt} with {ntrks} tracks")
    if division & 0x8000:
        raise SmfError("SMPTE division; expected ticks per quarter note")
    tracks = []
    for index in range(ntrks):
        if r.take(4) != b"MTrk":
            raise SmfError(f"chunk {index} is not MTrk")
        tracks.append(_track(r.take(int.from_bytes(r.take(4), "big")), index))
    if not r.done():
        raise SmfError(f"{len(data) - r.pos} bytes after the last track")
    return Smf(fmt, ntrks, division, tracks)


def read_smf(path: str | Path) -> Smf:
    return parse_smf(Path(path).read_bytes())
