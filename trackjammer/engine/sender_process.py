"""The sending process: MIDI ports, and each message sent at its time.

Why a process of its own: in the REPL's process the clock thread shares
the GIL with whatever the performer evaluates, and a busy interpreter made
sends up to 0.7 ms late. Here nothing else runs, so a message waits in
select() and spins only its last fraction of a millisecond.

The engine hands messages over ahead of time with their *cycle* (not a
wall time) and tells this process the clock's anchor; a tempo change is a
new anchor, so messages already handed over move with it, as they did
when the engine sent them itself. This process owns the ports and knows
exactly what it sent, so ending notes (release, panic, close) happens here,
and when the engine's process dies (even by SIGKILL) the command pipe ends
and every held note still gets its note-off and CC 123.

Commands arrive as tuples on one pipe; reports go back on another:

    ("open", request, port, backend[, id]) → ("opened", request, id, name, notice) | ("failed", request, message, hint)
    ("anchor", wall, cycle, cps)         the clock's anchor (cps ≤ 0: time stands still)
    ("at", [(seq, id, cycle, data, is_system), ...])   send each at its cycle
    ("now", id, data)                    send at once
    ("cancel", system_only)              drop what waits   → ("cancelled", [seq, ...])
    ("release", id) / ("panic", id)      note-offs for held notes (panic: and CC 123)
    ("close", request, id)               panic, then close   → ("closed", request)
    ("cpu", request)                     → ("cpu", request, user + sys seconds)
    ("sync", request)                    → ("synced", request), after every report before it
    ("shutdown", request)                close every port    → ("closed", request), then exit
    every message sent                   → ("sent", [(seq | None, id, data, due, sent), ...])
"""

from __future__ import annotations

import ctypes
import gc
import heapq
import math
import os
import resource
import select
import signal
import sys
import time
from multiprocessing.connection import Connection
from typing import Any

from trackjammer.errors import TrackJammerError
from trackjammer.midi.rtmidi_out import open_output

SPIN = 0.00015  # the last part of a wait is spun: select() can wake ~0.1 ms late on a busy machine
QUIET = 0.002  # reports go back only when nothing is due for this long,
REPORT_EVERY = 0.05  # at most this often while messages flow (each report costs both processes),
MANY = 512  # or when this many wait to be reported
BUSY = 0.001  # a message due this soon goes out before any command is read
REALTIME_PRIORITY = 10  # low among real-time threads (JACK's own run at 70 and above)
NICER = 5


