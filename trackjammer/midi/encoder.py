"""The one Standard MIDI File encoder, for exports and takes alike.

`midi_export` (midi/smf.py) and a recording (engine/journal.py) both write
their tracks through `TrackEncoder`, so a take and an export of the same
cycles are the same bytes by construction, not by a test keeping two
writers equal. A track is encoded into a bytearray as messages come, a few
bytes each, so a take of millions of messages keeps memory flat.

The rules: messages come in time order; those at one tick are held until
the tick is complete and written in the order of their kinds (note-offs,
program changes, CCs, bends, pressure, note-ons, poly aftertouch: see
midi/kinds.py), in the order they came within each; a note-on and a note-off of one pitch at one
tick (a note of no length) are both left out; a note-on of a pitch still
sounding ends it first; a note-off of a pitch not sounding is dropped; a
track ends with note-offs for what still sounds, then End of Track at the
end tick. Channel messages use running status, as mido and most writers do.
Text (track names) is Latin-1 when it fits, else UTF-8 (docs/export.md
says why).
"""

from __future__ import annotations

from typing import Iterable, Sequence

from trackjammer.midi.kinds import DATA, NOTE_OFF, NOTE_ON, STATUS

END_OF_TRACK = b"\xff\x2f\x00"
TRACK_NAME, SET_TEMPO, TIME_SIGNATURE = 0x03, 0x51, 0x58


def varlen(number: int) -> bytes:
    """A MIDI variable-length quantity."""
    out = [number & 0x7F]
    number >>= 7
    while number:
        out.append(0x80 | (number & 0x7F))
        number >>= 7
    return bytes(reversed(out))


def text_bytes(text: str) -> bytes:
    """Latin-1, what DAWs and the mido-based readers take text events as,
    when every character fits; else UTF-8, the only way to keep the rest."""
    try:
        return text.encode("latin-1")
    except UnicodeEncodeError:
        return text.encode("utf-8")


def meta(kind: int, data: bytes) -> bytes:
    return b"\xff" + bytes((kind,)) + varlen(len(data)) + data


def tempo_metas(tempos: Iterable[tuple[int, int]], beats_per_cycle: int) -> list[tuple[int, bytes]]:
    """(tick, meta event) for each (tick, microseconds per beat), the time
    signature n/4 after the first; two tempos at one tick: the later holds;
    a tempo equal to the one before is not repeated."""
    kept: list[tuple[int, int]] = []
    for tick, microseconds in tempos:
        if kept and kept[-1][0] == tick:
            kept.pop()
        if not kept or kept[-1][1] != microseconds:
            kept.append((tick, microseconds))
    events = []
    for i, (tick, microseconds) in enumerate(kept):
        events.append((tick, meta(SET_TEMPO, microseconds.to_bytes(3, "big"))))
        if i == 0 and beats_per_cycle <= 255:  # larger numerators do not fit the event
            events.append((tick, meta(TIME_SIGNATURE, bytes((beats_per_cycle, 2, 24, 8)))))
    return events


