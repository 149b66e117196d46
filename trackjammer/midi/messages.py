"""THE path from tracks and patterns to timed MIDI messages.

Live playback, the recorder and `midi_export` all turn patterns into MIDI
here, one time window at a time, so what is heard is what is exported. A
`MessageStream` answers a window [begin, end) with the messages whose time
falls in it, in exact musical time (cycles, as Fractions), in the order they
must be sent. What crosses a window's edge is carried by the stream: notes
still sounding (their note-offs come in a later window) and the last value
sent on each CC. Cutting the same stretch of time into different windows
gives the same messages.

The rules, from the language and export contracts:
- a note sounds for its span × gate (the note's own gate, else the track's,
  else 1), at least `min_length`; velocity is the note's `^v`, else the
  velocity lane at the onset, else the track's default;
- a CC lane holding a signal is sampled every 1/128 cycle and sent only when
  its 7-bit value changes; discrete values are sent at their onsets;
- a `Unit` value (a signal's own 0..1) is scaled to 0..127; any other number
  is used as given, rounded and kept within 0..127;
- at one time: note-offs, then CCs, then note-ons; a note of the same pitch
  and channel that starts while another sounds ends that one first (off
  before on) and sounds until the later of the two ends, so overlapping
  notes never cut each other short and every note-on has its note-off;
  one that starts less than `min_length` after the other merges with it, so
  no note is ever shorter than `min_length` (one tick in a file);
- a track asks for at most its `budget` of events a window (core/limits.py:
  what a MIDI port carries); one that asks for more fails, as a pattern that
  raises does, and is stopped while it is being asked.
"""

from __future__ import annotations

import heapq
import math
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Callable, Iterable, NamedTuple

from trackjammer.core.limits import OFFLINE, Budget
from trackjammer.core.pattern import Pattern, State
from trackjammer.core.signals import Signal
from trackjammer.core.span import TimeSpan
from trackjammer.core.values import Note, Unit, is_number
from trackjammer.errors import TrackJammerError

from trackjammer.midi.kinds import (  # noqa: F401 - Message.kind and its status bytes, re-exported
    CONTROL, KIND_NAMES, NOTE_OFF, NOTE_ON, SONG_POSITION, STATUS, SYSTEM,
)

CC_SAMPLES_PER_CYCLE = 128
BARE_VELOCITY = 100


class Message(NamedTuple):
    """One MIDI message at an exact musical time. Tuples sort into sending
    order: time, then kind (off, CC, on), then track, channel, data."""

    time: Fraction
    kind: int  # NOTE_OFF, CONTROL or NOTE_ON
    track: int  # index of the TrackPlan it came from
    channel: int  # 0..15
    data1: int  # note or controller number
    data2: int  # velocity or controller value

    def bytes(self) -> list[int]:
        if self.kind == SYSTEM:  # MIDI clock and transport: data1 is the status byte
            if self.data1 == SONG_POSITION:
                return [SONG_POSITION, self.data2 & 0x7F, self.data2 >> 7]
            return [self.data1]
        return [STATUS[self.kind] | self.channel, self.data1, self.data2]

    def __repr__(self) -> str:
        return f"<{KIND_NAMES[self.kind]} t={self.time} track={self.track} ch={self.channel} {self.data1} {self.data2}>"


def sending_order(message: Message) -> tuple:
    """The sort key of messages: the tuple's own order, with the time as a
    float first. A float comparison is cheap and exact whenever the floats
    differ (float() of a Fraction is monotonic); only ties compare Fractions."""
    return (float(message.time), message)


@dataclass(frozen=True)
class TrackPlan:
    """What one track plays, frozen at one moment. Live changes replace a
    plan whole, so a window never sees half of an edit."""

    index: int
    channel: int  # 0..15
    velocity: int
    notes: Pattern | None
    velocity_lane: Pattern | None = None
    cc_lanes: tuple[tuple[int, Pattern], ...] = ()
    gate: Fraction | None = None
    transpose: Any = 0
    port: Any = None
    name: str | None = None