class Server:
    def __init__(self, commands: Connection, reports: Connection):
        self.commands, self.reports = commands, reports
        self.ports: dict[int, Any] = {}
        self.waiting: list[tuple[float, int, int, bytes, bool]] = []  # heap of (cycle, seq, id, data, is_system)
        self.anchor = (time.monotonic(), 0.0, 0.0)
        self.sent: list[tuple[Any, ...]] = []
        self.reported = 0.0  # when the last report went back
        self.running = True

    # -- time ---------------------------------------------------------------------------------

    def wall_of(self, cycle: float) -> float:
        wall, at, cps = self.anchor
        return wall + (cycle - at) / cps if cps > 0 else math.inf

    def next_due(self) -> float:
        return self.wall_of(self.waiting[0][0]) if self.waiting else math.inf

    # -- the loop -------------------------------------------------------------------------------

    def serve(self) -> None:
        now = time.monotonic
        fd = self.commands.fileno()
        while self.running:
            due = self.next_due()
            wait = due - now() - SPIN
            if wait > 0 or not math.isfinite(due):
                if self.sent and wait > QUIET and (not self.waiting or now() - self.reported > REPORT_EVERY):
                    self.flush()
                    wait = due - now() - SPIN  # the report took some of it
                ready, _, _ = select.select([fd], [], [], max(0.0, min(wait, 1.0)) if math.isfinite(wait) else None)
                if ready and due - now() > BUSY:
                    self.read_commands()
                    continue
                if ready:  # the next message goes first: sleep without looking at the pipe
                    time.sleep(max(0.0, due - now() - SPIN))
                elif now() < due - SPIN:
                    continue
            while now() < due:
                pass  # the last fraction of a millisecond
            self.send_due(now())
            if len(self.sent) >= MANY:
                self.flush()

    def read_commands(self) -> None:
        while self.running and self.commands.poll(0):
            try:
                command = self.commands.recv()
            except EOFError:  # the engine's process is gone: end every note
                self.running = False
                return
            try:
                getattr(self, "do_" + command[0])(*command[1:])
            except Exception as error:  # noqa: BLE001 - one bad command must not stop the music
                self.report(("error", f"{type(error).__name__}: {error}"))

    def send_due(self, now: float) -> None:
        """Everything due by `now`, in order (the hot path: names held locally)."""
        waiting, wall_of, deliver, sent, clock, pop = (
            self.waiting, self.wall_of, self.deliver, self.sent, time.monotonic, heapq.heappop)
        while waiting:
            due = wall_of(waiting[0][0])
            if due > now:
                return
            _, seq, port, data, _ = pop(waiting)
            if deliver(port, data):
                sent.append((seq, port, data, due, clock()))

    def send(self, port: int, data: bytes) -> None:
        """At once (release, panic): reported with its send time as its due time."""
        if self.deliver(port, data):
            sent = time.monotonic()
            self.sent.append((None, port, data, sent, sent))

    def deliver(self, port: int, data: bytes) -> bool:
        """Send through port number `port`; False when it is gone or failed
        (said once per failure: a port that fails must not stop the others)."""
        output = self.ports.get(port)
        if output is None or output.closed:
            return False
        try:
            output.send(data)
        except Exception as error:  # noqa: BLE001
            self.report(("error", f"sending {list(data)} to {output.name}: {type(error).__name__}: {error}"))
            return False
        return True

    def flush(self) -> None:
        if self.sent:
            sent, self.sent = self.sent, []
            self.report(("sent", sent))
            self.reported = time.monotonic()

    def report(self, what: tuple) -> None:
        try:
            self.reports.send(what)
        except OSError:  # the engine's process is gone
            self.running = False

    # -- commands ---------------------------------------------------------------------------------

    def do_open(self, request: int, port: Any, backend: str | None, number: int | None = None) -> None:
        """Open a port; `number` when a new process opens again what a dead one had."""
        try:
            output, notice = open_output(port, backend)
        except TrackJammerError as error:
            self.report(("failed", request, error.message, error.hint))
            return
        if number is None:
            number = max(self.ports, default=-1) + 1
        self.ports[number] = output
        self.report(("opened", request, number, output.name, notice))

    def do_anchor(self, wall: float, cycle: float, cps: float) -> None:
        self.anchor = (wall, cycle, cps)

    def do_at(self, items: list[tuple[int, int, float, bytes, bool]]) -> None:
        for seq, port, cycle, data, system in items:
            heapq.heappush(self.waiting, (cycle, seq, port, data, system))

    def do_now(self, port: int, data: bytes) -> None:
        self.send(port, data)
        self.flush()

    def do_cancel(self, system_only: bool) -> None:
        kept = [item for item in self.waiting if system_only and not item[4]]  # item[4]: MIDI clock
        dropped = [item[1] for item in self.waiting if not (system_only and not item[4])]
        heapq.heapify(kept)
        self.waiting = kept
        self.report(("cancelled", dropped))

    def do_release(self, port: int) -> None:
        output = self.ports.get(port)
        if output is not None:
            for message in output.release_messages():
                self.send(port, bytes(message))
        self.flush()

    def do_panic(self, port: int) -> None:
        output = self.ports.get(port)
        if output is not None:
            self._ending(output, port, output.panic)

    def do_close(self, request: int, port: int) -> None:
        output = self.ports.get(port)
        if output is not None:
            self._ending(output, port, output.close)
        self.report(("closed", request))

    def do_cpu(self, request: int) -> None:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        self.report(("cpu", request, usage.ru_utime + usage.ru_stime))

    def do_sync(self, request: int) -> None:
        self.flush()
        self.report(("synced", request))

    def do_shutdown(self, request: int) -> None:
        self.close_all()
        self.report(("closed", request))
        self.running = False

    def _ending(self, output: Any, port: int, end: Any) -> None:
        """panic() or close(), reporting what they sent so the engine's mirror of held notes is right."""
        messages = output.panic_messages()
        end()
        now = time.monotonic()
        self.sent += [(None, port, bytes(message), now, now) for message in messages]
        self.flush()

    def close_all(self) -> None:
        for output in self.ports.values():
            try:
                output.close()
            except Exception as error:  # noqa: BLE001 - close the others too
                print(f"trackjammer sender: closing {output.name}: {error}", file=sys.stderr)


def _tight_timers() -> None:
    """Linux lets a sleeping process wake up to 50 µs late by default (timer
    slack, to save power); this process's sleeps are its timing, so 1 µs."""
    if sys.platform.startswith("linux"):
        try:
            ctypes.CDLL(None, use_errno=True).prctl(29, 1000, 0, 0, 0)  # PR_SET_TIMERSLACK, in ns
        except (OSError, AttributeError):
            pass  # no prctl: the default slack only costs a little spinning


def _first_in_line() -> str:
    """Ask the system to run this process before ordinary ones: a woken
    process can otherwise wait a millisecond for a busy core (measured: whole
    bursts 0.6 ms late while the engine's process worked out the next
    window). SCHED_FIFO at a low real-time priority where allowed (root,
    or an rtprio limit, as audio users have), else a higher nice, else as
    is. This loop sleeps between messages and spins 0.15 ms at most, so it
    cannot hog a core. TRACKJAMMER_SENDER_REALTIME=0 turns it off."""
    if os.environ.get("TRACKJAMMER_SENDER_REALTIME", "1") == "0":
        return "normal (turned off)"
    try:
        os.sched_setscheduler(0, os.SCHED_FIFO, os.sched_param(REALTIME_PRIORITY))
        return f"SCHED_FIFO {REALTIME_PRIORITY}"
    except (OSError, AttributeError):
        pass
    try:
        return f"nice {os.nice(-NICER)}"
    except OSError:
        return "normal"


def main(argv: list[str]) -> int:
    """`python -m trackjammer.engine.sender_process COMMAND_FD REPORT_FD`"""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C belongs to the REPL; the engine ends us
    _tight_timers()
    _first_in_line()

    def terminated(signum: int, frame: Any) -> None:
        raise SystemExit(143)

    signal.signal(signal.SIGTERM, terminated)
    # The cyclic garbage collector stopped sends for 0.6 ms in the middle of a
    # burst; this loop makes no reference cycles, so it is off.
    gc.disable()
    server = Server(Connection(int(argv[0]), writable=False), Connection(int(argv[1]), readable=False))
    try:
        server.serve()
    finally:
        server.close_all()  # every held note ends, whatever ended the loop
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
