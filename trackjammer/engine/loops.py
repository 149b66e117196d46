"""Overdub: loop_record(track, cycles) keeps every pass as a layer of its own.

A loop of N cycles starts at a boundary S; pass k is [S + kN, S + (k+1)N).
The notes played in on any input during a pass (engine/inputs.py feeds
them, stamped on the musical clock) become that pass's layer, cycle-
relative (a start in [0, N)); a note held past the end of its pass ends
there. A layer plays on its track from the next pass on, every N cycles,
stacked with what the track plays (its channel, transposition, mute; each
note with the velocity it was played with). Nothing is ever overwritten:
each pass adds a layer; `undo_layer` drops the last, `mute` silences one
and keeps it.

Why a layer is read when queried rather than bound when its pass ends: the
clock thread asks for what plays a lookahead ahead, so a layer bound at the
end of its pass would miss the first moments of the next one. A layer is
filled while its pass is played and answers only for the passes after it;
every note it holds was played a whole pass before it is asked for. After
playing starts again (start, continue), every layer plays in every pass.

Layers belong to the track object, not to the state undo() walks through:
undo and redo change the code that plays, never what was played in, so
the layers go on (undo_layer is their own undo).
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Hashable
from weakref import WeakKeyDictionary

from trackjammer.core.event import Event
from trackjammer.core.pattern import Pattern, State
from trackjammer.core.span import TimeSpan
from trackjammer.core.values import Note
from trackjammer.errors import TrackJammerError


@dataclass(eq=False)
class Layer:
    """One pass: its notes as (start, end or None while held, note, velocity)."""

    origin: Fraction  # the cycle its pass began
    length: Fraction  # the loop's length in cycles
    notes: tuple = ()
    muted: bool = False
    settled: bool = False  # plays in every pass (playing started again), not only after its own

    def events(self, span: TimeSpan) -> list[Event]:
        found = []
        length, origin = self.length, self.origin
        first = math.floor((span.begin - origin) / length) - 1
        last = math.floor((span.end - origin) / length)
        for k in range(first if self.settled else max(first, 1), last + 1):  # k = 0: its own pass
            base = origin + k * length
            for start, end, note, velocity in self.notes:
                whole = TimeSpan(base + start, base + (length if end is None else end))
                if whole.begin >= whole.end:
                    continue
                part = span.intersection(whole)
                if part is not None:
                    found.append(Event(whole, part, Note(note, velocity)))
        return found


@dataclass(eq=False)
class TrackLoop:
    """A track's layers, and its loop recording while it runs."""

    layers: list[Layer] = field(default_factory=list)
    start: Fraction | None = None  # the running loop's S (None: not recording)
    length: Fraction = Fraction(0)
    held: dict = field(default_factory=dict)  # key → (layer, index of the note in it)
    pattern: Pattern = field(init=False)

    def __post_init__(self) -> None:
        self.pattern = Pattern(self._answer)

    def _answer(self, state: State) -> list[Event]:
        found: list[Event] = []
        for layer in list(self.layers):  # a copy: a pass may add one meanwhile
            if not layer.muted:
                found += layer.events(state.span)
        return found


