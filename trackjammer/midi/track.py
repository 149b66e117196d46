"""MidiTrack: where patterns meet a MIDI channel.

A track holds a channel, a default velocity, a name, a program and its
lanes: the note lane, the velocity lane and its control lanes (CCs, pitch
bend, pressure, poly aftertouch, NRPN, 14-bit CC; `lane_suffix` lists
them). Tracks are mutable and identity
matters (`let a = t` names the same track). The methods users may call are
registered with `@track_method`, which also gives help and completion their
text.
"""

from __future__ import annotations

import inspect
import threading
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Callable

from trackjammer.core.pattern import Pattern
from trackjammer.core.values import is_number
from trackjammer.errors import ArgumentError

TRACK_METHODS: dict[str, tuple[str, str]] = {}  # name → (signature, doc)


def track_method(function: Callable) -> Callable:
    """Make a method callable from the language, with its help text."""
    params = list(inspect.signature(function).parameters.values())[1:]
    shown = ", ".join(p.name if p.default is inspect.Parameter.empty else f"{p.name} = {p.default!r}" for p in params)
    TRACK_METHODS[function.__name__] = (f"{function.__name__}({shown})", inspect.getdoc(function) or "")
    return function


def whole_in(value: Any, what: str, low: int, high: int, hint: str) -> int:
    if not is_number(value) or value != int(value):
        raise ArgumentError(f"{what} must be a whole number from {low} to {high}, got {shown_value(value)}", hint=hint)
    if not low <= value <= high:
        raise ArgumentError(f"{what} must be from {low} to {high}, got {shown_value(value)}", hint=hint)
    return int(value)


def shown_value(value: Any) -> str:
    return f'"{value}"' if isinstance(value, str) else "none" if value is None else str(value)


MAX_OFFSET_MS = 500  # a track's nudge, an output's latency (engine/live.py): at most this many ms


# A control lane's key: a controller number (t.cc(74)), a name (t.bend,
# t.pressure, t.note_pressure; an MpeTrack's t.note_bend and t.timbre), or
# (kind, number) for t.nrpn(param) and t.cc14(controller).
NAMED_LANES = ("bend", "pressure", "note_pressure")
PER_NOTE_LANES = ("note_pressure", "note_bend", "timbre")  # one value per sounding note


LANE_HELP = {  # name → (how it is written, what it sends): help() and completion show them
    "bend": ("track.bend << pattern", "Pitch bend, 14 bits: -1 the synth's whole bend range down, 0 none, 1 up."),
    "pressure": ("track.pressure << pattern", "Channel pressure (aftertouch), 0..127."),
    "note_pressure": ("track.note_pressure << pattern", "Each sounding note's pressure, 0..127: poly aftertouch "
                      "(on an MpeTrack, channel pressure on the note's own channel)."),
    "note_bend": ("track.note_bend << pattern", "An MpeTrack's per-note bend, in semitones up to its bend_range."),
    "timbre": ("track.timbre << pattern", "An MpeTrack's per-note timbre: CC 74 on each note's own channel, 0..127."),
}


def lane_suffix(key: Any) -> str:
    """How a control lane is written after its track: .cc(74), .bend, .nrpn(300)."""
    if isinstance(key, int):
        return f".cc({key})"
    if isinstance(key, str):
        return f".{key}"
    return f".{key[0]}({key[1]})"


def lane_order(item: tuple) -> tuple:
    """The order a plan keeps its control lanes in (CCs by number, then named, then numbered kinds)."""
    key = item[0]
    if isinstance(key, int):
        return (0, "", key)
    if isinstance(key, str):
        return (1, key, 0)
    return (2, key[0], key[1])


# A lane's methods: `t.cc(74).learn()` calls the global of that name with the lane first.
LANE_METHODS = ("learn",)


