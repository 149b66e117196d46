"""Thru: what comes in on an input, as a track plays it.

`input(port, thru: lead)` plays every channel message that arrives on
`lead`'s channel, its notes moved by `lead`'s transposition. A note-off
goes to the pitch its note-on was sent as, even when the transposition
changed while the key was held, so no note is left sounding; a note-off
(or poly aftertouch) of a note that was never sent is dropped, as is a
note moved outside 0..127. `release()` gives the note-offs of every note
still held, for when the input closes or plays through another track.
"""

from __future__ import annotations

import threading
from fractions import Fraction
from typing import Any

from trackjammer.midi.kinds import NOTE_OFF_STATUS, NOTE_ON_STATUS

POLYTOUCH_STATUS = 0xA0


class Thru:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._sounding: dict[tuple[int, int], tuple[int, int]] = {}  # (channel, note) in → (channel, note) sent

    def rewrite(self, data: bytes, channel: int, transpose: Any) -> bytes | None:
        """`data` as the track plays it on MIDI channel `channel` (0..15), or
        None when it plays nothing."""
        status = data[0] & 0xF0
        key = (data[0] & 0x0F, data[1]) if len(data) > 1 else None
        with self._lock:
            if status == NOTE_ON_STATUS and data[2] > 0:
                note = data[1] + _semitones(transpose)
                if not 0 <= note <= 127:
                    return None
                self._sounding[key] = (channel, note)
                return bytes((NOTE_ON_STATUS | channel, note, data[2]))
            if status in (NOTE_ON_STATUS, NOTE_OFF_STATUS):
                sent = self._sounding.pop(key, None)
                return None if sent is None else bytes((NOTE_OFF_STATUS | sent[0], sent[1], data[2]))
            if status == POLYTOUCH_STATUS:
                sent = self._sounding.get(key)
                return None if sent is None else bytes((POLYTOUCH_STATUS | sent[0], sent[1], data[2]))
        return bytes((status | channel, *data[1:]))

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
