"""What plays: the bindings in force, the ones waiting for their boundary,
mute and solo, and what to do when a pattern fails.

The REPL thread hands over `Bindings`, an immutable snapshot of every track's
plan, with the cycle it takes effect at; the clock thread asks `messages`
for each window and never sees half an edit. A window that crosses a
boundary is cut there, so a swap lands exactly on it. Mute and solo are read
from the tracks as the window is made, so they act at once; notes already
sounding still get their note-offs, which the stream holds.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field, replace
from fractions import Fraction
from typing import Any, Callable

from trackjammer.errors import TrackJammerError
from trackjammer.midi.messages import Message, MessageStream, TrackPlan, sending_order


@dataclass(frozen=True)
class Bindings:
    """Every track's plan, as one value; `tracks[i]` is the MidiTrack of
    `plans[i]` (read live for mute and solo)."""

    plans: tuple[TrackPlan, ...] = ()
    tracks: tuple[Any, ...] = ()
    seed: int = 0


@dataclass
class Transport:
    report: Callable[[str], None] = print
    ticks_per_cycle: int = 1920
    current: Bindings = field(default_factory=Bindings)
    stream: MessageStream = field(init=False)
    _pending: list[tuple[Fraction, Bindings]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _played: dict[int, TrackPlan] = field(default_factory=dict)  # track index → last plan that played well

    def __post_init__(self) -> None:
        self.stream = MessageStream(min_length=Fraction(1, self.ticks_per_cycle))

    def schedule(self, bindings: Bindings, at: Fraction) -> None:
        """Put `bindings` in force from cycle `at`; it replaces anything
        pending from then on."""
        with self._lock:
            self._pending = [(c, b) for c, b in self._pending if c < at] + [(Fraction(at), bindings)]

    def busy(self) -> bool:
        """Something is bound or waiting for its boundary."""
        return bool(self.current.plans or self._pending)

    def pending(self) -> list[tuple[Fraction, Bindings]]:
        with self._lock:
            return list(self._pending)

    def reset(self, bindings: Bindings | None = None) -> None:
        """Forget what sounds and what waits (after stop or hush)."""
        with self._lock:
            self._pending = []
            if bindings is not None:
                self.current = bindings
            self.stream = MessageStream(min_length=Fraction(1, self.ticks_per_cycle))

    def messages(self, begin: Fraction, end: Fraction) -> list[Message]:
        """The messages of [begin, end), cut at every boundary inside it."""
        found: list[Message] = []
        while begin < end:
            with self._lock:
                while self._pending and self._pending[0][0] <= begin:
                    self.current = self._pending.pop(0)[1]
                upto = min(end, self._pending[0][0]) if self._pending else end
                bindings = self.current
            failed: list[TrackPlan] = []

            def failing(plan: TrackPlan, error: Exception) -> None:
                failed.append(plan)
                self._failed(plan, error)

            found.extend(self.stream.window(_audible(bindings), begin, upto, bindings.seed, failing))
            restored = [self._played[p.index] for p in failed if p.index in self._played]
            if restored:  # what played before fills this window too, so nothing is lost
                found.extend(self.stream.window(restored, begin, upto, bindings.seed, lambda plan, error: None))
                found.sort(key=sending_order)
            for plan in bindings.plans:
                if not any(plan is f for f in failed):
                    self._played[plan.index] = plan
            begin = upto
        return found

    def _failed(self, plan: TrackPlan, error: Exception) -> None:
        """Silence the failing pattern and put back what played before it."""
        previous = self._played.get(plan.index)
        restore = previous is not None and previous is not plan
        if not restore:
            self._played.pop(plan.index, None)
        who = f"track '{plan.name}'" if plan.name else "a track"
        what = error.message if isinstance(error, TrackJammerError) else f"{type(error).__name__}: {error}"
        self.report(f"error: {who} stopped: {what}" + ("; its previous pattern plays again" if restore else ""))
        with self._lock:
            plans, tracks = [], []
            for p, t in zip(self.current.plans, self.current.tracks):
                if p is plan:
                    if not restore:
                        continue
                    p = previous
                plans.append(p)
                tracks.append(t)
            self.current = replace(self.current, plans=tuple(plans), tracks=tuple(tracks))


def _audible(bindings: Bindings) -> list[TrackPlan]:
    """Muted tracks are silent; while any track is soloed, only soloed ones play."""
    soloed = any(getattr(t, "soloed", False) for t in bindings.tracks)
    return [
        p for p, t in zip(bindings.plans, bindings.tracks)
        if not getattr(t, "muted", False) and (not soloed or getattr(t, "soloed", False))
    ]