@dataclass(frozen=True)
class Lane:
    """A lane of a track as a value: the target of `track.cc(74) << ...`."""

    spoken_kind = "a lane (t.cc(N), t.bend or t.vel)"  # how error messages name it (core.registry.describe)
    track: MidiTrack
    kind: str  # "cc" (every control lane, keyed by `number`) or "vel"
    number: Any = None

    def __repr__(self) -> str:
        owner = self.track.name or f"MidiTrack({self.track.channel})"
        return f"{owner}{self.suffix}"

    @property
    def suffix(self) -> str:
        return lane_suffix(self.number) if self.kind == "cc" else ".vel"


class MidiTrack:
    """A MIDI channel with a default velocity and lanes of patterns."""

    spoken_kind = "a track"  # how error messages name it (core.registry.describe)
    lane_names = ("vel", "velocity") + NAMED_LANES  # t.NAME is a lane

    def __init__(self, channel: Any, velocity: Any = 100, name: str | None = None):
        self.channel = whole_in(channel, "a MIDI channel", 1, 16, "channels are numbered 1 to 16")
        self.velocity = whole_in(velocity, "a velocity", 0, 127, "velocities run from 0 (silent) to 127 (loudest)")
        if name is not None and not isinstance(name, str):
            raise ArgumentError(f"a track's name must be a string, got {shown_value(name)}", hint='name: "bass"')
        self.name = name
        self.named = name is not None  # given by the user, so `let` keeps it
        self.notes: Pattern | None = None
        self.velocity_lane: Pattern | None = None
        self.cc_lanes: dict[Any, Pattern] = {}  # every control lane, by its key (lane_suffix)
        self.program_number: int | None = None  # sent when playing starts and when it changes
        self.muted = False
        self.soloed = False
        self.gate_fraction: Fraction | None = None
        self.transposition: Any = 0
        self.port: str | None = None
        self.nudge_ms: Any = 0  # its messages leave this many ms later (negative: earlier); musical time stays
        self.fell_back = False  # a binding failed and an earlier one plays again (until the next `<<`)
        self._lanes_lock = threading.Lock()  # the clock thread puts lanes back while the REPL may bind

    # -- lanes ------------------------------------------------------------------

    @track_method
    def cc(self, number):
        """The lane of controller `number` (0..127): t.cc(74) << Sine(0.25)."""
        return Lane(self, "cc", whole_in(number, "a CC number", 0, 127, "controllers are numbered 0 to 127"))

    def lane(self, name: str) -> Lane | None:
        """The lane `t.name` names (t.vel, t.bend …), or None."""
        if name not in self.lane_names:
            return None
        return Lane(self, "vel") if name in ("vel", "velocity") else Lane(self, "cc", name)

    @track_method
    def nrpn(self, param):
        """The lane of NRPN `param` (0..16383), 14-bit values 0..16383: t.nrpn(300) << Sine(1)."""
        return Lane(self, "cc", ("nrpn", whole_in(param, "an NRPN parameter", 0, 16383, "NRPN parameters are 0 to 16383")))

    @track_method
    def cc14(self, number):
        """The 14-bit lane of controller `number` (0..31, its LSB on number + 32), values 0..16383."""
        return Lane(self, "cc", ("cc14", whole_in(number, "a 14-bit CC number", 0, 31, "14-bit controllers are 0 to 31")))

    @track_method
    def program(self, number):
        """Play General MIDI program `number` (0..127, 0 the piano; none: send none), sent when playing starts and when it changes."""
        self.program_number = None if number is None else whole_in(
            number, "a program", 0, 127, "programs are numbered 0 to 127, as sent (GM's list counts from 1)")

    def lane_of(self, kind: str, number: int | None) -> Pattern | None:
        if kind == "notes":
            return self.notes
        if kind == "vel":
            return self.velocity_lane
        return self.cc_lanes.get(number)

    def set_lane(self, kind: str, number: int | None, pattern: Pattern | None) -> None:
        """Bind `pattern` to a lane (None clears it)."""
        with self._lanes_lock:
            self._set_lane(kind, number, pattern)
            self.fell_back = False

    def _set_lane(self, kind: str, number: int | None, pattern: Pattern | None) -> None:
        if kind == "notes":
            self.notes = pattern
        elif kind == "vel":
            self.velocity_lane = pattern
        elif pattern is None:
            self.cc_lanes.pop(number, None)
        else:
            self.cc_lanes[number] = pattern

    def fall_back(self, failed: Any, restored: Any) -> bool:
        """A binding failed while playing: every lane that still holds the
        failing pattern (`failed`, a TrackPlan) gets back what plays instead
        (`restored`'s lane, or none), so the track shows, exports and saves
        what is heard. A lane bound anew since is left alone. True when a
        lane changed; the track is then marked as fallen back."""
        before = {("notes", None): failed.notes, ("vel", None): failed.velocity_lane}
        before.update({("cc", n): p for n, p in failed.cc_lanes})
        after = {} if restored is None else {("notes", None): restored.notes, ("vel", None): restored.velocity_lane}
        if restored is not None:
            after.update({("cc", n): p for n, p in restored.cc_lanes})
        changed = False
        with self._lanes_lock:
            for kind, number in dict.fromkeys([*before, *after]):
                old, new = before.get((kind, number)), after.get((kind, number))
                if old is not new and self.lane_of(kind, number) is old:
                    self._set_lane(kind, number, new)
                    changed = True
            self.fell_back = self.fell_back or changed
        return changed

    # -- playing state -------------------------------------------------------------

    @track_method
    def mute(self):
        """Silence this track (its lanes are kept)."""
        self.muted = True

    @track_method
    def unmute(self):
        """Let this track play again."""
        self.muted = False

    @track_method
    def solo(self):
        """Play only the soloed tracks."""
        self.soloed = True

    @track_method
    def unsolo(self):
        """Take this track out of the solo group."""
        self.soloed = False

    @track_method
    def gate(self, fraction):
        """Sound every note for `fraction` of its span (0.5 staccato, 1 legato; none resets)."""
        if fraction is None:
            self.gate_fraction = None
            return
        if not is_number(fraction) or fraction <= 0:
            raise ArgumentError(f"gate must be a number more than 0, got {shown_value(fraction)}", hint="t.gate(0.5)")
        self.gate_fraction = Fraction(str(fraction)) if isinstance(fraction, float) else Fraction(fraction)

    @track_method
    def transpose(self, semitones):
        """Move every note of this track by `semitones`."""
        if not is_number(semitones):
            raise ArgumentError(f"transpose needs a number of semitones, got {shown_value(semitones)}", hint="t.transpose(12)")
        self.transposition = semitones

    @track_method
    def device(self, port):
        """Send this track to another output port (by name or number)."""
        if isinstance(port, bool) or not isinstance(port, (str, int)):
            raise ArgumentError(f"device needs a port name or number, got {shown_value(port)}", hint='t.device("IAC Bus 1")')
        self.port = port

    @track_method
    def nudge(self, ms):
        """Send this track's messages `ms` milliseconds later (negative: earlier), to line a slow or fast synth up with the others: bass.nudge(-5). Recordings and exports keep musical time."""
        if not is_number(ms) or isinstance(ms, bool):
            raise ArgumentError(f"nudge needs a number of milliseconds, got {shown_value(ms)}", hint="t.nudge(-5)")
        if not -MAX_OFFSET_MS <= ms <= MAX_OFFSET_MS:
            raise ArgumentError(f"nudge must be from -{MAX_OFFSET_MS} to {MAX_OFFSET_MS} ms, got {shown_value(ms)}",
                                hint="a few ms line a track up: t.nudge(-5)")
        self.nudge_ms = ms

    @track_method
    def clear(self):
        """Remove every pattern from this track's lanes."""
        with self._lanes_lock:
            self.notes = None
            self.velocity_lane = None
            self.cc_lanes.clear()
            self.fell_back = False

    def __repr__(self) -> str:
        name = "" if self.name is None else f', name: "{self.name}"'
        return f"MidiTrack({self.channel}, {self.velocity}{name})"
