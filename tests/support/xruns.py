"""Telling TrackJammer's faults from the test rig's.

The JACK dummy server runs without realtime priority (`--no-realtime`, 64
frames: a 1.3 ms period) on shared machines, where neither it nor its
clients may raise their priority. When a client's process cycle runs late,
jackd logs an XRun and that cycle's MIDI is dropped or delayed: a fault of
the transport, not of the sender. `retry_on_xrun` runs a scenario again only
when the server logged an xrun during a failed attempt; a failure without
one is reported at once.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Callable, TypeVar

T = TypeVar("T")
ATTEMPTS = 4


def xruns() -> int:
    """How many xruns the test JACK server has logged so far."""
    log = os.environ.get("TRACKJAMMER_JACK_LOG")
    if not log or not Path(log).exists():
        return 0
    return Path(log).read_text(errors="replace").count("XRun")


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
