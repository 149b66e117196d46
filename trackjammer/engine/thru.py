"""Thru: what comes in on an input, as a track plays it.

`input(port, thru: lead)` plays every channel message that arrives on
`lead`'s channel, its notes moved by `lead`'s transposition. A note-off
goes to the pitch its note-on was sent as, even when the transposition
changed while the key was held, so no note is left sounding; a note-off
(or poly aftertouch) of a note that was never sent is dropped, as is a
note moved outside 0..127. `release()` gives the note-offs of every note
still held, for when the input closes or plays through another track.

Through an `MpeTrack`, each note gets a member channel of its zone of its
own (the least recently released free one; when all sound, the oldest note
is ended for it), so an MPE synth plays it; bends, pressure and CCs of a
plain keyboard go to the manager channel, for the whole zone. An MPE
controller playing the same zone keeps its own channels: its per-note
bends and pressure stay with their notes.
"""

from __future__ import annotations

import threading
from fractions import Fraction
from typing import Any

from trackjammer.midi.kinds import NOTE_OFF_STATUS, NOTE_ON_STATUS
from trackjammer.midi.mpe import Zone

POLYTOUCH_STATUS = 0xA0


class Thru:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._sounding: dict[tuple[int, int], tuple[int, int]] = {}  # (channel, note) in → (channel, note) sent
        self._released: dict[int, int] = {}  # member channel → when its last note ended (a count of note-offs)
        self._ended = 0

    def rewrite(self, data: bytes, channel: int, transpose: Any, zone: Zone | None = None) -> list[bytes]:
        """`data` as the track plays it on MIDI channel `channel` (0..15; an
        MPE track's manager channel, with its `zone`): what to send, in order."""
        status = data[0] & 0xF0
        key = (data[0] & 0x0F, data[1]) if len(data) > 1 else None
        own = zone is not None and data[0] & 0x0F in zone.members  # an MPE controller on this zone
        with self._lock:
            if status == NOTE_ON_STATUS and data[2] > 0:
                note = data[1] + _semitones(transpose)
                if not 0 <= note <= 127:
                    return []
                ended = self._end(key) if key in self._sounding else []  # the key struck again
                if zone is not None and not own:
                    taken, channel = self._member(zone)
                    ended += taken
                elif own:
                    channel = data[0] & 0x0F
                self._sounding[key] = (channel, note)
                return ended + [bytes((NOTE_ON_STATUS | channel, note, data[2]))]
            if status in (NOTE_ON_STATUS, NOTE_OFF_STATUS):
                return self._end(key, data[2])
            if status == POLYTOUCH_STATUS:
                sent = self._sounding.get(key)
                return [] if sent is None else [bytes((POLYTOUCH_STATUS | sent[0], sent[1], data[2]))]
        return [bytes((status | (data[0] & 0x0F if own else channel), *data[1:]))]

    def _end(self, key: Any, velocity: int = 0) -> list[bytes]:
        sent = self._sounding.pop(key, None)
        if sent is None:
            return []
        self._ended += 1
        self._released[sent[0]] = self._ended
        return [bytes((NOTE_OFF_STATUS | sent[0], sent[1], velocity))]

    def _member(self, zone: Zone) -> tuple[list[bytes], int]:
        """A member channel for a new note, and the note-off of the note it
        takes over (when every member sounds, the oldest: first struck)."""
        busy = {channel: key for key, (channel, _) in self._sounding.items()}
        free = [c for c in zone.members if c not in busy]
        if free:
            return [], min(free, key=lambda c: self._released.get(c, -1))  # never used first, in the zone's order
        oldest = next(iter(self._sounding))  # dicts keep the order notes were struck in
        channel = self._sounding[oldest][0]
        return self._end(oldest), channel

    def release(self) -> list[bytes]:
        """A note-off for every note sent and not yet ended (they count as ended)."""
        with self._lock:
            sounding, self._sounding = self._sounding, {}
        return [bytes((NOTE_OFF_STATUS | channel, note, 0)) for channel, note in sounding.values()]


def _semitones(transpose: Any) -> int:
    """A track's transposition as whole semitones (half up, as notes are rounded)."""
    if isinstance(transpose, int):
        return transpose
    return int((Fraction(transpose) + Fraction(1, 2)) // 1)
