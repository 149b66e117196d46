"""Following an external MIDI clock: clock messages in, clock anchors out.

Pure (no I/O, no threads, times given): `ClockFollower` is told each clock
message with the moment it arrived, and answers what the engine's Clock
should become, as a `Follow`: start playing from a cycle at a wall time,
move the anchor, or stop.

- Tempo: a least-squares line through the last beat of ticks (24 tick
  intervals) gives the time per tick; arrival jitter (a JACK period, a busy
  system) averages out. When the last three ticks all lie more than
  `CHANGE` off the line on the same side, each further than the one
  before, the tempo has changed: the line starts again from those three,
  so a change is followed within a beat. (Late ticks, which a busy system
  delays at random, do not drift away like that.)
- Missing ticks (a transport that dropped some) are counted from the time
  they took, so the position does not slip; a tick that only came late
  and was counted as one after a gap is recounted when the next one comes
  too early for the count (arrival is never early); late ticks are left out
  of the line (and the rare stamp far too early).
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
JUMP = 0.004  # seconds: a phase error beyond this is jumped, not corrected gently
CORRECT = 0.05  # seconds: the time constant of the gentle phase correction
SLACK = 0.002  # seconds: a tick predicted this much before Start is still the next one
LATE = 0.0015  # seconds after the line: a tick that came late (a busy system), left out of the fit
EARLY = 0.003  # seconds before it: a stamp that cannot be right (arrival is never early), left out too
MISSED = 1.6  # ticks' time since the last one before any is counted as missing
UNSURE = 0.2  # ticks' time off the grid after a gap: maybe a late tick, the clock waits for the next
CROWDED = 0.5  # a tick this soon (in ticks' time) after the one before: held up with it, not followed
RECOUNT = 48  # ticks after one counted past a gap during which it may be counted back (two beats)
OVERCOUNTED = 0.5  # a tick this much (in ticks' time) before the next one is due: the count went too far
LOST_TICKS = 8  # ticks missing (and at least LOST_SECONDS) before the clock counts as lost
LOST_SECONDS = 0.3
MIN_PERIOD = 60 / 1000 / PPQN  # seconds per tick: tempos from 1000 BPM …
MAX_PERIOD = 60 / 10 / PPQN  # … down to 10 BPM are followed; a fit outside them is not taken
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
        self.jumped = 0  # ticks left during which one counted past a gap may still be counted back

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
        if self.period is not None and self.fitted is not None and self.last is not None \
                and t - self.last < CROWDED * self.period and self.zero is not None:
            # ticks crowding in together were held up on the way: counted, but their times say little
            self.count += 1
            self.fitted += self.period
            self.last = t
            return None
        steps, unsure = 1, False
        if self.period is not None and self.fitted is not None:
            gap = (t - self.fitted) / self.period  # in ticks after the line's latest one
            if gap >= MISSED:
                steps = round(gap)
                unsure = abs(gap - steps) > UNSURE  # missing ticks, or only a late one: the next tick tells
            elif gap < 1 - OVERCOUNTED and self.jumped:  # too early: one counted past a gap only came late
                steps = 1 - max(1, round(1 - gap))
                while self.points and self.points[-1][0] >= self.count + steps:
                    self.points.pop()  # the late one, counted wrong: out of the fit
        self.jumped = RECOUNT if steps > 1 else max(0, self.jumped - 1)
        self.count += steps
        self.last = t
        self.points.append((self.count, t))
        self._fit()
        if not self.running or (unsure and self.playing):
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
        last_x = self.points[-1][0]

        def off(point: tuple[int, float]) -> float:
            return point[1] - (at + slope * (point[0] - last_x))

        recent = [off(point) for point in list(self.points)[-CHANGED_AFTER:]]
        if len(self.points) >= CHANGED_AFTER + 3 and _drifting(recent):
            for _ in range(len(self.points) - CHANGED_AFTER):  # a new tempo: start again from its ticks
                self.points.popleft()
            slope, at = _line(self.points) or (slope, at)
        elif len(self.points) > CHANGED_AFTER + 3:
            # the latest ticks stay when two of them lean the same way: they may be a new tempo
            leaning = sum(e > CHANGE for e in recent) >= 2 or sum(e < -CHANGE for e in recent) >= 2
            recent_x = self.points[-CHANGED_AFTER][0] if leaning else last_x + 1
            for _ in range(2):  # late ticks leave the fit, and the odd early stamp
                kept = deque(point for point in self.points if -EARLY <= off(point) <= LATE or point[0] >= recent_x)
                if len(kept) == len(self.points) or len(kept) < max(3, len(self.points) // 2):
                    break
                slope, at = _line(kept, last_x) or (slope, at)
        typical = _typical_interval(self.points)
        if MIN_PERIOD <= slope <= MAX_PERIOD and (typical is None or 0.75 <= slope / typical <= 1.33):
            self.period = slope
        elif typical is not None and MIN_PERIOD <= typical <= MAX_PERIOD:
            self.period = typical  # a line bent by miscounted ticks is not taken: the intervals as they came
        self.fitted = at


def _typical_interval(points: deque[tuple[int, float]]) -> float | None:
    """The median time between ticks as they came, whatever they were
    counted as: the check on the fitted line that does not lean on the
    count (a wrong period makes wrong counts, which would keep it wrong)."""
    gaps = sorted(b[1] - a[1] for a, b in zip(points, list(points)[1:]))
    if len(gaps) < 4:
        return None
    return gaps[len(gaps) // 2]


def _drifting(offs: list[float]) -> bool:
    """Ticks moving away from the line, further each time, on one side: a
    new tempo (late ticks, which the system delays at random, do not line
    up like that)."""
    sign = 1.0 if offs[0] > 0 else -1.0
    steps = [sign * (b - a) for a, b in zip(offs, offs[1:])]
    return all(sign * e > CHANGE for e in offs) and all(step > CHANGE / 4 for step in steps)


def _line(points: deque[tuple[int, float]], last_x: int | None = None) -> tuple[float, float] | None:
    """Least squares t = a + slope·x: (slope, the line's t at `last_x`,
    by default the last point's x), or None for fewer than two points."""
    n = len(points)
    if n < 2:
        return None
    last_x = points[-1][0] if last_x is None else last_x
    mean_x = sum(x - last_x for x, _ in points) / n
    mean_t = sum(t for _, t in points) / n
    sxx = sum((x - last_x - mean_x) ** 2 for x, _ in points)
    if sxx == 0:
        return None
    sxt = sum((x - last_x - mean_x) * (t - mean_t) for x, t in points)
    slope = sxt / sxx
    return slope, mean_t + slope * (0 - mean_x)
