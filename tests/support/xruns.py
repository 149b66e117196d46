"""Telling TrackJammer's faults from the test rig's.

The JACK dummy server runs without realtime priority (`--no-realtime`, 64
frames: a 1.3 ms period) on shared machines, where neither it nor its
clients may raise their priority. When a client's process cycle runs late,
jackd logs an XRun, and around it the transport drops a cycle's MIDI, delays
it, or hands a reader the same (stale) buffer again: a fault of the
transport, not of the sender (tests/support/heard.py tells them apart).

The server's log has every line stamped with CLOCK_MONOTONIC
(scripts/_stamp_lines.py), so `xrun_times` says when each one happened.
`retry_on_xrun` runs a scenario again only when the server logged an xrun
during a failed attempt; a failure without one is reported at once.
"""

from __future__ import annotations

import os
from itertools import count
from pathlib import Path
from typing import Callable, TypeVar

T = TypeVar("T")
ATTEMPTS = 4
# An artifact of the transport is excused when an xrun was logged this close
# to it: a stall starts before the server notices it, and the server's log
# is written by a thread of its own, later still on a loaded machine.
BEFORE_NS = 300_000_000
AFTER_NS = 1_000_000_000


def _log() -> str:
    log = os.environ.get("TRACKJAMMER_JACK_LOG")
    if not log or not Path(log).exists():
        return ""
    return Path(log).read_text(errors="replace")


def xruns() -> int:
    """How many xruns the test JACK server has logged so far."""
    return _log().count("XRun")


def xrun_times() -> list[int] | None:
    """CLOCK_MONOTONIC (ns) of every xrun logged so far; None when the log
    has no stamps (a server started otherwise)."""
    times = []
    for line in _log().splitlines():
        if "XRun" in line:
            stamp, _, _ = line.partition(" ")
            if not stamp.isdigit():
                return None
            times.append(int(stamp))
    return times


class Xruns:
    """The xruns logged from its making on: `near(t)` says whether the
    transport may be blamed for what happened at monotonic time `t` (ns)."""

    def __init__(self) -> None:
        self._before = xruns()

    @property
    def count(self) -> int:
        return xruns() - self._before

    def near(self, t_ns: float) -> bool:
        times = xrun_times()
        if times is None:  # no stamps: any xrun during the scenario may be blamed
            return self.count > 0
        return any(t_ns - BEFORE_NS <= x <= t_ns + AFTER_NS for x in times)


def retry_in_folders(tmp_path: Path, attempt: Callable[[Path], T]) -> T:
    """`retry_on_xrun`, each attempt given a folder of its own under
    `tmp_path` (attempt-1, attempt-2 …, not made yet), so it finds only its
    own files there."""
    numbers = count(1)
    return retry_on_xrun(lambda: attempt(tmp_path / f"attempt-{next(numbers)}"))


def retry_on_xrun(attempt: Callable[[], T], attempts: int = ATTEMPTS) -> T:
    for number in range(1, attempts + 1):
        before = xruns()
        try:
            return attempt()
        except AssertionError as error:
            during = xruns() - before
            if number == attempts or during == 0:
                error.args = (f"{error.args[0] if error.args else ''}\n(attempt {number}: the JACK server logged "
                              f"{during} xruns during it)",)
                raise
    raise AssertionError("unreachable")