class Loops:
    """Every track's layers (held weakly: a track no name holds takes its layers with it)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._tracks: WeakKeyDictionary[Any, TrackLoop] = WeakKeyDictionary()

    # -- the performer (the REPL's thread) ------------------------------------------------

    def record(self, track: Any, cycles: Fraction, start: Fraction) -> None:
        """Record passes of `cycles` on `track` from cycle `start` (0 cycles: stop recording)."""
        with self._lock:
            loop = self._tracks.setdefault(track, TrackLoop())
            if cycles <= 0:
                loop.start = None
            else:
                loop.start, loop.length = start, cycles
            loop.held.clear()

    def layers(self, track: Any) -> list[Layer]:
        loop = self._tracks.get(track)
        return [] if loop is None else list(loop.layers)

    def recording(self, track: Any) -> tuple[Fraction, Fraction] | None:
        """(start, cycles) of the track's running loop, or None."""
        loop = self._tracks.get(track)
        return None if loop is None or loop.start is None else (loop.start, loop.length)

    def lines(self, track: Any) -> list[str]:
        """What layers(track) shows: the loop recording, then each layer."""
        label, lines = _label(track), []
        recording = self.recording(track)
        if recording is not None:
            lines.append(f"{label} records passes of {_count(recording[1], 'cycle')} from cycle {recording[0]}")
        for number, layer in enumerate(self.layers(track), 1):
            lines.append(f"{number}: {_count(len(layer.notes), 'note')}, played in cycles {layer.origin} to "
                         f"{layer.origin + layer.length}" + (", muted" if layer.muted else ""))
        return lines or [f"{label} has no layers: loop_record({label}, 2) records some"]

    def undo(self, track: Any) -> str:
        """Drop the track's last layer; gives what to say."""
        with self._lock:
            loop = self._tracks.get(track)
            if loop is None or not loop.layers:
                return f"{_label(track)} has no layer to drop"
            number, layer = len(loop.layers), loop.layers.pop()
            loop.held = {key: held for key, held in loop.held.items() if held[0] is not layer}
        return f"dropped layer {number} of {_label(track)} ({_count(len(layer.notes), 'note')})"

    def mute(self, track: Any, number: int, muted: bool) -> str:
        """Mute (or unmute) layer `number` (from 1) of the track; gives what to say."""
        found = self.layers(track)
        if not 1 <= number <= len(found):
            raise TrackJammerError(f"{_label(track)} has no layer {number} (it has {len(found)})",
                                   hint=f"layers({_label(track)}) lists them")
        found[number - 1].muted = muted
        return f"layer {number} of {_label(track)} " + ("muted" if muted else "plays again")

    def pattern(self, track: Any) -> Pattern | None:
        """What the track's layers play, now and as passes add layers (None:
        it never recorded a loop)."""
        loop = self._tracks.get(track)
        return None if loop is None else loop.pattern

    def settle(self) -> None:
        """Playing starts again: recording ends, every layer plays in every pass."""
        with self._lock:
            for loop in self._tracks.values():
                loop.start = None
                loop.held.clear()
                for layer in loop.layers:
                    layer.settled = True

    def hush(self) -> None:
        """hush(): recording ends and every layer is muted (unmute brings one back)."""
        with self._lock:
            for loop in self._tracks.values():
                loop.start = None
                loop.held.clear()
                for layer in loop.layers:
                    layer.muted = True

    # -- the inputs (their threads) ------------------------------------------------------

    def on(self, key: Hashable, cycle: Fraction, note: int, velocity: int) -> None:
        with self._lock:
            for loop in self._tracks.values():
                if loop.start is None or cycle < loop.start:
                    continue
                k = (cycle - loop.start) // loop.length
                origin = loop.start + k * loop.length
                layer = loop.layers[-1] if loop.layers and loop.layers[-1].origin == origin else None
                if layer is None or layer.settled:
                    layer = Layer(origin, loop.length)
                    loop.layers.append(layer)
                loop.held[key] = (layer, len(layer.notes))
                layer.notes = layer.notes + ((cycle - origin, None, note, velocity),)

    def off(self, key: Hashable, cycle: Fraction) -> None:
        with self._lock:
            for loop in self._tracks.values():
                held = loop.held.pop(key, None)
                if held is None:
                    continue
                layer, index = held
                start, _, note, velocity = layer.notes[index]
                end = min(max(cycle - layer.origin, start), layer.length)
                notes = list(layer.notes)
                notes[index] = (start, end, note, velocity)
                layer.notes = tuple(notes)


def _label(track: Any) -> str:
    return track.name or f"MidiTrack({track.channel})"


def _count(count: Any, what: str) -> str:
    return f"{count} {what}" if count == 1 else f"{count} {what}s"
