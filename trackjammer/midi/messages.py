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
  velocity lane at the onset, else the track's default; times the note's
  gain, if any (a note brought to velocity 0 is not sent);
- a CC lane holding a signal is sampled every 1/128 cycle and sent only when
  its 7-bit value changes; discrete values are sent at their onsets; every
  other control lane follows the same rule with its own message: pitch bend
  (14 bits, -1..1 the synth's bend range), channel pressure, NRPN (CCs 99,
  98, 6, 38) and 14-bit CC (the controller, then its LSB at controller + 32);
- a per-note lane (poly aftertouch, and an MPE track's per-note bend,
  timbre and pressure) is read for each sounding note: at its onset (always
  sent, before an MPE note's note-on) and on the same 1/128 grid while it
  sounds (sent when the value changes), on that note's own channel;
- a program is sent where a track first plays and where it changes; an MPE
  zone is announced (midi/mpe.py) where it first plays, and each of its
  notes gets a member channel of its own;
- a `Unit` value (a signal's own 0..1) is scaled to 0..127; any other number
  is used as given, rounded and kept within 0..127;
- at one time: note-offs, program changes, CCs, bends, pressure, note-ons,
  poly aftertouch (midi/kinds.py); a note of the same pitch
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

import copy
import heapq
import math
from dataclasses import dataclass, field
from fractions import Fraction
from operator import attrgetter
from typing import Any, Callable, Iterable, NamedTuple

from trackjammer.core.limits import OFFLINE, Budget
from trackjammer.core.pattern import Pattern, State
from trackjammer.core.signals import Signal
from trackjammer.core.span import TimeSpan
from trackjammer.core.values import Note, Unit, is_number
from trackjammer.errors import TrackJammerError

from trackjammer.midi.kinds import (  # noqa: F401 - Message.kind and its status bytes, re-exported
    BEND, BEND_CENTRE, CONTROL, DATA, KIND_NAMES, NOTE_OFF, NOTE_ON, POLYTOUCH, PRESSURE, PROGRAM, SONG_POSITION, STATUS,
    SYSTEM,
)
from trackjammer.midi.mpe import Members, Zone, configuration
from trackjammer.midi.track import PER_NOTE_LANES, lane_order

CC_SAMPLES_PER_CYCLE = 128
BARE_VELOCITY = 100


class Message(NamedTuple):
    """One MIDI message at an exact musical time. Tuples sort into sending
    order: time, then kind (midi/kinds.py: off … CC … on), then track, channel, data."""

    time: Fraction
    kind: int  # NOTE_OFF, PROGRAM, CONTROL, BEND, PRESSURE, NOTE_ON, POLYTOUCH (midi/kinds.py) or SYSTEM
    track: int  # index of the TrackPlan it came from
    channel: int  # 0..15
    data1: int  # note, controller, program, pressure, or a bend's low 7 bits
    data2: int  # velocity, value, a bend's high 7 bits (0 where the kind has one data byte)

    def bytes(self) -> list[int]:
        if self.kind == SYSTEM:  # MIDI clock and transport: data1 is the status byte
            if self.data1 == SONG_POSITION:
                return [SONG_POSITION, self.data2 & 0x7F, self.data2 >> 7]
            return [self.data1]
        if DATA[self.kind] == 1:
            return [STATUS[self.kind] | self.channel, self.data1]
        return [STATUS[self.kind] | self.channel, self.data1, self.data2]

    def __repr__(self) -> str:
        return f"<{KIND_NAMES[self.kind]} t={self.time} track={self.track} ch={self.channel} {self.data1} {self.data2}>"


def sending_order(message: Message) -> tuple:
    """The sort key of messages: the tuple's own order, with the time as a
    float first. A float comparison is cheap and exact whenever the floats
    differ (float() of a Fraction is monotonic); only ties compare Fractions.
    CCs of one track at one time keep the order they were made in (the sort
    is stable): an RPN or NRPN is a sequence of CCs, and an MPE zone's
    announcement starts on its manager channel, whichever number it has."""
    if message.kind == CONTROL:
        return (float(message.time), message.time, CONTROL, message.track, 0, 0, 0)
    return (float(message.time), *message)


def _window_order(message: Message) -> tuple:
    """`sending_order` with the time's numerator and denominator in place of
    the Fraction: ints compare in C, where equal Fractions that are not one
    object compare in Python. The same order wherever no two different
    times have one float (`_cheaply_ordered` checks that they cannot)."""
    time = message[0]
    if message[1] == CONTROL:
        return (time.numerator / time.denominator, time.numerator, time.denominator, CONTROL, message[2], 0, 0, 0)
    return (time.numerator / time.denominator, time.numerator, time.denominator, *message[1:])


def _onset_order(onset: tuple) -> tuple:
    """(time, plan index) of a note onset, with the time as in `_window_order`."""
    time = onset[0]
    return (time.numerator / time.denominator, time.numerator, time.denominator, onset[1].index)


_DENOMINATOR = attrgetter("time.denominator")
_FLOAT_BITS = 52


def _cheaply_ordered(denominators: Iterable[int], begin: Fraction, end: Fraction) -> bool:
    """True when no two different times in [begin, end) with these
    denominators (at most D) can round to one float: they differ by at
    least 1/D², a float near t by at most |t|·2⁻⁵², so D²·(|t| + 1) < 2⁵¹
    keeps them apart, and float order with the numerator and denominator
    breaking ties is exact time order."""
    largest = max(denominators, default=1)
    return largest * largest * (max(abs(math.floor(begin)), abs(math.ceil(end))) + 1) < 2 ** (_FLOAT_BITS - 1)


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
    program: int | None = None
    zone: Zone | None = None  # an MpeTrack's zone: its notes go to the member channels


def plan_of_track(track: Any, index: int) -> TrackPlan:
    """The plan of a MidiTrack as it is now."""
    return TrackPlan(
        index=index, channel=track.channel - 1, velocity=track.velocity, notes=track.notes,
        velocity_lane=track.velocity_lane, cc_lanes=tuple(sorted(track.cc_lanes.items(), key=lane_order)),
        gate=track.gate_fraction, transpose=track.transposition, port=track.port, name=track.name,
        program=track.program_number, zone=getattr(track, "zone", None),
    )


def plan_of_pattern(pattern: Pattern, index: int = 0) -> TrackPlan:
    """A bare pattern plays on channel 1 (byte 0) at velocity 100."""
    return TrackPlan(index=index, channel=0, velocity=BARE_VELOCITY, notes=pattern)


_ZONE = "zone"  # in what _setup sent: the zone it announced


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


def fourteen_bit(value: Any) -> int:
    """A 14-bit lane value (NRPN, 14-bit CC) as 0..16383: a Unit is a
    fraction of the range; rounded half up, then clamped."""
    if type(value) is Unit:
        value = value * 16383
    return max(0, min(16383, math.floor(value + Fraction(1, 2)) if type(value) is not float else math.floor(value + 0.5)))


def bend_value(value: Any) -> int:
    """A bend of -1..1 (the synth's whole bend range down or up; a Unit's
    0..1 spans it too) as the 14-bit value sent: 0 is 8192, -1 is 0, 1 is
    16383 (the top, as 8192 steps up do not fit)."""
    if type(value) is Unit:
        value = 2 * value - 1
    exact = value * BEND_CENTRE + BEND_CENTRE
    return max(0, min(16383, math.floor(exact + Fraction(1, 2)) if type(value) is not float else math.floor(exact + 0.5)))


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
    members: Members | None = None  # an MPE note: the zone's channels it was given one of
    sent: dict | None = None  # per-note lane → the value last sent for this note
    cut: Fraction | None = None  # ended early (re-triggered or its channel taken over)


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
    _cc_sent: dict = field(default_factory=dict)  # (port, channel, lane key) → last value
    _programs: dict = field(default_factory=dict)  # (port, channel) → the program sent there last
    _zones: dict = field(default_factory=dict)  # (port, manager channel) → Members, once announced
    _started: list = field(default_factory=list)  # the voices started in the window being made
    _begin: Fraction = Fraction(0)  # the start of the window being made
    _offs: dict = field(default_factory=dict)  # (numerator, denominator) → the one Fraction the heap holds for it

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
        per_note: dict[int, tuple[TrackPlan, dict]] = {}  # plan index → (plan, lane → {time: value})
        budget = self.budget.window(begin, end) if self.budget is not None else None
        for plan in plans:
            values: dict = {}  # per-note lanes of this plan: lane → {time: value}
            notes_found = [0]  # how many of `found` are note onsets: they come first

            def lanes(plan: TrackPlan = plan, values: dict = values, notes_found: list = notes_found) -> list:
                """Note onsets (plain tuples) and lane messages in one list: the
                budget counts both; per-note lanes are read into `values`."""
                found = list(self._note_onsets(plan, span, seed)) if plan.notes is not None else []
                notes_found[0] = len(found)
                onset_times = [o[0] for o in found]
                for key, lane in plan.cc_lanes:
                    if not grids:
                        grids.append(sample_times(span))
                    if key in PER_NOTE_LANES:  # read on the grid, at each note's onset and at the lane's own onsets
                        times = {*grids[0], *onset_times, *_onsets(lane, span, seed)}
                        values[key] = _values(plan, key, lane, sorted(times), seed)
                    else:
                        found.extend(self._lane(plan, key, lane, span, seed, grids[0]))
                return found

            try:
                setup, announced = self._setup(plan, begin)
                if budget is None:
                    found = lanes()
                else:
                    found = budget.run(lanes, lambda start, length, plan=plan: _count(plan, start, length, seed))
            except Exception as error:  # noqa: BLE001 - live playback must survive any pattern
                if on_error is None:
                    raise
                on_error(plan, error)
                continue
            if announced.pop(_ZONE, None) is not None:
                self._zones[plan.port, plan.zone.manager] = Members(plan.zone)
            self._programs.update(announced)
            messages.extend(setup)
            onsets.extend(found[:notes_found[0]])
            messages.extend(found[notes_found[0]:])
            if values:
                per_note[plan.index] = (plan, values)
        if per_note:
            alive = [entry[3] for entry in self._pending if not entry[3].cancelled and entry[3].track in per_note]
        cheap = _cheaply_ordered((o[0].denominator for o in onsets), begin, end)
        onsets.sort(key=_onset_order if cheap else lambda o: (o[0], o[1].index))
        self._started = []
        self._begin = begin
        self._offs = {}
        for onset in onsets:
            self._start(onset, messages)
        if per_note:
            alive += [v for v in self._started if v.track in per_note]
            alive.sort(key=lambda v: (v.start, v.channel))  # the same order whichever window a note started in
            for voice in alive:
                self._expression(voice, *per_note[voice.track], begin, end, messages)
        self._due(end, messages)
        messages.sort(key=_window_order if _cheaply_ordered(map(_DENOMINATOR, messages), begin, end) else sending_order)
        return messages

    def _setup(self, plan: TrackPlan, at: Fraction) -> tuple[list[Message], dict]:
        """The program change and MPE announcement `plan` needs at `at` (where
        it first plays or they change), and what they will have sent."""
        setup: list[Message] = []
        sent: dict = {}
        zone = plan.zone
        if zone is not None:
            members = self._zones.get((plan.port, zone.manager))
            if members is None or members.zone != zone:
                setup += [Message(at, CONTROL, plan.index, c, n, v) for c, n, v in configuration(zone)]
                sent[_ZONE] = zone
        if plan.program is not None:
            for channel in (plan.channel, *(zone.members if zone is not None else ())):
                if self._programs.get((plan.port, channel)) != plan.program or _ZONE in sent:
                    setup.append(Message(at, PROGRAM, plan.index, channel, plan.program, 0))
                    sent[plan.port, channel] = plan.program
        return setup, sent

    def fork(self, later: int = 0) -> MessageStream:
        """An independent copy of the state that crosses windows, taken
        between windows: live playback keeps one where each window it hands
        over begins, so a change can take back what is not sent yet and
        play on from there (engine/scheduler.py). With `later`, every time
        in it is that many cycles later: the state a repeating stretch
        reaches a whole number of its periods on (engine/steady.py; not for
        MPE, whose zones hold times of their own)."""
        if self._zones:  # MPE: voices and their zones' channels point at each other
            if later:
                raise ValueError("an MPE stream is not moved in time")
            return copy.deepcopy(self, {id(self.budget): self.budget})
        copies: dict[int, _Voice] = {}

        def own(voice: _Voice) -> _Voice:
            mine = copies.get(id(voice))
            if mine is None:
                sent = dict(voice.sent) if voice.sent is not None else None
                start, off, cut = voice.start, voice.off, voice.cut
                if later:
                    start, off, cut = start + later, off + later, None if cut is None else cut + later
                mine = copies[id(voice)] = _Voice(start, off, voice.track, voice.channel, voice.note,
                                                  voice.key, voice.cancelled, voice.members, sent, cut)
            return mine

        forked = copy.copy(self)
        if later:  # moving every time alike keeps the heap in order
            forked._pending = [(mine.off.numerator / mine.off.denominator, mine.off, number, mine)
                               for mine, number in ((own(voice), number) for _, _, number, voice in self._pending)]
        else:
            forked._pending = [(due, off, number, own(voice)) for due, off, number, voice in self._pending]
        forked._sounding = {key: own(voice) for key, voice in self._sounding.items()}
        forked._cc_sent, forked._programs = dict(self._cc_sent), dict(self._programs)
        forked._started, forked._offs = [], {}
        return forked

    def repeats(self, earlier: MessageStream, cycles: int) -> bool:
        """Whether this state is `earlier`'s, `cycles` later: the same notes
        sounding (each `cycles` later, their note-offs in the same order),
        the same CC values and programs sent. Then what follows from here is
        what followed from there, moved by `cycles`, for patterns that
        repeat every `cycles` (engine/steady.py)."""
        if self._zones or earlier._zones:
            return False
        if self._cc_sent != earlier._cc_sent or self._programs != earlier._programs:
            return False
        return (_voices_at(self._pending, self._sounding, 0) == _voices_at(earlier._pending, earlier._sounding, cycles))

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
                if voice.members is not None:
                    voice.members.free(voice, min(at, voice.off))
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
                if voice.members is not None:
                    voice.members.free(voice, voice.off)
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
            if whole is None or (whole is not part and whole.begin is not part.begin and whole.begin != part.begin):
                continue
            value = event.value
            if type(value) is Note:
                number, velocity, gate, gain = value.note, value.velocity, value.gate, value.gain
            else:
                number, velocity, gate, gain = value, None, None, None
            if type(number) is not int and not is_number(number):  # an int is the commonest note: no more checks
                raise PatternError(f"{_owner(plan)} plays {_shown(number)}, which is not a note",
                                   hint="a note lane needs numbers or note names: [C4 E4 G4]")
            if plan.transpose:
                number += plan.transpose
            note = number if type(number) is int else _round(number)
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
            if gain is not None:
                velocity = min(127, round(velocity * gain))
            if velocity == 0:
                continue  # a note-on of velocity 0 would be a note-off: a silent note sends nothing
            if gate is None:
                gate = track_gate
            off = whole.end if gate is None or gate == 1 else t + (whole.end - t) * gate
            if (off.numerator / off.denominator - t.numerator / t.denominator < shortest  # float(): cheaper inline
                    and off - t < min_length):
                off = t + min_length
            yield (t, plan, note, velocity, off)

    def _start(self, onset: tuple, messages: list[Message]) -> None:
        t, plan, note, velocity, off = onset
        channel, members = plan.channel, None
        if plan.zone is not None:
            channel, members = self._member(plan, t, messages)
        key = (plan.port, channel, note)
        voice = self._sounding.get(key)
        if voice is not None and _later(voice.off, t):
            if t - voice.start < self.min_length:  # twice at (nearly) once: one note, the longer
                if off > voice.off:
                    voice.cancelled = True
                    voice.cut = voice.start  # the longer note, from the same start, carries its expression
                    self._push(_Voice(voice.start, off, voice.track, voice.channel, note, key, members=voice.members,
                                      sent=voice.sent))
                return
            voice.cancelled = True  # a re-trigger: end it now, sound until the later end
            voice.cut = t
            messages.append(Message(t, NOTE_OFF, voice.track, voice.channel, note, 0))
            off = max(off, voice.off)
        messages.append(Message(t, NOTE_ON, plan.index, channel, note, velocity))
        self._push(_Voice(t, off, plan.index, channel, note, key, members=members))

    def _member(self, plan: TrackPlan, t: Fraction, messages: list[Message]) -> tuple[int, Members]:
        """The member channel of an MPE note starting at `t`: the notes
        ending by then are ended first, so their channels are free."""
        self._due(t, messages, through=True)
        members = self._zones.get((plan.port, plan.zone.manager))
        if members is None:  # the zone was announced for an earlier plan of this port: announce it again
            members = self._zones[plan.port, plan.zone.manager] = Members(plan.zone)
        channel, taken = members.choose()
        if taken is not None:  # every member sounds: the oldest note ends here
            taken.cancelled = True
            taken.cut = t
            on = (taken.start, NOTE_ON, taken.track, taken.channel, taken.note)
            if t - taken.start < self.min_length and on[0] >= self._begin:  # it would last no time: it never starts
                found = next(i for i in range(len(messages) - 1, -1, -1) if messages[i][:5] == on)
                del messages[found]
                taken.cut = taken.start
            else:
                messages.append(Message(t, NOTE_OFF, taken.track, taken.channel, taken.note, 0))
            members.free(taken, t)
            if self._sounding.get(taken.key) is taken:
                del self._sounding[taken.key]
        return channel, members

    def _push(self, voice: _Voice) -> None:
        self._sounding[voice.key] = voice
        self._started.append(voice)
        if voice.members is not None:
            voice.members.take(voice.channel, voice)
        self._pushed += 1
        off = voice.off
        # one object per time: a chord's note-offs tie in the heap, and tuples compare one object by identity
        off = self._offs.setdefault((off.numerator, off.denominator), off)
        heapq.heappush(self._pending, (off.numerator / off.denominator, off, self._pushed, voice))  # float(off), inline

    def _due(self, end: Fraction, messages: list[Message], through: bool = False) -> None:
        """The note-offs due before `end` (`through`: at `end` too)."""
        pending = self._pending
        end_float = float(end)  # floats first: exact where they differ (float() is monotonic), cheap
        while pending and (pending[0][0] < end_float or pending[0][0] == end_float and (
                pending[0][1] < end or through and pending[0][1] == end)):
            voice = heapq.heappop(pending)[3]
            if voice.cancelled:
                continue
            messages.append(Message(voice.off, NOTE_OFF, voice.track, voice.channel, voice.note, 0))
            if voice.members is not None:
                voice.members.free(voice, voice.off)
            if self._sounding.get(voice.key) is voice:
                del self._sounding[voice.key]

    # -- control lanes -------------------------------------------------------------

    def _lane(
        self, plan: TrackPlan, key: Any, lane: Pattern, span: TimeSpan, seed: int, grid: list[Fraction],
    ) -> list[Message]:
        """Discrete values at their onsets (always sent); a signal every 1/128
        cycle (sent when its value changes)."""
        convert, name = _CONVERT[_kind_of(key)]
        onsets: list[tuple[Fraction, int, bool]] = []
        continuous = False
        for event in lane.query(State(span, seed)):
            whole = event.whole
            if whole is None:
                continuous = True
            elif whole.begin == event.part.begin and whole.begin < span.end:
                onsets.append((whole.begin, convert(_number(event.value, plan, name)), True))
        if continuous and not onsets and type(key) is int and isinstance(lane, Signal):
            return self._signal_cc(plan, key, lane, grid, seed)
        found = _samples(plan, lane, grid, seed, convert, name) if continuous else []
        if onsets:
            found = sorted(found + onsets, key=lambda f: (float(f[0]), f[0])) if found else onsets
        sent_key = (plan.port, plan.channel, key)
        last = self._cc_sent.get(sent_key)
        messages: list[Message] = []
        for t, value, always in found:
            if always or value != last:
                last = value
                messages.extend(_control(t, plan.index, plan.channel, key, value))
        if last is not None:
            self._cc_sent[sent_key] = last
        return messages

    def _signal_cc(self, plan: TrackPlan, controller: int, lane: Signal, grid: list[Fraction], seed: int) -> list[Message]:
        """A CC lane holding only a signal, the commonest lane: `_samples`,
        `seven_bit` and the loop of `_lane` in one loop, the same messages."""
        sample, index, channel = lane.sample, plan.index, plan.channel
        sent_key = (plan.port, channel, controller)
        last = self._cc_sent.get(sent_key)
        messages: list[Message] = []
        floor = math.floor
        for t in grid:
            value = sample(t, seed)
            kind = type(value)
            if kind is Unit:
                value = floor(value * 127 + 0.5)
            elif kind is float:
                value = floor(value + 0.5)
            else:
                value = seven_bit(_number(value, plan, "CC"))
            if value < 0:
                value = 0
            elif value > 127:
                value = 127
            if value != last:
                last = value
                messages.append(Message(t, CONTROL, index, channel, controller, value))
        if last is not None:
            self._cc_sent[sent_key] = last
        return messages

    def _expression(
        self, voice: _Voice, plan: TrackPlan, lanes: dict, begin: Fraction, end: Fraction, messages: list[Message],
    ) -> None:
        """A sounding note's per-note lanes within [begin, end): the value at
        its onset (always), then each change while it sounds (the lane read
        on the grid and at its own onsets)."""
        stop = min(end, voice.off) if voice.cut is None else min(end, voice.off, voice.cut)
        onset = begin <= voice.start < stop
        if voice.sent is None:
            voice.sent = {}
        sent = voice.sent
        for key, values in lanes.items():
            for t, value in values.items():  # in time order
                if t < voice.start or t >= stop or t == voice.start and not onset:
                    continue
                if t != voice.start and value == sent.get(key):
                    continue
                sent[key] = value
                messages.append(_per_note(t, voice, plan.zone, key, value))


def _voices_at(pending: list, sounding: dict, cycles: int) -> tuple[list, dict]:
    """The notes a stream holds, as plain values with every time `cycles`
    later: its note-offs in the order they will come (cancelled ones come
    to nothing), and the latest voice of each key."""
    def plain(voice: _Voice) -> tuple:
        return (voice.start + cycles, voice.off + cycles, voice.track, voice.channel, voice.note, voice.key,
                voice.cancelled, voice.sent, None if voice.cut is None else voice.cut + cycles)

    offs = [plain(entry[3]) for entry in sorted(pending, key=lambda entry: entry[:3]) if not entry[3].cancelled]
    return offs, {key: plain(voice) for key, voice in sounding.items()}


def _later(a: Fraction, b: Fraction) -> bool:
    """a > b, in whole numbers: Fraction's own comparison is several times slower."""
    return a.numerator * b.denominator > b.numerator * a.denominator


def _kind_of(key: Any) -> Any:
    return "cc" if isinstance(key, int) else key if isinstance(key, str) else key[0]


def _control(t: Fraction, track: int, channel: int, key: Any, value: int) -> list[Message]:
    """The messages of one value of a track-wide control lane."""
    if isinstance(key, int):
        return [Message(t, CONTROL, track, channel, key, value)]
    if key == "bend":
        return [Message(t, BEND, track, channel, value & 0x7F, value >> 7)]
    if key == "pressure":
        return [Message(t, PRESSURE, track, channel, value, 0)]
    kind, number = key
    if kind == "nrpn":  # parameter MSB, LSB, then the value's MSB, LSB
        pairs = ((99, number >> 7), (98, number & 0x7F), (6, value >> 7), (38, value & 0x7F))
    else:  # "cc14": the controller carries the MSB, controller + 32 the LSB
        pairs = ((number, value >> 7), (number + 32, value & 0x7F))
    return [Message(t, CONTROL, track, channel, controller, data) for controller, data in pairs]


def _per_note(t: Fraction, voice: _Voice, zone: Zone | None, key: str, value: int) -> Message:
    """One value of a per-note lane, for one note: on an MPE note's own
    channel, else poly aftertouch of that note."""
    if key == "note_bend":
        return Message(t, BEND, voice.track, voice.channel, value & 0x7F, value >> 7)
    if key == "timbre":
        return Message(t, CONTROL, voice.track, voice.channel, TIMBRE, value)
    if zone is not None:  # note_pressure
        return Message(t, PRESSURE, voice.track, voice.channel, value, 0)
    return Message(t, POLYTOUCH, voice.track, voice.channel, voice.note, value)


def _onsets(lane: Pattern, span: TimeSpan, seed: int) -> list[Fraction]:
    """Where the discrete values of a lane start within the span."""
    return [e.whole.begin for e in lane.query(State(span, seed))
            if e.whole is not None and e.whole.begin == e.part.begin and e.whole.begin < span.end]


def _values(plan: TrackPlan, key: str, lane: Pattern, times: list[Fraction], seed: int) -> dict:
    """A per-note lane's value at each of `times` (left out where it is silent)."""
    if key == "note_bend":
        bend_range = plan.zone.bend_range

        def convert(value: Any) -> int:  # semitones, up to the zone's bend range either way
            return bend_value(value if type(value) is Unit else Fraction(value) / bend_range if not isinstance(
                value, float) else value / bend_range)
    else:
        convert = seven_bit
    values = {}
    for t in times:
        value = _sample(lane, t, seed)
        if value is not None:
            values[t] = convert(_number(value, plan, key.replace("_", " ")))
    return values


TIMBRE = 74  # MPE's timbre controller
_CONVERT = {  # lane kind → (value → what is sent, its name in errors)
    "cc": (seven_bit, "CC"), "bend": (bend_value, "bend"), "pressure": (seven_bit, "pressure"),
    "nrpn": (fourteen_bit, "NRPN"), "cc14": (fourteen_bit, "14-bit CC"),
}


def sample_times(span: TimeSpan) -> list[Fraction]:
    """The grid points k/128 within [begin, end)."""
    first = -((-span.begin * CC_SAMPLES_PER_CYCLE) // 1)  # at or after begin
    stop = -((-span.end * CC_SAMPLES_PER_CYCLE) // 1)
    return [Fraction(k, CC_SAMPLES_PER_CYCLE) for k in range(first, stop)]


def _samples(
    plan: TrackPlan, lane: Pattern, grid: list[Fraction], seed: int, convert: Callable[[Any], int] = seven_bit,
    name: str = "CC",
) -> list[tuple[Fraction, int, bool]]:
    """The continuous part of a lane at each grid point, as (time, value, False)."""
    if isinstance(lane, Signal):  # read directly, without building spans and events
        sample = lane.sample
        return [(t, convert(_number(sample(t, seed), plan, name)), False) for t in grid]
    samples = []
    query = lane.query
    for t in grid:
        for event in query(State(TimeSpan(t, t), seed)):
            if event.whole is None:
                samples.append((t, convert(_number(event.value, plan, name)), False))
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
