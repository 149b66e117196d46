"""Knobs: what a controller on a MIDI input last sent, as a pattern.

`knob(21)` (core/signals.py) is continuous like a signal: queried at any
time it answers one event without a whole, whose value is the last value
controller 21 sent, as a `Unit` (0..127 → 0..1, so a lane scales it back
to exactly what was sent, and `range` works as on any signal). The core
has no I/O: the values live in a `KnobStore` that whoever reads the inputs
writes (engine/inputs.py), and a knob reads it whenever it is queried (the
clock thread asks a lookahead ahead of sending). A controller never moved
has no value, and the knob is silent: a lane bound to it sends nothing, and
a velocity lane leaves the track's velocity, until the knob is touched.

`learn()` gives a knob whose controller is not known yet: the next
controller moved on any input becomes its controller (`moved` answers the
knobs it bound, so the engine can say what was bound).
"""

from __future__ import annotations

import itertools
import threading

from trackjammer.core.event import Event
from trackjammer.core.pattern import Pattern, State
from trackjammer.core.values import Unit
from trackjammer.errors import ArgumentError


class KnobStore:
    """The last value of each (input port, controller), and the knobs waiting to learn."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._values: dict[tuple[str, int], tuple[int, int]] = {}  # (port, cc) → (order moved, value)
        self._any: dict[int, int] = {}  # cc → its last value on any port
        self._order = itertools.count()
        self._learning: list[Knob] = []

    def moved(self, port: str, cc: int, value: int) -> list[Knob]:
        """Controller `cc` of input `port` sent `value` (0..127); gives the
        knobs that were waiting to learn and now play it."""
        with self._lock:
            self._values[(port, cc)] = (next(self._order), value)
            self._any[cc] = value
            learned, self._learning = self._learning, []
        for knob in learned:
            knob.cc, knob.port = cc, port
        return learned

    def value(self, cc: int, port: str | None = None) -> int | None:
        """The last value of `cc`: from any input, or from the input whose
        name is `port` or holds it (case aside); None when never moved."""
        if port is None:
            return self._any.get(cc)
        wanted = port.casefold()
        found = None
        for (name, number), seen in list(self._values.items()):  # a copy: the input thread may add one
            if number == cc and (name == port or wanted in name.casefold()) and (found is None or seen > found):
                found = seen
        return None if found is None else found[1]

    def learn(self) -> Knob:
        """A knob that takes the next controller moved."""
        knob = Knob(self, None, None)
        with self._lock:
            self._learning.append(knob)
        return knob

    def waiting(self) -> int:
        """How many knobs wait to learn."""
        return len(self._learning)

    def forget(self) -> None:
        """No values, nobody learning (a new session; tests)."""
        with self._lock:
            self._values.clear()
            self._any.clear()
            self._learning = []


class Knob(Pattern):
    """A controller's last value as a continuous pattern (see the module's
    docstring); `cc` is None while it waits to learn."""

    __slots__ = ("store", "cc", "port")

    def __init__(self, store: KnobStore, cc: int | None, port: str | None):
        self.store, self.cc, self.port = store, cc, port
        super().__init__(self._answer)

    def _answer(self, state: State) -> list[Event]:
        cc = self.cc
        value = None if cc is None else self.store.value(cc, self.port)
        return [] if value is None else [Event(None, state.span, Unit(value / 127))]

    def __repr__(self) -> str:
        if self.cc is None:
            return "learn()"
        return f"knob({self.cc})" if self.port is None else f'knob({self.cc}, "{self.port}")'


KNOBS = KnobStore()  # the store every knob reads unless given another: one per process, as MIDI inputs are


def knob_of(cc: int, port: str | None = None, store: KnobStore | None = None) -> Knob:
    if not 0 <= cc <= 127:
        raise ArgumentError(f"knob needs a controller number from 0 to 127, got {cc}", hint="knob(21)")
    return Knob(KNOBS if store is None else store, cc, None if port is None else str(port))

