"""A Type 1 MIDI file written message by message, for takes of any length.

A recording can hold millions of messages, so it is not built as a list of
mido objects (as `smf.midi_file` does for exports): each channel's track is
encoded into a bytearray as the messages come, a few bytes each. The rules
are export's (`smf.layout`): 480 PPQN, a time at tick `to_tick`, at one tick
note-offs, then CCs, then note-ons, a note that would last no tick left out;
the conductor holds the tempo map (every cps change) and the time signature;
every track ends at the end tick. So a recording and an export of the same
cycles are the same file, and every note-on has its note-off after it.
"""

from __future__ import annotations

from typing import Any

from trackjammer.midi.messages import CONTROL, NOTE_OFF, NOTE_ON
from trackjammer.midi.smf import PPQN, tempo_for

STATUS = {NOTE_OFF: 0x80, CONTROL: 0xB0, NOTE_ON: 0x90}


def kind_of(data: Any) -> int | None:
    """NOTE_OFF, CONTROL or NOTE_ON for channel message bytes (a note-on of
    velocity 0 is a note-off); None for anything a take does not keep."""
    status = data[0] & 0xF0
    if status == 0x90:
        return NOTE_ON if data[2] > 0 else NOTE_OFF
    if status == 0x80:
        return NOTE_OFF
    if status == 0xB0:
        return CONTROL
    return None


def varlen(number: int) -> bytes:
    """A MIDI variable-length quantity."""
    out = [number & 0x7F]
    number >>= 7
    while number:
        out.append(0x80 | (number & 0x7F))
        number >>= 7
    return bytes(reversed(out))


class ChannelTrack:
    """One channel's track, encoded as it grows. Messages come in time order
    (the order they were sent); those at one tick are held until the tick is
    complete, then written off, CC, on."""

    def __init__(self, channel: int):
        self.channel = channel
        self.data = bytearray()
        self.names: list[str] = []  # the tracks that played on this channel, in the order first heard
        self.written = 0  # the tick of the last event written
        self.tick = 0  # the tick being gathered
        self.group: list[tuple[int, int, int]] = []  # (kind, data1, data2) at self.tick, in sending order
        self.sounding: set[int] = set()
        self.messages = 0

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
        started: dict[int, int] = {}
        empty: set[int] = set()
        for i, (kind, note, _) in enumerate(group):
            if kind == NOTE_ON:
                started[note] = i
            elif kind == NOTE_OFF and note in started:
                empty.update((i, started.pop(note)))  # on and off at one tick: a note of no length
        ordered = sorted((e for i, e in enumerate(group) if i not in empty), key=lambda e: e[0])
        for kind, data1, data2 in ordered:
            if kind == NOTE_ON:
                if data1 in self.sounding:  # a second note-on of a sounding pitch ends the first
                    self._write(NOTE_OFF, data1, 0)
                self.sounding.add(data1)
            elif kind == NOTE_OFF:
                if data1 not in self.sounding:
                    continue
                self.sounding.discard(data1)
            self._write(kind, data1, data2)

    def _write(self, kind: int, data1: int, data2: int) -> None:
        self.data += varlen(self.tick - self.written)
        self.data += bytes((STATUS[kind] | self.channel, data1, data2 if kind != NOTE_OFF else 0))
        self.written = self.tick

    def least_end(self) -> int:
        """The earliest tick this track can end at: after its last message,
        and a tick after the start of a note still sounding (a crash cut it)."""
        self._flush()
        return self.tick + 1 if self.sounding else self.written

    def close(self, end_tick: int) -> bytes:
        """The track chunk: its name, its messages, note-offs for notes still
        sounding, End of Track at `end_tick`."""
        self._flush()
        self.tick = max(self.tick, end_tick)
        for note in sorted(self.sounding):
            self._write(NOTE_OFF, note, 0)
        self.sounding.clear()
        name = (", ".join(self.names) or f"channel {self.channel + 1}").encode("utf-8")
        body = b"\x00\xff\x03" + varlen(len(name)) + name + bytes(self.data)
        body += varlen(end_tick - self.written) + b"\xff\x2f\x00"
        return chunk(b"MTrk", body)


def conductor(tempos: list[tuple[int, Any]], beats_per_cycle: int, end_tick: int) -> bytes:
    """Tempo at each (tick, cps), time signature at 0, End of Track at the end."""
    body = bytearray()
    now = 0
    kept: list[tuple[int, int]] = []
    for tick, cps in tempos:
        microseconds = tempo_for(cps, beats_per_cycle).microseconds
        if kept and kept[-1][0] == tick:
            kept.pop()  # two changes at one tick: the later one holds
        if not kept or kept[-1][1] != microseconds:
            kept.append((tick, microseconds))
    for i, (tick, microseconds) in enumerate(kept):
        body += varlen(tick - now) + b"\xff\x51\x03" + microseconds.to_bytes(3, "big")
        now = tick
        if i == 0 and beats_per_cycle <= 255:
            body += b"\x00\xff\x58\x04" + bytes((beats_per_cycle, 2, 24, 8))  # n/4, as export writes it
    body += varlen(max(0, end_tick - now)) + b"\xff\x2f\x00"
    return chunk(b"MTrk", bytes(body))


def chunk(kind: bytes, body: bytes) -> bytes:
    return kind + len(body).to_bytes(4, "big") + body


def header(tracks: int) -> bytes:
    return chunk(b"MThd", (1).to_bytes(2, "big") + tracks.to_bytes(2, "big") + PPQN.to_bytes(2, "big"))
