"""Each track's latest note-on, for the status bar's flash, known without
waiting for the sending process's reports.

The sending process reports what it sent at most every REPORT_EVERY
(engine/sender_process.py): each report wakes both processes, so it is
not sent often. A flash that waited for it would come late or not at all.
The engine knows each note-on's cycle when it hands it over, and the clock
says when that cycle is reached: that is when the note-on leaves.
"""

from __future__ import annotations

from collections import deque
from fractions import Fraction
from typing import Iterable

KEPT = 1024  # note-ons remembered per track (a window holds far fewer; older ones are long played)


class HandedOnsets:
    """Note-on cycles handed over, per track number. The clock thread adds
    (`note`), the status bar asks (`latest`): deque appends and pops are
    atomic, so no lock."""

    def __init__(self) -> None:
        self._by_track: dict[int, deque[Fraction]] = {}

    def note(self, track: int, cycle: Fraction) -> None:
        onsets = self._by_track.get(track)
        if onsets is None:
            onsets = self._by_track[track] = deque(maxlen=KEPT)
        onsets.append(cycle)

    def latest(self, track: int, position: float) -> Fraction | None:
        """The latest note-on of `track` at or before `position` (None: none handed over has played yet)."""
        onsets = self._by_track.get(track)
        if not onsets:
            return None
        while len(onsets) > 1 and onsets[1] <= position:
            onsets.popleft()
        first = onsets[0]
        return first if first <= position else None

    def keep_only(self, tracks: Iterable[int]) -> None:
        """Tracks no longer bound leave nothing behind."""
        kept = set(tracks)
        for track in [t for t in list(self._by_track) if t not in kept]:  # list(): copied in one step
            self._by_track.pop(track, None)

    def drop_from(self, cycle: Fraction) -> None:
        """What was handed over for `cycle` and later was taken back (a change lands there)."""
        for track, onsets in list(self._by_track.items()):  # list(): copied in one step
            if onsets and onsets[-1] >= cycle:  # a new deque: `latest` may be reading the old one
                self._by_track[track] = deque((c for c in list(onsets) if c < cycle), maxlen=KEPT)

    def clear(self) -> None:
        """What was handed over was dropped (stop, hush, start: cycles begin again)."""
        self._by_track = {}
