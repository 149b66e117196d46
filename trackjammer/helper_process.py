"""Our helper processes (the sending process, MIDI listening processes) and the terminal.

Each is started in a process group of its own, so the terminal's Ctrl-C,
Ctrl-Z and hangup go to the REPL alone, and stays in the REPL's session.
Not a session of its own: Linux schedules each session's processes as one
group (autogroup), and a helper alone in its session had its JACK client's
thread and the JACK server's preempt each other about 250 times a second
where both were ordinary threads (a server without real-time priority):
idle on a -p 64 server, its JACK client cost 0.84 to 1.09 % of a core
against 0.54 to 0.70 % for a bare port started from the server's session
(in it: 0.54 to 0.80 against 0.66 to 0.76 %).

A background process group that writes to the terminal is stopped where
`stty tostop` is set, and a hangup ends what has not said otherwise:
so a helper ignores those signals, and ends, its notes ended first, when
its pipe from the REPL's process ends, as before.

Standard library only: the sending process imports this at its start.
"""

from __future__ import annotations

import signal

OWN_GROUP = {"process_group": 0}  # subprocess.Popen's keywords (POSIX)
TERMINAL_SIGNALS = ("SIGINT", "SIGHUP", "SIGTTIN", "SIGTTOU")


def deaf_to_the_terminal() -> None:
    """Ctrl-C, a hangup and the terminal's stops belong to the REPL."""
    for name in TERMINAL_SIGNALS:
        number = getattr(signal, name, None)
        if number is not None:
            signal.signal(number, signal.SIG_IGN)
