"""compare("verse", "chorus"): two saved states side by side.

A state is a script (project/versions.py); each is run into a scratch
session, as load does, and the two sessions are compared by track name:
tracks added or gone, each lane whose binding differs (as its source text),
a track's channel, velocity or mute, and the tempo. "now" is the state
playing. The result echoes as that table; show(compare(...), cycles) draws
the two piano rolls one above the other (midi/playable.py takes it by its
`compared` attribute, so the layers below never import this one).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from trackjammer.lang.display import show_number
from trackjammer.lang.provenance import NoSource, SourceTooLarge, Writer, track_names
from trackjammer.midi.track import MidiTrack, lane_order, lane_suffix
from trackjammer.project.versions import scratch_session
from trackjammer.session import Session

NOW = "now"
NONE = "-"
BAR = " │ "


@dataclass
class Comparison:
    """Two states and the rows that differ: (what, left text, right text);
    a track added or gone has "-" on the side without it."""

    spoken_kind = "a comparison"
    labels: tuple[str, str]
    sessions: tuple[Session, Session] = field(repr=False)
    rows: list[tuple[str, str, str]]

    @property
    def compared(self) -> tuple[tuple[str, tuple[MidiTrack, ...]], ...]:
        """Each side's label and tracks, for show()."""
        return tuple((label, tuple(s.tracks())) for label, s in zip(self.labels, self.sessions))

    def lines(self) -> list[str]:
        if not self.rows:
            return [f"{self.labels[0]} and {self.labels[1]} play the same"]
        rows = [("", *self.labels)] + self.rows
        first = max(len(r[0]) for r in rows)
        left = max(len(r[1]) for r in rows)
        return [f"{what.ljust(first)}  {a.ljust(left)}{BAR}{b}".rstrip() for what, a, b in rows]

    def __repr__(self) -> str:
        return "\n".join(self.lines())


def compare(session: Session, first: Any, second: Any = NOW, base: Path | None = None) -> Comparison:
    sides = tuple(session if name == NOW else scratch_session(session.project, name, base, "compare")
                  for name in (first, second))
    return Comparison((first, second), sides, differences(*sides))


def differences(left: Session, right: Session) -> list[tuple[str, str, str]]:
    rows = []
    if left.cps != right.cps or left.beats_per_cycle != right.beats_per_cycle:
        rows.append(("tempo", _tempo(left), _tempo(right)))
    mine, theirs = _named_tracks(left), _named_tracks(right)
    for name in dict.fromkeys([*mine, *theirs]):
        a, b = mine.get(name), theirs.get(name)
        if a is None or b is None or repr(a) != repr(b):  # added, gone, or another channel or velocity
            rows.append((name, NONE if a is None else repr(a), NONE if b is None else repr(b)))
        if a is not None and b is not None and a.muted != b.muted:
            rows.append((name + " muted", _yes(a), _yes(b)))
        lanes_a, lanes_b = _lanes(left, a), _lanes(right, b)
        for lane in dict.fromkeys([*lanes_a, *lanes_b]):
            text_a, text_b = lanes_a.get(lane, NONE), lanes_b.get(lane, NONE)
            if text_a != text_b:
                rows.append((name + lane, text_a, text_b))
    return rows


def _tempo(session: Session) -> str:
    return f"{show_number(session.cps)} cps, {show_number(session.bpm)} bpm"


def _yes(track: MidiTrack) -> str:
    return "yes" if track.muted else "no"


def _named_tracks(session: Session) -> dict[str, MidiTrack]:
    """Each track under the name a snapshot gives it."""
    return {name: track for track in session.tracks() for name in [track_names(session)[id(track)]]}


def _lanes(session: Session, track: MidiTrack | None) -> dict[str, str]:
    """Each bound lane's suffix ("" for the notes) → its source text."""
    if track is None:
        return {}
    lanes = [("", track.notes), (".vel", track.velocity_lane)] + [
        (lane_suffix(key), pattern) for key, pattern in sorted(track.cc_lanes.items(), key=lane_order)]
    writer = Writer(session)
    out = {}
    for suffix, pattern in lanes:
        if pattern is not None:
            try:
                out[suffix] = writer.write(pattern)
            except (NoSource, SourceTooLarge):
                out[suffix] = "(source unknown)"
    return out
