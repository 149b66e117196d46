"""The MIDI inputs opened with input(port): what is played in is recorded,
played through a track, turns knobs, and feeds loops and capture.

Each input (midi/input.py; its port is read by a listening process,
midi/input_process.py) hands over every message with the moment it
arrived, from a thread of its own. `Inputs.arrived` puts that
moment on TrackJammer's musical clock (engine/clock.py: under
sync("clock") the clock follows the master, so input lines up with it),
kept exact to a millionth of a cycle, and then:

- system messages (clock, active sensing, SysEx) go no further;
- a controller's value goes to the knobs (core/knobs.py), and the first
  controller moved after learn() becomes the learning knob's;
- while playing, notes go to the notes kept for capture (engine/played.py)
  and to the loops recording (engine/loops.py);
- with thru, the message is played through the track (engine/thru.py) and
  recorded as what was sent, on the track's channel: once, not also on the
  input's track;
- else it goes into the take (engine/recorder.py) on a track of the
  input's own, named after its port, through the same journal as
  everything else (its writer flushes every 100 ms: a kill loses less).
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Callable

from trackjammer.core.knobs import KNOBS, Knob, KnobStore
from trackjammer.core.time import to_time
from trackjammer.engine.loops import Loops
from trackjammer.engine.played import PlayedNotes
from trackjammer.engine.recorder import NOW_GRID
from trackjammer.engine.thru import Thru
from trackjammer.errors import TrackJammerError
from trackjammer.midi.kinds import CONTROL_STATUS, NOTE_OFF_STATUS, NOTE_ON_STATUS, is_channel
from trackjammer.midi.mpe import configuration
from trackjammer.midi.rtmidi_out import INPUT_PORT_NAME, list_ports


def on_grid(cycle: float) -> Fraction:
    """A stamped cycle, exact on a millionth of a cycle (as "now" is in takes)."""
    return Fraction(round(cycle * NOW_GRID), NOW_GRID) if cycle == cycle else Fraction(0)


@dataclass(eq=False)
class Opened:
    """One input: its number in the engine (its track in takes), the port, and the track it plays through."""

    number: int
    port: Any  # a midi.input.Input
    thru: Any = None  # a MidiTrack, or None
    through: Thru = field(default_factory=Thru)

    @property
    def name(self) -> str:
        return self.port.name


class Inputs:
    def __init__(self, engine: Any, knobs: KnobStore = KNOBS) -> None:
        self.engine = engine
        self.knobs = knobs
        self.opened: list[Opened] = []
        self.played = PlayedNotes()
        self.loops = Loops()
        self._numbers = itertools.count(1)
        self._learning: dict[int, tuple[Knob, str]] = {}  # id(knob) → (knob, what it drives)

    # -- the performer's calls -------------------------------------------------------------

    def open(self, port: Any = None, thru: Any = None) -> str:
        """Open `port` (or take the one already open) and play it through
        `thru` (a track, or None: recorded only); gives the port's name."""
        entry = self.find(port) if self.opened else None
        if entry is None:
            engine = self.engine
            opened, notice = engine.open_input(port, engine.backend, report=engine.report)
            same = next((e for e in self.opened if e.name == opened.name and opened.name != INPUT_PORT_NAME), None)
            if same is not None:  # opened by another spelling (a number): the one open already is it
                opened.close()
                entry = same
            else:
                if notice:
                    engine.report(notice)
                entry = Opened(next(self._numbers), opened)
                opened.listen(lambda data, stamp, entry=entry: self.arrived(entry, data, stamp))
                self.opened.append(entry)
                opened.start()
                engine.inputs_changed()
        if thru is not entry.thru:
            self._end_thru(entry)
            entry.thru = thru
            zone = getattr(thru, "zone", None)
            if zone is not None:  # an MPE synth learns its zone before the first note played through
                for channel, controller, value in configuration(zone):
                    self.engine.play_through(thru, bytes((CONTROL_STATUS | channel, controller, value)), None)
        return entry.name

    def close(self, port: Any) -> str:
        entry = self.find(port)
        if entry is None:
            open_now = ", ".join(f"'{e.name}'" for e in self.opened) or "none"
            raise TrackJammerError(f"no input {port!r} is open (open: {open_now})", hint="inputs() lists them")
        self._end_thru(entry)
        self.opened.remove(entry)
        entry.port.close()
        self.engine.inputs_changed()
        return entry.name

    def close_all(self) -> None:
        for entry in list(self.opened):
            self._end_thru(entry)
            entry.port.close()
        self.opened = []

    def lines(self) -> list[str]:
        """One line per open input, as inputs() shows them."""
        lines = []
        for entry in self.opened:
            thru = entry.thru
            through = "" if thru is None else f", through {thru.name or f'MidiTrack({thru.channel})'}"
            gone = " (gone)" if entry.port.gone else ""
            lines.append(f"in {entry.number}: {entry.name}{gone}{through}")
        return lines

    def played_notes(self, cycles: int, now: float) -> list[tuple[Fraction, Fraction, int, int]]:
        """The notes played in during the last `cycles` whole cycles before
        `now`: (start, end, note, velocity), starts in [0, cycles) from the
        window's start, sorted by start then note; a note still held (or held
        past the window) ends at its end."""
        if isinstance(cycles, bool) or not isinstance(cycles, int) or cycles < 1:
            raise TrackJammerError(f"the notes played are taken over a whole number of cycles, got {cycles!r}",
                                   hint="capture(2): the last two cycles")
        end = Fraction(math.floor(now))
        return self.played.window(end - cycles, end)

    def loop_record(self, track: Any, cycles: Any, playing: bool, boundary: Callable[[], Fraction]) -> Fraction | None:
        """Passes of `cycles` on `track` from the first whole cycle at or after
        `boundary()` (where a binding would take effect); 0 stops recording."""
        length = to_time(cycles)
        if length <= 0:
            self.loops.record(track, Fraction(0), Fraction(0))
            return None
        if not self.opened:
            raise TrackJammerError("no MIDI input is open to record a loop from",
                                   hint='open one first: input("port name") (ports() lists them)')
        if not playing:
            raise TrackJammerError("a loop is recorded while playing", hint="start() first")
        start = Fraction(math.ceil(boundary()))
        self.loops.record(track, length, start)
        return start

    def started(self) -> None:
        """Playing starts (again): cycles begin anew, so the notes kept for
        capture go, loop recording ends and every layer plays in every pass."""
        self.played.clear()
        self.loops.settle()

    def find(self, port: Any) -> Opened | None:
        """The open input `port` names: its name, a unique part of it (case
        aside), the number of a port in ports(), or none: the virtual port."""
        if port is None:
            return next((e for e in self.opened if e.name == INPUT_PORT_NAME), None)
        if isinstance(port, int):
            names = list_ports(self.engine.backend, direction="in")
            port = names[port] if 0 <= port < len(names) else None
            return next((e for e in self.opened if e.name == port), None)
        exact = [e for e in self.opened if e.name == port]
        if exact:
            return exact[0]
        parts = [e for e in self.opened if str(port).casefold() in e.name.casefold()]
        return parts[0] if len(parts) == 1 else None

    def learn(self, what: str) -> Knob:
        """A knob that takes the next controller moved, said then as driving
        `what` (with no input open yet, it waits for one: a saved state that
        learns loads anywhere)."""
        knob = self.knobs.learn()
        self._learning[id(knob)] = (knob, what)
        return knob

    # -- what arrives (each input's thread) ---------------------------------------------------

    def arrived(self, entry: Opened, data: bytes, stamp: float) -> None:
        if not data or not is_channel(data[0]):
            return  # MIDI clock, active sensing, SysEx: not played, not recorded
        engine = self.engine
        cycle = on_grid(engine.clock.cycle_at(stamp))
        status = data[0] & 0xF0
        if status == CONTROL_STATUS and len(data) == 3:
            for knob in self.knobs.moved(entry.name, data[1], data[2]):
                self._learned(knob)
        elif status in (NOTE_ON_STATUS, NOTE_OFF_STATUS) and len(data) == 3 and engine.scheduler.playing:
            key = (entry.number, data[0] & 0x0F, data[1])
            if status == NOTE_ON_STATUS and data[2] > 0:
                self.played.on(key, cycle, data[1], data[2])
                self.loops.on(key, cycle, data[1], data[2])
            else:
                self.played.off(key, cycle)
                self.loops.off(key, cycle)
        if engine.scheduler.playing:
            engine.played_in(cycle)  # a take still waiting for something to play begins with this cycle
        thru = entry.thru
        if thru is not None:
            for sent in entry.through.rewrite(data, thru.channel - 1, thru.transposition, getattr(thru, "zone", None)):
                engine.play_through(thru, sent, cycle)
        else:
            engine.recorder.record_input(cycle, data, entry.number, entry.name)

    def _learned(self, knob: Knob) -> None:
        knob_id = id(knob)
        known = self._learning.pop(knob_id, None)
        if known is None:
            return
        cc, port = knob.cc, knob.port
        # a snapshot writes what was learned (provenance keeps a value's first source: replaced here)
        from trackjammer.lang import provenance  # start-up time: the language's, loaded when first used

        self.engine.session.sources[knob] = provenance.call_parts("knob", (cc, port), ())
        self.engine.report(f"learned: {known[1]} follows CC {cc} on '{port}' (knob({cc}, \"{port}\"))")

    def _end_thru(self, entry: Opened) -> None:
        """The notes played through `entry`'s track end (it closes, or plays through another)."""
        if entry.thru is not None:
            for data in entry.through.release():
                self.engine.play_through(entry.thru, data, None)


