"""Each track's latest note-on, for the status bar's flash, known without
waiting for the sending process's reports.

The sending process reports what it sent at most every REPORT_EVERY
(engine/sender_process.py): each report wakes both processes, so it is
not sent often. A flash that waited for it would come late or not at all.
The engine knows each note-on's cycle when it hands it over, and the clock
says when that cycle is reached: that is when the note-on leaves. A steady
stretch (engine/steady.py) is handed over once and played again and again:
its note-ons are worked out from its period's, each a whole number of
periods on.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections import deque
from dataclasses import dataclass
from fractions import Fraction
from typing import Iterable

from trackjammer.midi.kinds import NOTE_ON

KEPT = 1024  # note-ons remembered per track (a window holds far fewer; older ones are long played)


@dataclass(frozen=True)
class _Replayed:
    """One track's note-ons in a steady stretch: at begin + offset, each
    period on, from begin + period up to `end` (None: no end)."""

    begin: Fraction
    period: int
    offsets: tuple[Fraction, ...]  # sorted, in [0, period)
    end: Fraction | None

    def latest(self, position: float) -> Fraction | None:
        """The latest of its note-ons at or before `position` (None: none played yet)."""
        start = self.begin + self.period
        if position < start:
            return None
        offsets, period = self.offsets, self.period
        lap = math.floor((position - float(self.begin)) / period)
        index = bisect_right(offsets, position - float(self.begin) - lap * period) - 1
        if index < 0:
            lap, index = lap - 1, len(offsets) - 1
        while True:  # back past the end, when it ends
            found = self.begin + lap * period + offsets[index]
            if found < start:
                return None
            if self.end is None or found < self.end:
                return found
            index -= 1
            if index < 0:
                lap, index = lap - 1, len(offsets) - 1


class HandedOnsets:
    """Note-on cycles handed over, per track number. The clock thread adds
    (`note`), the status bar asks (`latest`): deque appends and pops are
    atomic, so no lock."""

    def __init__(self) -> None:
        self._by_track: dict[int, deque[Fraction]] = {}
        self._replayed: dict[int, _Replayed] = {}  # track → its note-ons in a steady stretch

    def replay(self, messages: Iterable, begin: Fraction, period: int, end: Fraction | None) -> None:
        """`messages`, those of [begin, begin + period), play again every
        period from its end on, up to `end` (engine/steady.py)."""
        offsets: dict[int, list[Fraction]] = {}
        for message in messages:
            if message.kind == NOTE_ON:
                offsets.setdefault(message.track, []).append(message.time - begin)
        self._replayed = {track: _Replayed(begin, period, tuple(sorted(found)), end) for track, found in offsets.items()}

    def note(self, track: int, cycle: Fraction) -> None:
        onsets = self._by_track.get(track)
        if onsets is None:
            onsets = self._by_track[track] = deque(maxlen=KEPT)
        onsets.append(cycle)

    def latest(self, track: int, position: float) -> Fraction | None:
        """The latest note-on of `track` at or before `position` (None: none handed over has played yet)."""
        replayed = self._replayed.get(track)
        again = replayed.latest(position) if replayed is not None else None
        onsets = self._by_track.get(track)
        if not onsets:
            return again
        while len(onsets) > 1 and onsets[1] <= position:
            onsets.popleft()
        first = onsets[0]
        handed = first if first <= position else None
        return handed if again is None or handed is not None and handed > again else again

    def keep_only(self, tracks: Iterable[int]) -> None:
        """Tracks no longer bound leave nothing behind."""
        kept = set(tracks)
        for track in [t for t in list(self._by_track) if t not in kept]:  # list(): copied in one step
            self._by_track.pop(track, None)
        self._replayed = {track: r for track, r in list(self._replayed.items()) if track in kept}

    def drop_from(self, cycle: Fraction) -> None:
        """What was handed over for `cycle` and later was taken back (a change lands there)."""
        for track, onsets in list(self._by_track.items()):  # list(): copied in one step
            if onsets and onsets[-1] >= cycle:  # a new deque: `latest` may be reading the old one
                self._by_track[track] = deque((c for c in list(onsets) if c < cycle), maxlen=KEPT)
        self._replayed = {track: _Replayed(r.begin, r.period, r.offsets, cycle if r.end is None else min(r.end, cycle))
                          for track, r in list(self._replayed.items())}  # a steady stretch ends there

    def clear(self) -> None:
        """What was handed over was dropped (stop, hush, start: cycles begin again)."""
        self._by_track = {}
        self._replayed = {}
