"""The state a performance runs on: names, tempo, seed, project, quantize.

The interpreter changes it; the realtime engine, export and recording read
it. Tracks are whatever tracks the names hold, so rebinding a name drops
the old track.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Callable, Protocol
from weakref import WeakKeyDictionary

from trackjammer.core.values import checked_number
from trackjammer.midi.track import MidiTrack


class LiveEngine(Protocol):
    """What the language's globals may ask of the realtime engine
    (`engine.live.Engine` is one): the session holds it, the language never
    imports it."""

    backend: str | None  # the MIDI backend its ports were opened with

    def start(self) -> None: ...
    def stop(self) -> None: ...
    def hush(self) -> None: ...
    def panic(self) -> None: ...
    def use_output(self, port: str | int, latency: Any = None) -> str: ...
    def clock_out(self, on: bool) -> None: ...
    def once(self, pattern: Any, track: MidiTrack | None = None) -> Any: ...
    def sync(self, source: str, port: str | int | None = None) -> str | None: ...
    def undo(self) -> str: ...
    def redo(self) -> str: ...
    def resume(self) -> Any: ...
    def input(self, port: str | int | None = None, thru: MidiTrack | None = None, off: bool = False) -> str: ...
    def inputs(self) -> list[str]: ...
    def played_notes(self, cycles: int) -> list[tuple[Fraction, Fraction, int, int]]: ...
    def learn(self, what: str) -> Any: ...
    def loop_record(self, track: MidiTrack, cycles: Any) -> Any: ...
    def layers(self, track: MidiTrack) -> list[str]: ...
    def undo_layer(self, track: MidiTrack) -> str: ...
    def mute_layer(self, track: MidiTrack, number: int, muted: bool) -> str: ...


@dataclass
class Session:
    cps: Any = Fraction(1, 2)
    beats_per_cycle: int = 4
    seed: int = 0
    project: str = "untitled"
    quantize: Any = 1
    names: dict[str, Any] = field(default_factory=dict)  # what `let` bound
    out: Callable[[str], None] = print  # where print() and help() write
    soundfont: str | None = None  # the SoundFont render() plays through, chosen with soundfont(path)
    engine: LiveEngine | None = None  # the live engine, when something plays (not in `run --offline` or `events`)
    # How each pattern the language made was written (lang.provenance); weak,
    # so it never keeps a pattern alive.
    sources: WeakKeyDictionary = field(default_factory=WeakKeyDictionary, repr=False, compare=False)

    @property
    def bpm(self) -> Any:
        return checked_number(lambda: self.cps * 60 * self.beats_per_cycle)  # a huge tempo is an error

    def tracks(self) -> list[MidiTrack]:
        """Every track a name holds, once, in the order first bound."""
        seen: dict[int, MidiTrack] = {}
        for value in self.names.values():
            if isinstance(value, MidiTrack):
                seen.setdefault(id(value), value)
        return list(seen.values())
