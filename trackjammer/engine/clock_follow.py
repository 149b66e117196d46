"""Following an external MIDI clock: clock messages in, clock anchors out.

Pure (no I/O, no threads, times given): `ClockFollower` is told each clock
message with the moment it arrived, and answers what the engine's Clock
should become, as a `Follow`: start playing from a cycle at a wall time,
move the anchor, or stop.

- Tempo: a least-squares line through the last beat of ticks (24 tick
  intervals) gives the time per tick; arrival jitter (a JACK period, a busy
  system) averages out. When the last three ticks all lie more than
  `CHANGE` off the line on the same side, the tempo has changed: the line
  starts again from those three, so a change is followed within a beat.
- Missing ticks (a transport that dropped some) are counted from the time
  they took, so the position does not slip.
- Phase: the line's time of the latest tick is where that tick's cycle
  belongs. An error beyond `JUMP` (or the first with the tempo known) is
  jumped; a smaller one is corrected
  gently, by running faster or slower for a moment (`CORRECT`), so the
  position moves smoothly.
- Start: position 0 at the next tick. When ticks are already arriving (a
  master that sends clock while stopped), that tick is predicted on their
  grid, so cycle 0 is handed over ahead like any other; otherwise playing
  starts when it arrives. Continue: from where Stop left, or from the last
  Song Position Pointer (in sixteenths: 6 ticks each). A Song Position
  Pointer while playing jumps there at the next tick.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass

PPQN = 24  # MIDI clock ticks per beat
WINDOW = 24  # tick intervals the tempo is fitted over: one beat
CHANGE = 0.002  # seconds off the line, three ticks in a row on one side: a new tempo
CHANGED_AFTER = 3  # ticks the line starts again from after a change
JUMP = 0.010  # seconds: a phase error beyond this is jumped, not corrected gently
CORRECT = 0.1  # seconds: the time constant of the gentle phase correction
SLACK = 0.002  # seconds: a tick predicted this much before Start is still the next one
LOST_TICKS = 8  # ticks missing (and at least LOST_SECONDS) before the clock counts as lost
LOST_SECONDS = 0.3
SIXTEENTH = PPQN // 4  # ticks per Song Position Pointer unit


@dataclass(frozen=True)
class Follow:
    """What the engine's clock becomes: `kind` "start" (play from `cycle` at
    `wall`), "anchor" (position `cycle` at `wall`, at `cps` from there), or
    "stop". `tempo` is the clock's estimated tempo in cps (for the record),
    without the phase correction that `cps` may carry."""

    kind: str
    wall: float = 0.0
    cycle: float = 0.0
    cps: float = 0.0
    tempo: float = 0.0


class ClockFollower:
    def __init__(self, beats_per_cycle: int = 4, fallback_cps: float = 0.5) -> None:
        self.per_cycle = PPQN * beats_per_cycle
        self.fallback_cps = fallback_cps  # the tempo until two ticks have come
        self.points: deque[tuple[int, float]] = deque(maxlen=WINDOW + 1)  # (tick count, arrival)
        self.count = -1  # ticks so far, those that went missing included
        self.period: float | None = None  # seconds per tick, fitted
        self.fitted: float | None = None  # the line's time of tick `count`
        self.last: float | None = None  # arrival of the latest tick
        self.running = False  # the master's transport plays
        self.playing = False  # the engine was told to start
        self.song = 0  # position (in ticks) of the first tick after start, continue or song position
        self.zero: int | None = None  # the count of that tick (None: it has not come yet)
        self.resume = 0  # where Continue goes on from
        self.anchor: tuple[float, float, float] | None = None  # the last (wall, cycle, cps) given
        self.guessed = False  # that anchor's tempo was a guess (a start before the second tick)

    # -- reading -------------------------------------------------------------------------

    @property
    def tempo(self) -> float | None:
        """The master's tempo in cycles per second (None until two ticks came)."""
        return None if self.period is None else 1.0 / (self.period * self.per_cycle)

    def lost_after(self) -> float:
        return max(LOST_SECONDS, LOST_TICKS * (self.period or 0.0))

    def locked(self, now: float) -> bool:
        """Ticks arrive and the tempo is known."""
        return self.period is not None and self.last is not None and now - self.last <= self.lost_after()

    def set_beats_per_cycle(self, beats: int) -> None:
        self.per_cycle = PPQN * beats

    # -- messages ------------------------------------------------------------------------

    def tick(self, t: float) -> Follow | None:
        steps = 1
        if self.period is not None and self.fitted is not None:
            steps = max(1, round((t - self.fitted) / self.period))
        self.count += steps
        self.last = t
        self.points.append((self.count, t))
        self._fit()
        if not self.running:
            return None
        if self.zero is None:
            self.zero = self.count
        cycle = (self.song + self.count - self.zero) / self.per_cycle
        tempo = self.tempo or (self.anchor[2] if self.anchor else self.fallback_cps)
        assert self.fitted is not None
        wall = self.fitted
        if not self.playing or self.anchor is None:
            self.playing = True
            return self._give("start", wall, cycle, tempo, tempo)
        at, from_cycle, cps = self.anchor
        ours = from_cycle + (wall - at) * cps
        error = cycle - ours
        if abs(error) / tempo > JUMP or self.guessed:
            return self._give("anchor", wall, cycle, tempo, tempo)
        return self._give("anchor", wall, ours, tempo + error / CORRECT, tempo)

    def start(self, t: float) -> Follow | None:
        self.running, self.song, self.zero, self.resume = True, 0, None, 0
        return self._predict(t)

    def continue_(self, t: float) -> Follow | None:
        self.running, self.song, self.zero = True, self.resume, None
        return self._predict(t)

    def song_position(self, sixteenths: int, t: float) -> Follow | None:
        self.resume = sixteenths * SIXTEENTH
        if not self.running:
            return None
        self.song, self.zero = self.resume, None  # playing: jump there at the next tick
        return self._predict(t)

    def stop(self, t: float) -> Follow | None:
        if self.zero is not None:
            self.resume = self.song + self.count - self.zero + 1  # the position of the next tick
        else:
            self.resume = self.song
        was = self.running
        self.running = self.playing = False
        self.zero = None
        return Follow("stop") if was else None

    # -- inside --------------------------------------------------------------------------

    def _predict(self, t: float) -> Follow | None:
        """Start now if the next tick's time is known (ticks arrive), else at it."""
        self.playing = False
        if not self.locked(t):
            return None
        assert self.period is not None and self.fitted is not None
        steps = max(1, math.ceil((t - SLACK - self.fitted) / self.period))
        tempo = self.tempo or self.fallback_cps
        self.playing = True
        return self._give("start", self.fitted + steps * self.period, self.song / self.per_cycle, tempo, tempo)

    def _give(self, kind: str, wall: float, cycle: float, cps: float, tempo: float) -> Follow:
        self.anchor = (wall, cycle, cps)
        self.guessed = self.tempo is None
        return Follow(kind, wall, cycle, cps, tempo)

    def _fit(self) -> None:
        line = _line(self.points)
        if line is None:
            self.fitted = self.points[-1][1]
            return
        slope, at = line
        if len(self.points) >= CHANGED_AFTER + 3:
            recent = list(self.points)[-CHANGED_AFTER:]
            last_x = self.points[-1][0]
            off = [t - (at + slope * (x - last_x)) for x, t in recent]
            if all(e > CHANGE for e in off) or all(e < -CHANGE for e in off):
                for _ in range(len(self.points) - CHANGED_AFTER):
                    self.points.popleft()
                line = _line(self.points)
                assert line is not None
                slope, at = line
        if slope > 0:
            self.period = slope
        self.fitted = at


def _line(points: deque[tuple[int, float]]) -> tuple[float, float] | None:
    """Least squares t = a + slope·x: (slope, the line's t at the last x), or None for one point."""
    n = len(points)
    if n < 2:
        return None
    last_x = points[-1][0]
    mean_x = sum(x - last_x for x, _ in points) / n
    mean_t = sum(t for _, t in points) / n
    sxx = sum((x - last_x - mean_x) ** 2 for x, _ in points)
    if sxx == 0:
        return None
    sxt = sum((x - last_x - mean_x) * (t - mean_t) for x, t in points)
    slope = sxt / sxx
    return slope, mean_t + slope * (0 - mean_x)