def plan_of_track(track: Any, index: int) -> TrackPlan:
    """The plan of a MidiTrack as it is now."""
    return TrackPlan(
        index=index, channel=track.channel - 1, velocity=track.velocity, notes=track.notes,
        velocity_lane=track.velocity_lane, cc_lanes=tuple(sorted(track.cc_lanes.items())),
        gate=track.gate_fraction, transpose=track.transposition, port=track.port, name=track.name,
    )


def plan_of_pattern(pattern: Pattern, index: int = 0) -> TrackPlan:
    """A bare pattern plays on channel 1 (byte 0) at velocity 100."""
    return TrackPlan(index=index, channel=0, velocity=BARE_VELOCITY, notes=pattern)


class PatternError(TrackJammerError):
    """A pattern gave something that cannot become MIDI."""


def seven_bit(value: Any) -> int:
    """A lane value as 0..127: a Unit is a fraction of the range, any other
    number is used as given; rounded half up, then clamped."""
    if type(value) is Unit:
        value = value * 127
    elif type(value) is not float:  # an int or Fraction: rounded exactly
        return max(0, min(127, math.floor(value + Fraction(1, 2))))
    return max(0, min(127, math.floor(value + 0.5)))


@dataclass(slots=True)
class _Voice:
    """A sounding note and when its note-off is due."""

    start: Fraction
    off: Fraction
    track: int
    channel: int
    note: int
    key: tuple
    cancelled: bool = False


