"""Where a helper process of ours stands towards the terminal (helper_process.py), read from /proc."""

from __future__ import annotations

import os
import signal
import time

TERMINAL = (signal.SIGINT, signal.SIGHUP, signal.SIGTTIN, signal.SIGTTOU)


def ignored_signals(pid: int) -> set[int]:
    """The signals process `pid` ignores (SigIgn in /proc/PID/status)."""
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("SigIgn:"):
                mask = int(line.split()[1], 16)
                return {number for number in range(1, 65) if mask >> (number - 1) & 1}
    raise AssertionError(f"no SigIgn line for process {pid}")


def assert_apart_from_the_terminal(pid: int, timeout: float = 10.0) -> None:
    """In our session (Linux schedules a session's processes as one group),
    in a process group of its own (the terminal's signals go to the REPL's),
    and deaf to the terminal's signals once it has started."""
    assert os.getsid(pid) == os.getsid(0)
    assert os.getpgid(pid) == pid != os.getpgid(0)
    deadline = time.monotonic() + timeout
    while not set(TERMINAL) <= ignored_signals(pid) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert set(TERMINAL) <= ignored_signals(pid), sorted(ignored_signals(pid))
