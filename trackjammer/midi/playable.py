"""What a value can be exported, rendered or shown as, decided once.

`midi_export`, `render`, the piano roll (`show`) and `trackjammer events`
all take "a pattern or your tracks". A number is a pattern of one note; a
pattern with no notes of its own is a signal (show draws it as a CC lane,
export and render refuse it); a track, or an array of tracks (each once),
plays its lanes. show() also takes a comparison (project/compare.py): a
value whose `compared` holds (label, tracks) for each side. Anything else is refused here, in the words of the call
that was given it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from trackjammer.core.constructors import pure
from trackjammer.core.limits import OFFLINE
from trackjammer.core.pattern import Pattern
from trackjammer.core.registry import describe
from trackjammer.core.values import is_number
from trackjammer.errors import ArgumentError
from trackjammer.midi.track import MidiTrack

SHOW = "show"


@dataclass(frozen=True)
class Playable:
    """A pattern (`tracks` empty) or tracks (`pattern` None), or for show
    the sides of a comparison."""

    pattern: Pattern | None
    signal: bool  # the pattern has no notes of its own, only values
    tracks: tuple[MidiTrack, ...]
    sides: tuple[tuple[str, tuple[MidiTrack, ...]], ...] = ()  # (label, tracks) of each state compared


def playable(what: Any, seed: int, call: str = "midi_export") -> Playable:
    """`what` as a pattern or tracks; `call` ("midi_export", "render",
    "show", …) words the error for anything else."""
    if is_number(what):
        what = pure(what)
    if isinstance(what, Pattern):
        first = OFFLINE.query(what, 0, 1, seed)  # what no port could carry is refused at once
        return Playable(what, bool(first) and all(e.whole is None for e in first), ())
    if isinstance(what, MidiTrack):
        return Playable(None, False, (what,))
    if isinstance(what, list) and what and all(isinstance(item, MidiTrack) for item in what):
        return Playable(None, False, tuple({id(t): t for t in what}.values()))  # a track named twice plays once
    sides = getattr(what, "compared", None) if call == SHOW else None
    if isinstance(sides, tuple) and sides and all(isinstance(track, MidiTrack) for _, tracks in sides for track in tracks):
        return Playable(None, False, (), sides)
    if call == SHOW:
        raise ArgumentError(f"show draws a pattern, a signal, a track, an array of tracks or a comparison, not {describe(what)}",
                            hint="show([C4 E4 G4], 2) or show(bass)")
    verb = verb_of(call)
    if isinstance(what, list) and not what:
        raise ArgumentError("the array of tracks is empty", hint=f"{call}(#[bass, lead], 8)")
    if isinstance(what, list):
        item = next(item for item in what if not isinstance(item, MidiTrack))
        raise ArgumentError(f"an array to export holds tracks only, not {describe(item)}",
                            hint=f"{verb} a pattern on its own: {call}([C4 E4], 4)")
    raise ArgumentError(f"cannot {verb} {describe(what)}", hint=f"{call}(pattern_or_track, cycles[, path]), e.g. {call}(bass, 4)")


def verb_of(call: str) -> str:
    return "export" if call == "midi_export" else call