class TrackEncoder:
    """One track of one channel, encoded as it grows (the rules above)."""

    def __init__(self, channel: int, metas: Iterable[tuple[int, bytes]] = ()):
        self.channel = channel
        self.data = bytearray()
        self.names: list[str] = []  # a take's tracks that played on this channel, in the order first heard
        self.written = 0  # the tick of the last event written
        self.running = -1  # the running status byte, -1 after a meta event
        self.tick = 0  # the tick being gathered
        self.group: list[tuple[int, int, int]] = []  # (kind, data1, data2) at self.tick, in the order they came
        self.sounding: set[int] = set()
        self.messages = 0
        for tick, event in metas:
            self._meta(tick, event)

    def add(self, tick: int, kind: int, data1: int, data2: int) -> None:
        if tick > self.tick:
            self._flush()
            self.tick = tick
        self.group.append((kind, data1, data2))  # an earlier tick (a rounding of "now") joins the current one
        self.messages += 1

    def _flush(self) -> None:
        group, self.group = self.group, []
        if not group:
            return
        if len(group) > 1:
            started: dict[int, int] = {}
            empty: set[int] = set()
            for i, (kind, note, _) in enumerate(group):
                if kind == NOTE_ON:
                    started[note] = i
                elif kind == NOTE_OFF and note in started:
                    empty.update((i, started.pop(note)))
            if empty:
                group = [e for i, e in enumerate(group) if i not in empty]
            group.sort(key=_kind)
        sounding = self.sounding
        for kind, data1, data2 in group:
            if kind == NOTE_ON:
                if data1 in sounding:
                    self._write(NOTE_OFF, data1, 0)
                sounding.add(data1)
            elif kind == NOTE_OFF:
                if data1 not in sounding:
                    continue
                sounding.discard(data1)
                data2 = 0
            self._write(kind, data1, data2)

    def add_laid_out(self, timed: Iterable[tuple[int, Sequence[int]]]) -> None:
        """Messages as `layout` (midi/smf.py) gives them, (tick, message) with
        the message's kind at [1] and data at [4] and [5]: already by tick
        and kind, with no note of no length, so a tick needs no gathering
        and the rules reduce to the note-on and note-off ones. One loop
        writing bytes: an export is mostly this."""
        self._flush()
        data, append = self.data, self.data.append
        written, running, sounding = self.written, self.running, self.sounding
        status_of = tuple(status | self.channel for status in STATUS)
        tick = self.tick
        count = 0
        for tick, m in timed:
            count += 1  # as `add` counts: every message given
            kind, data1 = m[1], m[4]
            if kind == NOTE_ON:
                if data1 in sounding:  # a note-on of a pitch still sounding ends it first
                    data += varlen(tick - written)
                    if status_of[NOTE_OFF] != running:
                        running = status_of[NOTE_OFF]
                        append(running)
                    data += bytes((data1, 0))
                    written = tick
                sounding.add(data1)
                data2 = m[5]
            elif kind == NOTE_OFF:
                if data1 not in sounding:
                    continue
                sounding.discard(data1)
                data2 = 0
            else:
                data2 = m[5]
            delta = tick - written
            if delta < 0x80:
                append(delta)
            else:
                data += varlen(delta)
            status = status_of[kind]
            if status != running:
                append(status)
                running = status
            append(data1)
            if DATA[kind] == 2:
                append(data2)
            written = tick
        self.written, self.running, self.tick = written, running, max(self.tick, tick)
        self.messages += count

    def _write(self, kind: int, data1: int, data2: int) -> None:
        delta = self.tick - self.written
        data = self.data
        if delta < 0x80:
            data.append(delta)
        else:
            data += varlen(delta)
        status = STATUS[kind] | self.channel
        if status != self.running:
            data.append(status)
            self.running = status
        data.append(data1)
        if DATA[kind] == 2:  # a program change and channel pressure have one data byte
            data.append(data2)
        self.written = self.tick

    def _meta(self, tick: int, event: bytes) -> None:
        self.data += varlen(tick - self.written) + event
        self.written = tick
        self.running = -1

    def least_end(self) -> int:
        """The earliest tick this track can end at: after its last message,
        and a tick after the start of a note still sounding (a crash cut it)."""
        self._flush()
        return self.tick + 1 if self.sounding else self.written

    def close(self, end_tick: int, name: str | None = None) -> bytes:
        """The track chunk: its name (if given), its messages, note-offs for
        notes still sounding, End of Track at `end_tick`."""
        self._flush()
        self.tick = max(self.tick, end_tick)
        for note in sorted(self.sounding):
            self._write(NOTE_OFF, note, 0)
        self.sounding.clear()
        body = bytes(self.data) + varlen(max(0, end_tick - self.written)) + END_OF_TRACK
        if name is not None:
            body = b"\x00" + meta(TRACK_NAME, text_bytes(name)) + body
        return chunk(b"MTrk", body)


def _kind(event: tuple[int, int, int]) -> int:
    return event[0]


def conductor(tempos: Iterable[tuple[int, int]], beats_per_cycle: int, end_tick: int) -> bytes:
    """A conductor track: the tempo map and time signature, End of Track at the end."""
    track = TrackEncoder(0, tempo_metas(tempos, beats_per_cycle))
    return track.close(end_tick)


def chunk(kind: bytes, body: bytes) -> bytes:
    return kind + len(body).to_bytes(4, "big") + body


def header(file_type: int, tracks: int, ppqn: int) -> bytes:
    return chunk(b"MThd", file_type.to_bytes(2, "big") + tracks.to_bytes(2, "big") + ppqn.to_bytes(2, "big"))
