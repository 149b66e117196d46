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


def spawn() -> tuple[subprocess.Popen, int, int]:
    """Start a sending process: (it, the fd to write its commands to, the fd
    to read its reports from). OSError when it cannot be started."""
    command_read, command_write = os.pipe()
    report_read, report_write = os.pipe()
    try:
        process = subprocess.Popen(
            [sys.executable, "-m", "trackjammer.engine.sender_process", str(command_read), str(report_write)],
            pass_fds=(command_read, report_write), stdin=subprocess.DEVNULL, stdout=2,  # its noise: our stderr
            start_new_session=True,  # the terminal's Ctrl-C and hangup are the REPL's, not ours
        )
    except OSError:
        for fd in (command_read, command_write, report_read, report_write):
            os.close(fd)
        raise
    os.close(command_read)
    os.close(report_write)
    return process, command_write, report_read


def start_sender() -> tuple[subprocess.Popen, int, int] | OSError | None:
    """The REPL's sending process, started first thing (engine/live.py's
    port_opener takes it over): what spawn() gave, the OSError that kept it
    from starting, or None where none runs (not POSIX)."""
    if os.name != "posix":
        return None
    try:
        return spawn()
    except OSError as error:
        return error
