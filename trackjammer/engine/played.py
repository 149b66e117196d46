"""The notes played in on every input, kept with their cycles for capture().

Each note-on starts a note and its note-off (or a note-on of velocity 0)
ends it, paired per input, channel and key; a key struck again before its
note-off ends the note before. Times are the exact cycles the input stamped
(engine/inputs.py). `window(begin, end)` gives the notes that started in
[begin, end) as (start, end, note, velocity) relative to `begin`, sorted by
start then note, each ending at `end` at the latest (a note still held ends
there too): what core/phrase.py turns into mini-notation. The last
`KEEP` notes are kept, so a long performance never grows memory.
"""

from __future__ import annotations

import threading
from collections import deque
from fractions import Fraction
from typing import Hashable

KEEP = 10_000  # notes kept: minutes of fast playing


class PlayedNotes:
    def __init__(self, keep: int = KEEP) -> None:
        self._lock = threading.Lock()
        self._notes: deque[list] = deque(maxlen=keep)  # [start, end or None while held, note, velocity]
        self._held: dict[Hashable, list] = {}

    def on(self, key: Hashable, cycle: Fraction, note: int, velocity: int) -> None:
        with self._lock:
            before = self._held.get(key)
            if before is not None:
                before[1] = cycle
            self._held[key] = entry = [cycle, None, note, velocity]
            self._notes.append(entry)

    def off(self, key: Hashable, cycle: Fraction) -> None:
        with self._lock:
            entry = self._held.pop(key, None)
            if entry is not None:
                entry[1] = max(cycle, entry[0])

    def clear(self) -> None:
        """Forget every note (playing starts again from another cycle)."""
        with self._lock:
            self._notes.clear()
            self._held.clear()

    def window(self, begin: Fraction, end: Fraction) -> list[tuple[Fraction, Fraction, int, int]]:
        with self._lock:
            found = [tuple(entry) for entry in self._notes if begin <= entry[0] < end]
        return sorted(((start - begin, (end if stop is None else min(stop, end)) - begin, note, velocity)
                       for start, stop, note, velocity in found), key=lambda n: (n[0], n[2]))
