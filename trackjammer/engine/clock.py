"""Musical time from wall time, without drift.

The cycle position is computed from one anchor (a wall time and the cycle
position at it) and the tempo: position = anchor cycle + (now − anchor time)
× cps. Nothing is accumulated step by step, so there is no drift; changing
cps moves the anchor to the present, so the position never jumps. A cps of 0
or less holds time still. `now` and `sleep` are injected, so the scheduler
runs the same on a fake clock in tests.
"""

from __future__ import annotations

import math
import threading
import time
from fractions import Fraction
from typing import Any, Callable

from trackjammer.core.time import to_time


class Clock:
    def __init__(
        self, cps: Any = Fraction(1, 2), now: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.now = now
        self.sleep = sleep
        self._lock = threading.Lock()
        self._anchor_time = now()
        self._anchor_cycle = 0.0
        self._cps = float(to_time(cps))

    @property
    def cps(self) -> float:
        return self._cps

    def start_at(self, cycle: float, wall: float | None = None) -> None:
        """Make `cycle` the position at wall time `wall` (default: now)."""
        with self._lock:
            self._anchor_time = self.now() if wall is None else wall
            self._anchor_cycle = float(cycle)

    def set_cps(self, cps: Any, wall: float | None = None) -> None:
        """Change the tempo from `wall` (default: now) on, keeping the position."""
        wall = self.now() if wall is None else wall
        with self._lock:
            self._anchor_cycle = self._cycle_at(wall)
            self._anchor_time = wall
            self._cps = float(to_time(cps))

    def set_anchor(self, wall: float, cycle: float, cps: float) -> None:
        """Position `cycle` at wall time `wall`, at `cps` from there: how an
        external clock moves this one (engine/sync.py)."""
        with self._lock:
            self._anchor_time, self._anchor_cycle, self._cps = wall, float(cycle), float(cps)

    def anchor(self) -> tuple[float, float, float]:
        """(wall time, cycle at it, cps): everything `time_of` needs, for the sending process."""
        with self._lock:
            return self._anchor_time, self._anchor_cycle, self._cps

    def cycle_at(self, wall: float) -> float:
        with self._lock:
            return self._cycle_at(wall)

    def _cycle_at(self, wall: float) -> float:
        if self._cps <= 0:
            return self._anchor_cycle
        return self._anchor_cycle + (wall - self._anchor_time) * self._cps

    def time_of(self, cycle: Fraction | float) -> float:
        """The wall time at which `cycle` is reached (inf while time stands still)."""
        with self._lock:
            if self._cps <= 0:
                return math.inf
            return self._anchor_time + (float(cycle) - self._anchor_cycle) / self._cps


class FakeClock:
    """A clock for tests: time moves only when someone sleeps or advances it."""

    def __init__(self, start: float = 1000.0):
        self.t = start

    def now(self) -> float:
        return self.t

    def sleep(self, seconds: float) -> None:
        self.t += max(0.0, seconds)
