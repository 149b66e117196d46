"""What plays: the bindings in force, the ones waiting for their boundary,
mute and solo, one-cycle `once` patterns, and what to do when a pattern fails.

The REPL thread hands over `Bindings`, an immutable snapshot of every track's
plan, with the cycle it takes effect at; the clock thread asks `messages`
for each window and never sees half an edit. A window that crosses a
boundary is cut there, so a swap lands exactly on it. Mute and solo are read
from the tracks as the window is made, so they act at once; notes already
sounding still get their note-offs, which the stream holds.

A pattern that fails hands its track back to the binding before it: the
transport remembers, per track, the last few distinct bindings that played
well (`_history`), so a pattern that fails after playing for a while falls
back as surely as one refused on its first cycle. `on_fallback` tells the
engine, which puts the same lanes back on the track itself, so what is shown,
exported and saved is what plays. A pattern too dense for a MIDI port at
the tempo playing (core/limits.py) fails the same way, stopped while it is
being asked, so it never holds up the clock or the other tracks.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass, field, replace
from fractions import Fraction
from typing import Any, Callable

from trackjammer.core.limits import Budget, TooDense
from trackjammer.core.repeat import period_of
from trackjammer.errors import TrackJammerError
from trackjammer.midi.messages import Message, MessageStream, TrackPlan, sending_order

HISTORY = 4  # distinct bindings remembered per track, most recent last
MAX_PERIOD = 16  # cycles: what repeats later than this is asked for as it comes (engine/steady.py)


@dataclass(frozen=True)
class Bindings:
    """Every track's plan, as one value; `tracks[i]` is the MidiTrack of
    `plans[i]` (read live for mute and solo)."""

    plans: tuple[TrackPlan, ...] = ()
    tracks: tuple[Any, ...] = ()
    seed: int = 0


@dataclass(frozen=True)
class Once:
    """A pattern played on one track (or its own plan) for [begin, end)."""

    begin: Fraction
    end: Fraction
    plan: TrackPlan  # the track's plan when asked, its notes the once pattern
    track: Any = None  # None: a bare pattern with a plan of its own


@dataclass(frozen=True)
class Checkpoint:
    """The transport between two windows (see Transport.checkpoint)."""

    current: Bindings
    pending: tuple[tuple[Fraction, Bindings], ...]
    once: tuple[Once, ...]
    stream: MessageStream

    def later_by(self, cycles: int) -> Checkpoint:
        """This state, `cycles` later (nothing waiting: engine/steady.py)."""
        return Checkpoint(self.current, self.pending, self.once, self.stream.fork(cycles))

    def repeats(self, earlier: Checkpoint, cycles: int) -> bool:
        """Whether this is `earlier`'s state, `cycles` later, with nothing waiting."""
        return (self.current is earlier.current and not (self.pending or self.once or earlier.pending or earlier.once)
                and self.stream.repeats(earlier.stream, cycles))


def same_lanes(a: TrackPlan, b: TrackPlan) -> bool:
    """The same patterns on every lane (plans are rebuilt at every input,
    so a binding is recognised by its patterns, not by its plan)."""
    return (a.notes is b.notes and a.velocity_lane is b.velocity_lane and len(a.cc_lanes) == len(b.cc_lanes)
            and all(n == m and p is q for (n, p), (m, q) in zip(a.cc_lanes, b.cc_lanes)))


def with_lanes_of(plan: TrackPlan, lanes: TrackPlan | None) -> TrackPlan:
    """`plan` (channel, gate, …) playing the lanes of `lanes` (none: empty lanes)."""
    if lanes is None:
        return replace(plan, notes=None, velocity_lane=None, cc_lanes=())
    return replace(plan, notes=lanes.notes, velocity_lane=lanes.velocity_lane, cc_lanes=lanes.cc_lanes)


