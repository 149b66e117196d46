"""Starting a sending process (engine/sender_process.py), with the standard
library only.

The REPL starts it before it loads anything else (repl/start.py): Python
takes a while to start there, and it does so on another core while the
prompt and the engine load here. engine/sender.py wraps what this returns.
"""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

from trackjammer.helper_process import OWN_GROUP


def spawn() -> tuple[subprocess.Popen, int, int, int, int]:
    """Start a sending process: (it, the fd to write its commands to, the fd
    to read its reports from, the fd to write the windows handed over ahead
    to, the memory both share to flag those: engine/pipe.py's FlaggedEnd,
    -1 where there is none). OSError when it cannot be started."""
    command_read, command_write = os.pipe()
    report_read, report_write = os.pipe()
    ahead_read, ahead_write = os.pipe()
    flag = _shared_byte()
    passed = (command_read, report_write, ahead_read) + ((flag,) if flag >= 0 else ())
    try:
        process = subprocess.Popen(
            [sys.executable, "-m", "trackjammer.engine.sender_process", str(command_read), str(report_write),
             str(ahead_read), str(flag)],
            pass_fds=passed, stdin=subprocess.DEVNULL,
            stdout=2,  # its noise: our stderr
            **OWN_GROUP,  # the terminal's Ctrl-C and hangup are the REPL's, not ours (helper_process.py)
        )
    except OSError:
        for fd in (command_write, report_read, ahead_write) + passed:
            os.close(fd)
        raise
    for fd in (command_read, report_write, ahead_read):
        os.close(fd)
    return process, command_write, report_read, ahead_write, flag


def _shared_byte() -> int:
    """A byte of memory a child can share (a memfd), or -1 where there is none."""
    try:
        fd = os.memfd_create("trackjammer-ahead")
    except (AttributeError, OSError):
        return -1
    try:
        os.ftruncate(fd, 1)
    except OSError:
        os.close(fd)
        return -1
    return fd


class Started:
    """A sending process started before the engine loaded (the REPL's), and
    what was asked of it meanwhile: engine/sender.py's Sender.adopt takes it
    over, and waits for those answers as for its own."""

    def __init__(self, process: subprocess.Popen, commands: int, reports: int, ahead: int, flag: int):
        from trackjammer.engine.pipe import FlaggedEnd, PipeEnd  # start-up time: pickle, once the process is on its way

        self.process, self.commands, self.reports = process, PipeEnd(commands), PipeEnd(reports)
        self.ahead = FlaggedEnd(ahead, flag)
        self.asked: dict[tuple, int] = {}  # (name, *args) → its request number
        self.requests = 0  # request numbers used so far

    def ask(self, name: str, *args: Any) -> None:
        """Ask now (as Sender._ask does, without waiting): opening the port
        takes the process a while, and the answer waits in the pipe until
        the sender asks for it."""
        request = self.requests
        self.requests += 1
        try:
            self.commands.send((name, request, *args))
        except OSError:
            return  # gone already: the sender asks again, and finds out
        self.asked[(name, *args)] = request


def start_sender() -> Started | OSError | None:
    """The REPL's sending process, started first thing (engine/live.py's
    port_opener takes it over): it started, the OSError that kept it from
    starting, or None where none runs (not POSIX)."""
    if os.name != "posix":
        return None
    try:
        return Started(*spawn())
    except OSError as error:
        return error