@dataclass
class MessageStream:
    """Messages window by window, with the state that crosses windows."""

    min_length: Fraction = Fraction(1, 1920)  # one tick at 480 PPQN × 4 beats
    # events a track may ask for (core/limits.py): offline by default; live, the transport's
    budget: Budget | None = OFFLINE
    dropped: int = 0  # notes outside 0..127 left out
    _pending: list = field(default_factory=list)  # heap of (float(due), due, number, _Voice)
    _pushed: int = 0  # numbers the heap's entries: equal times keep the order they came in
    _sounding: dict = field(default_factory=dict)  # (port, channel, note) → latest _Voice
    _cc_sent: dict = field(default_factory=dict)  # (port, channel, controller) → last value

    def window(
        self, plans: Iterable[TrackPlan], begin: Fraction, end: Fraction, seed: int = 0,
        on_error: Callable[[TrackPlan, Exception], None] | None = None,
    ) -> list[Message]:
        """Every message with a time in [begin, end), in sending order.

        Without `on_error`, a pattern that fails raises. With it (live
        playback), the failing track gives nothing for this window, the
        others play on, and `on_error(plan, error)` is told."""
        begin, end = Fraction(begin), Fraction(end)
        messages: list[Message] = []
        if begin >= end:
            return messages
        span = TimeSpan(begin, end)
        onsets: list[tuple] = []
        grids: list[list[Fraction]] = []  # the CC sampling times in the span, made once
        budget = self.budget
        for plan in plans:

            def lanes(plan: TrackPlan = plan) -> list:
                """Note onsets (plain tuples) and CC messages in one list: the budget counts both."""
                found = list(self._note_onsets(plan, span, seed)) if plan.notes is not None else []
                for controller, lane in plan.cc_lanes:
                    if not grids:
                        grids.append(sample_times(span))
                    found.extend(self._cc(plan, controller, lane, span, seed, grids[0]))
                return found

            try:
                if budget is None:
                    found = lanes()
                else:
                    found = budget.run(lanes, lambda length, plan=plan: _count(plan, begin, length, seed), begin, end)
            except Exception as error:  # noqa: BLE001 - live playback must survive any pattern
                if on_error is None:
                    raise
                on_error(plan, error)
                continue
            for item in found:
                (messages if type(item) is Message else onsets).append(item)
        onsets.sort(key=lambda o: (o[0], o[1].index))
        for onset in onsets:
            self._start(onset, messages)
        self._due(end, messages)
        messages.sort(key=sending_order)
        return messages

    def release(self, at: Fraction, tracks: set[int] | None = None) -> list[Message]:
        """Note-offs at `at` for every sounding note (or those of `tracks`):
        the end of an export, stop, hush."""
        at = Fraction(at)
        messages = []
        kept = []
        for entry in self._pending:
            voice = entry[3]
            if voice.cancelled:
                continue
            if tracks is None or voice.track in tracks:
                messages.append(Message(min(at, voice.off), NOTE_OFF, voice.track, voice.channel, voice.note, 0))
                if self._sounding.get(voice.key) is voice:
                    del self._sounding[voice.key]
            else:
                kept.append(entry)
        heapq.heapify(kept)
        self._pending = kept
        messages.sort(key=sending_order)
        return messages

    def drain(self) -> list[Message]:
        """Every pending note-off at its own time (an export that lets notes ring)."""
        messages = []
        while self._pending:
            voice = heapq.heappop(self._pending)[3]
            if not voice.cancelled:
                messages.append(Message(voice.off, NOTE_OFF, voice.track, voice.channel, voice.note, 0))
        self._sounding.clear()
        messages.sort(key=sending_order)
        return messages

    @property
    def sounding(self) -> int:
        return len(self._sounding)

    # -- notes ---------------------------------------------------------------------

    def _note_onsets(self, plan: TrackPlan, span: TimeSpan, seed: int) -> Iterable[tuple]:
        """(time, plan, note, velocity, off time) for each onset in the span."""
        min_length = self.min_length
        shortest = float(min_length) * 2  # below this (as floats), lengths are checked exactly
        track_gate = plan.gate
        for event in plan.notes.query(State(span, seed)):
            whole, part = event.whole, event.part  # parts lie within the span asked for
            if whole is None or (whole is not part and whole.begin != part.begin):
                continue
            value = event.value
            if isinstance(value, Note):
                number, velocity, gate = value.note, value.velocity, value.gate
            else:
                number, velocity, gate = value, None, None
            if not is_number(number):
                raise PatternError(f"{_owner(plan)} plays {_shown(number)}, which is not a note",
                                   hint="a note lane needs numbers or note names: [C4 E4 G4]")
            note = _round(number + plan.transpose if plan.transpose else number)
            if not 0 <= note <= 127:
                self.dropped += 1
                continue
            t = whole.begin
            if velocity is None:
                velocity = plan.velocity
                if plan.velocity_lane is not None:
                    sampled = _sample(plan.velocity_lane, t, seed)
                    if sampled is not None:
                        velocity = seven_bit(_number(sampled, plan, "velocity"))
            if velocity == 0:
                continue  # a note-on of velocity 0 would be a note-off: a silent note sends nothing
            if gate is None:
                gate = track_gate
            off = whole.end if gate is None or gate == 1 else t + (whole.end - t) * gate
            if float(off) - float(t) < shortest and off - t < min_length:
                off = t + min_length
            yield (t, plan, note, velocity, off)

    def _start(self, onset: tuple, messages: list[Message]) -> None:
        t, plan, note, velocity, off = onset
        key = (plan.port, plan.channel, note)
        voice = self._sounding.get(key)
        if voice is not None and voice.off > t:
            if t - voice.start < self.min_length:  # twice at (nearly) once: one note, the longer
                if off > voice.off:
                    voice.cancelled = True
                    self._push(_Voice(voice.start, off, voice.track, voice.channel, note, key))
                return
            voice.cancelled = True  # a re-trigger: end it now, sound until the later end
            messages.append(Message(t, NOTE_OFF, voice.track, voice.channel, note, 0))
            off = max(off, voice.off)
        messages.append(Message(t, NOTE_ON, plan.index, plan.channel, note, velocity))
        self._push(_Voice(t, off, plan.index, plan.channel, note, key))

    def _push(self, voice: _Voice) -> None:
        self._sounding[voice.key] = voice
        self._pushed += 1
        heapq.heappush(self._pending, (float(voice.off), voice.off, self._pushed, voice))

    def _due(self, end: Fraction, messages: list[Message]) -> None:
        pending = self._pending
        while pending and pending[0][1] < end:
            voice = heapq.heappop(pending)[3]
            if voice.cancelled:
                continue
            messages.append(Message(voice.off, NOTE_OFF, voice.track, voice.channel, voice.note, 0))
            if self._sounding.get(voice.key) is voice:
                del self._sounding[voice.key]

    # -- control changes -----------------------------------------------------------

    def _cc(
        self, plan: TrackPlan, controller: int, lane: Pattern, span: TimeSpan, seed: int, grid: list[Fraction],
    ) -> list[Message]:
        """Discrete values at their onsets (always sent); a signal every 1/128
        cycle (sent when its value changes)."""
        onsets: list[tuple[Fraction, int, bool]] = []
        continuous = False
        for event in lane.query(State(span, seed)):
            whole = event.whole
            if whole is None:
                continuous = True
            elif whole.begin == event.part.begin and whole.begin < span.end:
                onsets.append((whole.begin, seven_bit(_number(event.value, plan, "CC")), True))
        found = _samples(plan, lane, grid, seed) if continuous else []
        if onsets:
            found = sorted(found + onsets, key=lambda f: (float(f[0]), f[0])) if found else onsets
        key = (plan.port, plan.channel, controller)
        last = self._cc_sent.get(key)
        messages = []
        for t, value, always in found:
            if always or value != last:
                last = value
                messages.append(Message(t, CONTROL, plan.index, plan.channel, controller, value))
        if last is not None:
            self._cc_sent[key] = last
        return messages


