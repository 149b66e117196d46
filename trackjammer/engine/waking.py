"""How long the sending process spins before a message: as long as this
machine's wake-ups need.

The sending process sleeps in select() until a little before a message is
due, then spins to its time. A timer wakes a process late by tens of
microseconds on an idle machine and by a few hundred on a loaded one, so a
fixed spin is either too short there or wasted here: each of the tens of
wake-ups a second spins the whole margin minus the lateness. `Waking`
follows the lateness: the margin is the latest recent wake-up plus a
little, between MIN_SPIN and MAX_SPIN. A late wake-up raises it at once;
it comes back down slowly (DECAY a wake-up), so a loaded spell keeps the
larger margin for a while.
"""

from __future__ import annotations

MIN_SPIN = 0.00003  # seconds: never less than this
MAX_SPIN = 0.00015  # never more (what every wake-up spun before)
EXTRA = 0.00002  # beyond the latest recent lateness
DECAY = 0.98  # the remembered lateness shrinks by this a wake-up (halved in ~35)


class Waking:
    def __init__(self) -> None:
        self.late = MAX_SPIN  # start careful: nothing is known of this machine yet
        self.spin = MAX_SPIN

    def woke(self, late: float) -> None:
        """The timer woke us `late` seconds after it was asked to."""
        self.late = max(late, self.late * DECAY)
        self.spin = min(MAX_SPIN, max(MIN_SPIN, self.late + EXTRA))