@dataclass
class Transport:
    report: Callable[[str], None] = print
    ticks_per_cycle: int = 1920
    current: Bindings = field(default_factory=Bindings)
    stream: MessageStream = field(init=False)
    # (track, failed plan, plan now playing instead or None): the engine puts the lanes back on the track
    on_fallback: Callable[[Any, TrackPlan, TrackPlan | None], None] | None = None
    _pending: list[tuple[Fraction, Bindings]] = field(default_factory=list)
    _once: list[Once] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    # track index → the distinct plans that played well, most recent last
    _history: dict[int, list[TrackPlan]] = field(default_factory=dict)
    _said: dict[int, TrackPlan] = field(default_factory=dict)  # track index → the failure said last
    failures: int = 0  # tracks (and once patterns) that failed in a window, so far
    _replaying: bool = False  # asking a window again (`replay`): a failure aborts it, with no side effects
    # plan index → whether it was heard (mute and solo, read live) in the windows asked since the
    # scheduler last emptied it (None: both); a replay hears what the window heard when first asked
    heard: dict[int, bool | None] = field(default_factory=dict)
    _replay_heard: dict[int, bool | None] | None = None

    def __post_init__(self) -> None:
        self.stream = MessageStream(min_length=Fraction(1, self.ticks_per_cycle))

    def schedule(self, bindings: Bindings, at: Fraction) -> None:
        """Put `bindings` in force from cycle `at`; it replaces anything
        pending from then on."""
        with self._lock:
            for c, superseded in self._pending:
                if c >= at:  # never played, yet what the performer meant last: something to fall back to
                    for plan in superseded.plans:
                        self._played(plan)
            self._pending = [(c, b) for c, b in self._pending if c < at] + [(Fraction(at), bindings)]
            self._forget_unbound()

    def once(self, plan: TrackPlan, track: Any, at: Fraction, length: Fraction = Fraction(1)) -> None:
        """Play `plan`'s notes for [at, at + length) instead of the notes of
        the track `plan.index` (with no track: beside everything else)."""
        with self._lock:
            self._once.append(Once(Fraction(at), Fraction(at) + length, plan, track))

    def busy(self) -> bool:
        """Something is bound or waiting for its boundary."""
        return bool(self.current.plans or self._pending or self._once)

    def period(self) -> int | None:
        """The cycles after which everything bound plays again as it did, or
        None: unknown, too long (MAX_PERIOD), or something waits (a binding,
        a once) that changes it. MPE is left out (its zones hold times)."""
        with self._lock:
            if self._pending or self._once or not self.current.plans:
                return None
            periods = []
            for plan in self.current.plans:
                if plan.zone is not None:
                    return None
                lanes = [plan.notes, plan.velocity_lane, *(lane for _, lane in plan.cc_lanes)]
                periods += [period_of(lane) for lane in lanes if lane is not None]
        if any(p is None for p in periods):
            return None
        period = math.lcm(*periods)
        return period if period <= MAX_PERIOD else None

    def pending(self) -> list[tuple[Fraction, Bindings]]:
        with self._lock:
            return list(self._pending)

    def reset(self, bindings: Bindings | None = None) -> None:
        """Forget what sounds and what waits (after stop or hush)."""
        with self._lock:
            self._pending = []
            self._once = []
            if bindings is not None:
                self.current = bindings
                self._forget_unbound()
            self.stream = MessageStream(min_length=Fraction(1, self.ticks_per_cycle))

    def checkpoint(self) -> Checkpoint:
        """What plays from here on, as it stands between two windows: the
        bindings in force and waiting, the `once` patterns and the stream's
        state (notes sounding, CC values sent)."""
        with self._lock:
            return Checkpoint(self.current, tuple(self._pending), tuple(self._once), self.stream.fork())

    def restore(self, checkpoint: Checkpoint) -> None:
        """Back to `checkpoint`, as if the windows asked for since had not
        been (their messages were taken back); it is used up by it."""
        with self._lock:
            self.current, self._pending, self._once = checkpoint.current, list(checkpoint.pending), list(checkpoint.once)
            self.stream = checkpoint.stream
            self._forget_unbound()

    def replay(self, begin: Fraction, end: Fraction, heard: dict[int, bool | None]) -> bool:
        """Ask [begin, end) again, from the state restored where a window
        already handed over begins, and drop what it gives: the state where a
        change cuts that window (engine/scheduler.py). The window played
        within its budget when first asked, so it is not charged again (a
        replay under load must not fail where the original did not), and
        its tracks are heard as they were then (`heard`: a mute typed since
        is the change being made). False, with nothing said or fallen back,
        when a track fails all the same or was muted halfway through the
        first ask: the state would not be the one the window was made from."""
        budget, self.stream.budget, self._replaying = self.stream.budget, None, True
        self._replay_heard = heard
        try:
            self.messages(begin, end)
        except _ReplayFailed:
            return False
        finally:
            self.stream.budget, self._replaying, self._replay_heard = budget, False, None
        return True

    def _hear(self, plans: list[TrackPlan], tracks: list[Any]) -> list[TrackPlan]:
        """The plans heard in this window: as mute and solo stand (noted in
        `heard`), or, asked again, as they stood then."""
        if self._replay_heard is not None:
            heard = [self._replay_heard.get(p.index) for p in plans]
            if None in heard:
                raise _ReplayFailed
            return [p for p, h in zip(plans, heard) if h]
        audible = _audible(plans, tracks)
        noted, now = self.heard, {id(p) for p in audible}
        for p in plans:
            was = noted.setdefault(p.index, id(p) in now)
            if was is not None and was != (id(p) in now):
                noted[p.index] = None
        return audible

    def forget(self) -> None:
        """No earlier binding to fall back to (after hush: what was silenced
        stays silent)."""
        self._history.clear()
        self._said.clear()

    def _forget_unbound(self) -> None:
        """Only tracks still bound keep their history (under the lock): a
        track replaced by a new one leaves nothing behind."""
        bound = {p.index for b in (self.current, *(b for _, b in self._pending)) for p in b.plans}
        for table in (self._history, self._said):
            for index in [i for i in list(table) if i not in bound]:  # list(): copied in one step
                table.pop(index, None)

    def messages(self, begin: Fraction, end: Fraction, cps: float | None = None) -> list[Message]:
        """The messages of [begin, end), cut at every boundary inside it.
        Given the tempo, each track's window is held to what a MIDI port
        carries at it (core/limits.py): a track that asks for more fails."""
        if cps is not None:
            self.stream.budget = Budget.live(cps)
        found: list[Message] = []
        while begin < end:
            with self._lock:
                while self._pending and self._pending[0][0] <= begin:
                    self.current = self._pending.pop(0)[1]
                    self._forget_unbound()
                self._once = [o for o in self._once if o.end > begin]
                cuts = [end] + [c for c, _ in self._pending[:1]]
                cuts += [c for o in self._once for c in (o.begin, o.end) if begin < c]
                upto = min(cuts)
                bindings = self.current
                onces = [o for o in self._once if o.begin <= begin]
            found.extend(self._window(bindings, onces, begin, upto))
            begin = upto
        return found

    def _window(self, bindings: Bindings, onces: list[Once], begin: Fraction, end: Fraction) -> list[Message]:
        plans, tracks = list(bindings.plans), list(bindings.tracks)
        own: dict[int, TrackPlan] = {}  # id(once plan) → the track's own plan it stands in for
        for o in onces:  # a once on a track replaces its notes; a bare one plays beside the rest
            at = next((i for i, p in enumerate(plans) if p.index == o.plan.index), None)
            if at is None:
                plans.append(o.plan)
                tracks.append(o.track)
            else:
                own_plan, plans[at] = plans[at], replace(plans[at], notes=o.plan.notes)
                own[id(plans[at])] = own_plan
        once_of = {id(plans[i]): o for i, p in enumerate(plans) for o in onces if p.index == o.plan.index}
        failed: list[tuple[TrackPlan, Exception]] = []
        audible = self._hear(plans, tracks)
        found = self.stream.window(audible, begin, end, bindings.seed, lambda plan, error: failed.append((plan, error)))
        if failed:
            if self._replaying:
                raise _ReplayFailed
            self.failures += len(failed)

        def failed_again(plan: TrackPlan, error: Exception) -> None:
            failed.append((plan, error))  # the loop below comes to it

        for plan, error in failed:
            if id(plan) in once_of:  # the once ends; the track's own binding plays this window
                self._drop_once(once_of[id(plan)], error)
                if id(plan) in own:
                    found.extend(self.stream.window([own[id(plan)]], begin, end, bindings.seed, failed_again))
                    found.sort(key=sending_order)
                continue
            track = next(t for p, t in zip(plans, tracks) if p.index == plan.index)
            news = self._news(plan, track)
            restored, messages = self._fall_back(plan, track, begin, end, bindings.seed)
            if news:
                self._say(plan, error, restored is not None)
            if messages:  # what played before fills this window too, so nothing is lost
                found.extend(messages)
                found.sort(key=sending_order)
        for plan in audible:
            if id(plan) not in once_of and not any(plan is f for f, _ in failed):
                self._played(plan)
        return found

    def _played(self, plan: TrackPlan) -> None:
        history = self._history.setdefault(plan.index, [])
        if history and same_lanes(history[-1], plan):
            history[-1] = plan
            return
        history[:] = [p for p in history if not same_lanes(p, plan)][-(HISTORY - 1):] + [plan]

    def _fall_back(self, plan: TrackPlan, track: Any, begin: Fraction, end: Fraction,
                   seed: int) -> tuple[TrackPlan | None, list[Message]]:
        """The failing `plan` gives way to the latest binding before it that
        still plays this window (none: the track falls silent)."""
        history = self._history.get(plan.index, [])
        messages: list[Message] = []
        restored = None
        for earlier in reversed(history):
            if same_lanes(earlier, plan):
                continue
            candidate = with_lanes_of(plan, earlier)
            errors: list[Exception] = []
            messages = self.stream.window([candidate], begin, end, seed, lambda p, e: errors.append(e))
            if not errors:
                restored = candidate
                break
        self._played_instead(plan, restored)
        if self.on_fallback is not None:
            self.on_fallback(track, plan, restored)
        return restored, messages if restored is not None else []

    def _played_instead(self, plan: TrackPlan, restored: TrackPlan | None) -> None:
        """The failing binding leaves the history, the bindings in force and
        those waiting (copies of it made before it failed)."""
        self._history[plan.index] = [p for p in self._history.get(plan.index, []) if not same_lanes(p, plan)]
        if restored is not None:
            self._played(restored)

        def without(bindings: Bindings) -> Bindings:
            plans, tracks = [], []
            for p, t in zip(bindings.plans, bindings.tracks):
                if p.index == plan.index and same_lanes(p, plan):
                    if restored is None:
                        continue
                    p = with_lanes_of(p, restored)
                plans.append(p)
                tracks.append(t)
            return replace(bindings, plans=tuple(plans), tracks=tuple(tracks))

        with self._lock:
            self.current = without(self.current)
            self._pending = [(c, without(b)) for c, b in self._pending]

    def _news(self, plan: TrackPlan, track: Any) -> bool:
        """A failure is said once: the same binding failing again before the
        track is bound anew (a copy of it made while it failed) is not news."""
        said = self._said.get(plan.index)
        self._said[plan.index] = plan
        return said is None or not same_lanes(said, plan) or not getattr(track, "fell_back", False)

    def _say(self, plan: TrackPlan, error: Exception, restored: bool) -> None:
        who = f"track '{plan.name}'" if plan.name else "a track"
        again = "; its previous pattern plays again" if restored else ""
        self.report(f"error: {who} stopped: {_what(error)}{again}{_hint(error)}")

    def _drop_once(self, once: Once, error: Exception) -> None:
        with self._lock:
            self._once = [o for o in self._once if o is not once]
        who = f" on track '{once.plan.name}'" if once.track is not None and once.plan.name else ""
        self.report(f"error: once{who} stopped: {_what(error)}{_hint(error)}")


class _ReplayFailed(Exception):
    """A track failed while a window was asked again (Transport.replay)."""


def _what(error: Exception) -> str:
    return error.message if isinstance(error, TrackJammerError) else f"{type(error).__name__}: {error}"


def _hint(error: Exception) -> str:
    """Too dense a pattern says how to play it (its numbers alone do not)."""
    return f"\nhint: {error.hint}" if isinstance(error, TooDense) and error.hint else ""


def _audible(plans: list[TrackPlan], tracks: list[Any]) -> list[TrackPlan]:
    """Muted tracks are silent; while any track is soloed, only soloed ones play.
    A bare `once` (no track) always plays."""
    soloed = any(getattr(t, "soloed", False) for t in tracks)
    return [
        p for p, t in zip(plans, tracks)
        if t is None or (not getattr(t, "muted", False) and (not soloed or getattr(t, "soloed", False)))
    ]