def sample_times(span: TimeSpan) -> list[Fraction]:
    """The grid points k/128 within [begin, end)."""
    first = -((-span.begin * CC_SAMPLES_PER_CYCLE) // 1)  # at or after begin
    stop = -((-span.end * CC_SAMPLES_PER_CYCLE) // 1)
    return [Fraction(k, CC_SAMPLES_PER_CYCLE) for k in range(first, stop)]


def _samples(plan: TrackPlan, lane: Pattern, grid: list[Fraction], seed: int) -> list[tuple[Fraction, int, bool]]:
    """The continuous part of a lane at each grid point, as (time, value, False)."""
    if isinstance(lane, Signal):  # read directly, without building spans and events
        sample = lane.sample
        return [(t, seven_bit(_number(sample(t, seed), plan, "CC")), False) for t in grid]
    samples = []
    query = lane.query
    for t in grid:
        for event in query(State(TimeSpan(t, t), seed)):
            if event.whole is None:
                samples.append((t, seven_bit(_number(event.value, plan, "CC")), False))
                break
    return samples


def _count(plan: TrackPlan, begin: Fraction, length: Fraction, seed: int) -> int:
    """The onsets of every lane of `plan` in [begin, begin + length), counted
    without touching the stream (a refused window's density)."""
    state = State(TimeSpan(begin, begin + length), seed)
    lanes = ([plan.notes] if plan.notes is not None else []) + [lane for _, lane in plan.cc_lanes]
    return sum(1 for lane in lanes for e in lane.query(state) if e.whole is not None and e.whole.begin == e.part.begin)


def _round(number: Any) -> int:
    """Half up, the same rule as ticks."""
    return int(number) if isinstance(number, int) else int((Fraction(number) + Fraction(1, 2)) // 1)


def _number(value: Any, plan: TrackPlan, lane: str) -> Any:
    number = value.note if isinstance(value, Note) else value
    if not is_number(number):
        raise PatternError(f"the {lane} lane of {_owner(plan)} holds {_shown(number)}, not a number",
                           hint="bind numbers or signals: t.cc(74) << Sine(0.25)")
    return number


def _sample(pattern: Pattern, t: Fraction, seed: int) -> Any:
    """The lane's value at one point of time (None where it is silent)."""
    events = pattern.query(State(TimeSpan(t, t), seed))
    return events[0].value if events else None


def _owner(plan: TrackPlan) -> str:
    return f"track '{plan.name}'" if plan.name else "the pattern"


def _shown(value: Any) -> str:
    return f'"{value}"' if isinstance(value, str) else type(value).__name__ if not is_number(value) else str(value)
