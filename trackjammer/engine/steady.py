"""A steady stretch: what plays repeats every period, so the sending process replays it.

Most of the time nothing changes between two inputs of the performer's, and
the patterns bound repeat after a few cycles (core/repeat.py knows each
one's period). Asking the transport for each window all the same was most of
the clock thread's CPU (0.2–0.3 % of a core at 8 tracks: working out each
window and handing it over), spent to send the same messages again, a
period later. So the scheduler watches one whole period as it asks for it
(`Watch`): when the transport's state at its end is its state at its
beginning moved one period on (the same notes sounding, each a period
later, the same CC values and programs sent: Checkpoint.repeats), every
later period plays the watched one's messages, moved on, and the scheduler
hands them over once (`Steady`); the sending process puts each period into
its queue in turn, and journals it, as if it had been handed over. A period
that ends soon (Scheduler EARLY) is asked for at once, so the stretch begins
a period after the input that made it, after a single ask.

A change leaves the stretch where it lands (Scheduler.retract): the
sending process stops replaying there, and the transport is put in the state
of that cycle, worked out from the watched window it falls in, moved on
by whole periods, and asked again from that window's beginning up to it,
as for any cut inside a window. A bounded run leaves it at its end, the
same way, to end the notes sounding there. Nothing that changes what plays
without an input (a MIDI input open, loop layers, MIDI clock out, an
external clock followed, MPE, anything random) lets a stretch begin: the
scheduler asks for it window by window, as before.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from trackjammer.midi.messages import Message


@dataclass
class Watch:
    """A period being asked for, window by window, to see whether it repeats."""

    begin: Fraction
    period: int  # cycles
    windows: list[tuple[Any, Fraction]] = field(default_factory=list)  # (Kept where a window begins, its end)
    found: list[list[Message]] = field(default_factory=list)  # what each window gave

    @property
    def end(self) -> Fraction:
        return self.begin + self.period

    def add(self, kept: Any, end: Fraction, found: list[Message]) -> None:
        self.windows.append((kept, end))
        self.found.append(found)

    def slide(self) -> None:
        """Watch from the second window on (its end one window further)."""
        del self.windows[0], self.found[0]
        if self.windows:
            self.begin = self.windows[0][0].cycle

    def messages(self) -> list[Message]:
        return [message for found in self.found for message in found]


@dataclass(frozen=True)
class Steady:
    """The watched period [begin, begin + period), handed over to play
    again every period from `start` on."""

    begin: Fraction
    period: int
    windows: tuple[tuple[Any, Fraction], ...]  # the watched period's windows: (Kept, end)

    @property
    def start(self) -> Fraction:
        return self.begin + self.period

    def window_at(self, cycle: Fraction) -> tuple[Any, Fraction, int]:
        """The watched window that plays again over `cycle` (at or after
        `start`): (its Kept, its end, how many cycles later it plays there)."""
        later = math.floor((cycle - self.begin) / self.period) * self.period
        for kept, end in self.windows:
            if kept.cycle + later <= cycle < end + later:
                return kept, end, later
        raise ValueError(f"cycle {cycle} is outside the steady stretch")  # windows cover the whole period
