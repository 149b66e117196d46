"""Each track's stable number in messages, held without keeping the track.

Messages, the fallback history and the take's journal name a track by a
number that must not change while the track lives. The table holds the
tracks weakly: a track nothing else holds any more (the performer typed
`let t = MidiTrack(1)` again) gives its entry up, so thousands of rebinds
leave nothing behind. Numbers are never reused, so a new track is never
taken for an old one; the names of the last few tracks that went are kept a
while, for the take's writer, which asks for names up to 100 ms late.
"""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from typing import Any

LATE_NAMES = 64  # names of tracks gone, kept for the recorder (a few go per input at most)


class TrackNumbers:
    def __init__(self) -> None:
        self._by_id: dict[int, tuple[weakref.ref, int]] = {}  # id(track) → (the track, its number)
        self._by_number: dict[int, weakref.ref] = {}
        self._names: dict[int, str | None] = {}  # number → name of a living track, as last seen
        self._late: OrderedDict[int, str | None] = OrderedDict()  # number → name of a track gone
        self._next = 0
        self._lock = threading.Lock()  # the REPL numbers tracks; the recorder's writer asks for names

    def number(self, track: Any) -> int:
        """`track`'s number, given it on first sight."""
        with self._lock:
            found = self._by_id.get(id(track))
            if found is not None and found[0]() is track:
                number = found[1]
            else:
                number, self._next, key = self._next, self._next + 1, id(track)
                ref = weakref.ref(track, lambda ref: self._gone(key, number, ref))
                self._by_id[key] = (ref, number)
                self._by_number[number] = ref
            self._names[number] = getattr(track, "name", None)
            return number

    def get(self, track: Any) -> int | None:
        """`track`'s number, None when it has none."""
        found = self._by_id.get(id(track))
        return found[1] if found is not None and found[0]() is track else None

    def name_of(self, number: int) -> str | None:
        """The name of the track with `number` (any thread)."""
        with self._lock:
            ref = self._by_number.get(number)
            track = ref() if ref is not None else None
            if track is not None:
                return track.name
            return self._late.get(number)

    def __len__(self) -> int:
        """How many tracks are numbered now (the living ones)."""
        return len(self._by_number)

    def _gone(self, key: int, number: int, ref: weakref.ref) -> None:
        # Runs where the track is freed, in any thread; no lock (the freeing
        # thread may hold it): single dict operations are atomic.
        found = self._by_id.get(key)
        if found is not None and found[0] is ref:
            self._by_id.pop(key, None)
        self._by_number.pop(number, None)
        self._late[number] = self._names.pop(number, None)
        while len(self._late) > LATE_NAMES:
            self._late.popitem(last=False)
