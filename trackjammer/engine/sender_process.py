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

It also journals the take's messages (engine/journal.py, `recording.sent`):
right after each burst it copies what it sent into the file's pages
(engine/sent_file.py: the kernel keeps them for any process death, and
a copy costs no system call), and on its way out everything
else, its last note-offs included. So a killed main process loses nothing
this process sent, and a killed sending process loses at most the burst it
was in the middle of. A disk that refuses is said once a take (`refused`);
the lines wait in memory and are written when there is room again.

Commands arrive as tuples on one pipe; reports go back on another. The
messages handed over ahead of time come on a third pipe of their own,
which is looked at right after each burst, and waited on only while no
message is due for LAZY seconds: the engine hands a window over at least
50 ms before its first message (else on the command pipe), so it is read
in time without a wake-up of its own (ten a second at 8 tracks, each
~0.3 ms of CPU with cold caches).

    ("open", request, port, backend[, id]) → ("opened", request, id, name, notice, virtual) | ("failed", request, message, hint)
                                         (virtual: the backend of a virtual port, else None)
    ("anchor", wall, cycle, cps)         the clock's anchor (cps ≤ 0: time stands still)
    ("at", [(seq, id, cycle, data, is_system, numerator, denominator, track, earlier), ...])
                                         send each at its cycle (exact: numerator/denominator, for the journal),
                                         `earlier` seconds before it (its port's latency, its track's nudge);
                                         on the ahead pipe, or the command pipe when its first is due soon
    ("loop", [item, ...], period, end_n, end_d, lap, after)
                                         a steady stretch (engine/steady.py): the items ("at"'s) of one
                                         period, played again every `period` cycles from lap `lap` on
                                         (1: the period after theirs), each put in the queue REPLAY_LEAD
                                         ahead and journaled as handed over; none after `after` (a cycle:
                                         a process taking over) is left out, none from end_n/end_d on
                                         (None: no end) is played; a retract or cancel ends it
    ("now", id, data)                    send at once
    ("cancel", system_only[, upto])      drop what waits (handed over as seq ≤ upto, the ahead pipe read first)
                                         → ("cancelled", [seq, ...])
    ("release", id) / ("panic", id)      note-offs for held notes (panic: and CC 123)
    ("close", request, id)               panic, then close   → ("closed", request)
    ("cpu", request)                     → ("cpu", request, user + sys seconds)
    ("sync", request)                    → ("synced", request), after every report before it
    ("shutdown", request)                close every port    → ("closed", request), then exit
    ("take", number | None)              what is sent from now on belongs to this take (None: to none)
    ("journal", number, path)            take number's messages go to the file at path
    ("done", request, number)            write the rest of the take's messages, close → ("done", request)
                                         the take's file cannot be written → ("refused", why), once a take
    every message sent                   → ("sent", [(seq | None, id, data, due, sent), ...])
    a port vanished / came back           → ("port", id, "gone", note-ons maybe lost) / ("port", id, "back")
                                           (engine/port_health.py; also when the JACK server went away)

It ends, as when its command pipe ends, when the engine's process is found
gone (its parent changed: the pipe may live on in a child of it), looked
at with the ports' health.
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
from fractions import Fraction
from typing import Any

from trackjammer.engine.pipe import FlaggedEnd, PipeEnd
from trackjammer.engine.port_health import CHECK_SECONDS, PortHealth
from trackjammer.engine.sent_file import TakeFile, journal_line
from trackjammer.engine.waking import Waking
from trackjammer.errors import TrackJammerError
from trackjammer.helper_process import deaf_to_the_terminal
from trackjammer.midi.rtmidi_out import open_output

IDLE_CHECKS = 1.0  # seconds: with nothing to send, ports are looked for this often (engine/port_health.py)
QUIET = 0.002  # reports go back only when nothing is due for this long,
REPORT_EVERY = 1.0  # at most this often while messages flow (each report wakes both processes: measured
# 0.3 ms of CPU between them, 4 a second 0.1 % of a core at 8 tracks; nothing waits for them: the status
# bar's flash is known from what was handed over, engine/onsets.py, and the take from this process's file),
MANY = 512  # or when this many wait to be reported
BUSY = 0.001  # a message due this soon goes out before any command is read
LAZY = 0.025  # seconds: with a message due this soon, the ahead pipe is read after it, not waited on
LATE = 0.03  # seconds: a process started in a dead one's place does not send what is this late (a burst of stale notes)
NOW_GRID = 1_000_000  # a message sent at once is journaled at its cycle to a millionth (as the recorder does)
REALTIME_PRIORITY = 10  # low among real-time threads (JACK's own run at 70 and above)
NICER = 5
REPLAY_LEAD = 1.0  # seconds: a steady stretch's messages are put in the queue this far ahead of their time,
REPLAY_LOW = 0.5  # once less than this is left in it: half a second's worth at a time (one at a time, right after
# each burst, each cost ~3 times as much, with the caches cold)


class Server:
    def __init__(self, commands: PipeEnd, reports: PipeEnd, ahead: FlaggedEnd | None = None):
        self.commands, self.reports = commands, reports
        self.ahead = ahead  # windows handed over ahead of time (None: they come with the commands)
        self.ports: dict[int, Any] = {}
        # heap of (cycle to send at, seq, id, data, is_system, journal line, numerator, denominator, earlier):
        # the cycle to send at is the message's own, less `earlier` seconds at the anchor's tempo (see
        # do_anchor); the line is the take's journal line, made when handed over (not in the burst)
        self.waiting: list[tuple] = []
        self.anchor = (time.monotonic(), 0.0, 0.0)
        self.sent: list[tuple[Any, ...]] = []  # (seq | None, id, data, due, sent), not yet reported
        self.tracked = 0  # how many of `sent` each port's mirror of held notes has seen (see track_sent)
        self.reported = 0.0  # when the last report went back
        self.running = True
        self.take: TakeFile | None = None  # where what is sent now is journaled
        self.takes: dict[int, TakeFile] = {}
        self.catching_up = False  # started in a dead one's place: what is already late is dropped, not sent
        self.earliest = 0.0  # the most seconds any message handed over leaves before its time (latency, nudge)
        self.health = PortHealth()  # ports that vanished (a JACK client went away), looked for again
        self.parent = os.getppid()  # the engine's process: when it is gone, so are we
        self.waking = Waking()  # how long to spin before a message: as long as this machine's wake-ups need
        self.replay: Replay | None = None  # a steady stretch played again, period after period

    # -- time ---------------------------------------------------------------------------------

    def wall_of(self, cycle: float) -> float:
        wall, at, cps = self.anchor
        return wall + (cycle - at) / cps if cps > 0 else math.inf

    def next_due(self) -> float:
        return self.wall_of(self.waiting[0][0]) if self.waiting else math.inf

    def position(self) -> float:
        """The cycle the clock is at now."""
        wall, at, cps = self.anchor
        return at + (time.monotonic() - wall) * cps if cps > 0 else at

    # -- the loop -------------------------------------------------------------------------------

    def serve(self) -> None:
        now = time.monotonic
        fd = self.commands.fileno()
        waking = self.waking
        while self.running:
            replay = self.replay
            if replay is not None:
                wall, at, cps = self.anchor
                position = at + (now() - wall) * cps
                if replay.next < position + REPLAY_LOW * cps:
                    self.replay_until(position + REPLAY_LEAD * cps)
            due = self.next_due()
            if self.health.due(now(), due):
                self.track_sent()  # the note-ons sent since the last look are counted (a port gone may have lost them)
                self.health.check(self.ports, self.report_after_sent, now())
                if os.getppid() != self.parent:  # the engine's process died (its pipe may live on elsewhere)
                    self.running = False
                    break
                if not self.waiting and self.replay is None:  # nothing to send: an idle engine looks less often
                    self.health.next_check = now() + IDLE_CHECKS
            spin = waking.spin
            wait = due - now() - spin
            if wait > 0 or not math.isfinite(due):
                if self.sent and wait > QUIET and (not self.waiting or now() - self.reported > REPORT_EVERY):
                    self.flush()
                    wait = due - now() - spin  # the report took some of it
                # at least this often for the ports, and to put a steady stretch's next messages in the queue
                looks = CHECK_SECONDS if self.waiting or self.replay is not None else IDLE_CHECKS
                ahead = self.ahead
                watched = [fd, ahead] if ahead is not None and due - now() > LAZY else [fd]
                ready, _, _ = select.select(watched, [], [], max(0.0, min(wait, looks)))
                if ready and ready[-1] is ahead:
                    self.read_ahead()
                    if fd not in ready:
                        continue
                if ready and due - now() > BUSY:
                    self.read_commands()
                    continue
                if ready:  # the next message goes first: sleep without looking at the pipe
                    time.sleep(max(0.0, due - now() - spin))
                elif wait <= CHECK_SECONDS:  # woken by the timer for this message: how late?
                    waking.woke(now() - (due - spin))
                if not ready and now() < due - spin:
                    continue
            while now() < due:
                pass  # the last fraction of a millisecond
            self.send_due(now())
            if self.ahead is not None and self.ahead.waiting():
                self.read_ahead()  # the next windows, while this process is awake anyway
            if len(self.sent) >= MANY:
                self.flush()

    def read_commands(self) -> None:
        fd = self.commands.fileno()  # select(), not poll(): poll builds a selector at every call
        while self.running and select.select([fd], [], [], 0)[0]:
            try:
                command = self.commands.recv()
            except (EOFError, OSError):  # the engine's process is gone: end every note
                self.running = False
                return
            self.do(command)

    def read_ahead(self) -> None:
        """Every window waiting on the ahead pipe."""
        ahead = self.ahead
        if ahead is not None:
            ahead.clear()  # before reading: a window sent meanwhile flags itself again
        while ahead is not None and select.select([ahead], [], [], 0)[0]:
            try:
                command = ahead.recv()
            except (EOFError, OSError):  # the engine closed it: its command pipe says what comes next
                self.ahead = None
                return
            self.do(command)

    def do(self, command: tuple) -> None:
        try:
            getattr(self, "do_" + command[0])(*command[1:])
        except Exception as error:  # noqa: BLE001 - one bad command must not stop the music
            self.report(("error", f"{type(error).__name__}: {error}"))

    def send_due(self, now: float) -> None:
        """Everything due by `now`, in order. The hot path, run with caches
        cold after each sleep: names held locally, each message straight to
        its port's `_send`; which notes it holds is worked out later, in
        order, by track_sent (before anything ends notes, and at each report)."""
        waiting, sent, ports, clock, pop, take = (
            self.waiting, self.sent, self.ports, time.monotonic, heapq.heappop, self.take)
        wall, at, cps = self.anchor
        if cps <= 0:
            return
        lines = take.lines if take is not None else None
        while waiting:
            due = wall + (waiting[0][0] - at) / cps
            if due > now:
                break
            _, seq, port, data, system, line, _, _, _ = pop(waiting)
            if self.catching_up:
                if now - due > LATE:
                    self.report(("cancelled", [seq]))
                    continue
                self.catching_up = False
            output = ports.get(port)
            if output is None or output.closed:
                continue
            try:
                output._send(data)  # whole messages: made so (midi/messages.py)
            except Exception as error:  # noqa: BLE001 - a port that fails must not stop the others
                self.failed(output, data, error)
                continue
            sent.append((seq, port, data, due, clock()))
            if lines is not None and not system:
                lines.append(line)
        if lines:
            take.write(self.report)  # right after the burst: a kill now loses none of it
        for output in ports.values():
            output.look_after_sending()

    def send(self, port: int, data: bytes) -> None:
        """At once (release, panic): reported with its send time as its due time."""
        if self.deliver(port, data):
            sent = time.monotonic()
            self.sent.append((None, port, data, sent, sent))
            self.journal_now(port, data, sent)

    def track_sent(self) -> None:
        """Each port's mirror of the notes it holds, brought up to date with
        what was sent since, in order; and the note-ons a port that vanished
        may have lost, counted (engine/port_health.py)."""
        sent, ports = self.sent, self.ports
        if self.tracked < len(sent):
            fresh = sent[self.tracked:]
            self.tracked = len(sent)
            for _, port, data, _, _ in fresh:
                output = ports.get(port)
                if output is not None:
                    with output._lock:
                        output._track(data)
            self.health.count(fresh)

    def journal_now(self, port: int, data: bytes, sent: float) -> None:
        """A message sent at once, journaled at the cycle the clock had then."""
        if self.take is not None and data[0] < 0xF0:
            wall, at, cps = self.anchor
            cycle = at + (sent - wall) * cps if cps > 0 else at
            exact = Fraction(round(cycle * NOW_GRID), NOW_GRID) if cycle == cycle else Fraction(0)
            self.take.lines.append(journal_line(exact.numerator, exact.denominator, None, data, port))

    def deliver(self, port: int, data: bytes) -> bool:
        """Send through port number `port` (its notes tracked later, with the
        burst's: track_sent); False when it is gone or failed (said once per
        failure: a port that fails must not stop the others)."""
        output = self.ports.get(port)
        if output is None or output.closed:
            return False
        try:
            output._send(data)  # whole messages: checked by RemoteOutput.send
        except Exception as error:  # noqa: BLE001
            self.failed(output, data, error)
            return False
        return True

    def failed(self, output: Any, data: bytes, error: Exception) -> None:
        self.report(("error", f"sending {list(data)} to {output.name}: {type(error).__name__}: {error}"))

    def flush(self) -> None:
        if self.sent:
            self.track_sent()
            sent, self.sent, self.tracked = self.sent, [], 0
            self.report(("sent", sent))
            self.reported = time.monotonic()

    def report_after_sent(self, what: tuple) -> None:
        """`what` reported after what was sent before it (a port found gone or back)."""
        self.flush()
        self.report(what)

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
        else:  # in a dead process's place: what it was handed is lost, and what comes late is stale
            self.catching_up = True
        self.ports[number] = output
        virtual = getattr(output, "backend", None) if getattr(output, "virtual", False) else None
        self.report(("opened", request, number, output.name, notice, virtual))

    def do_anchor(self, wall: float, cycle: float, cps: float) -> None:
        tempo_changed = cps != self.anchor[2]
        self.anchor = (wall, cycle, cps)
        if tempo_changed and any(item[8] for item in self.waiting):  # what leaves earlier, by the new tempo
            self.waiting = [(self.send_at(n / d, earlier), seq, port, data, system, line, n, d, earlier)
                            for _, seq, port, data, system, line, n, d, earlier in self.waiting]
            heapq.heapify(self.waiting)

    def send_at(self, cycle: float, earlier: float) -> float:
        """The cycle at which a message of `cycle` leaves, `earlier` seconds
        before it: its wall time is exactly `earlier` before the cycle's."""
        cps = self.anchor[2]
        return cycle - earlier * cps if earlier and cps > 0 else cycle

    def do_at(self, items: list[tuple]) -> None:
        waiting, send_at, push = self.waiting, self.send_at, heapq.heappush
        self.earliest = max(self.earliest, max(item[8] for item in items))
        for seq, port, cycle, data, system, numerator, denominator, track, earlier in items:
            line = journal_line(numerator, denominator, track, data, port) if not system else b""
            push(waiting, (send_at(cycle, earlier), seq, port, data, system, line, numerator, denominator, earlier))

    def do_loop(self, items: list[tuple], period: int, end_n: int | None, end_d: int | None, lap: int,
                after: float) -> None:
        if not items:
            return
        self.earliest = max(self.earliest, max(item[8] for item in items))
        self.replay = Replay(items, period, None if end_n is None else (end_n, end_d), lap, after)
        self.replay_until(self.position() + REPLAY_LEAD * self.anchor[2])

    def replay_until(self, limit: float) -> None:
        """The steady stretch's messages before cycle `limit`, into the
        queue (each with its journal line, as do_at makes them)."""
        replay, waiting, push, send_at = self.replay, self.waiting, heapq.heappush, self.send_at
        items, period, end, after = replay.items, replay.period, replay.end, replay.after
        while True:
            seq, port, cycle, data, system, numerator, denominator, track, earlier = items[replay.index]
            shift = replay.lap * period
            cycle += shift
            if cycle >= limit:
                replay.next = cycle
                return
            numerator += shift * denominator  # still in lowest terms: a whole number of cycles on
            if end is not None and numerator * end[1] >= end[0] * denominator:
                self.replay = None  # the run's end
                return
            if cycle > after:
                line = journal_line(numerator, denominator, track, data, port) if not system else b""
                push(waiting, (send_at(cycle, earlier), seq, port, data, system, line, numerator, denominator, earlier))
            replay.index += 1
            if replay.index == len(items):
                replay.index, replay.lap = 0, replay.lap + 1

    def do_now(self, port: int, data: bytes) -> None:
        self.send(port, data)
        self.write_take()
        self.flush()

    def do_take(self, number: int | None) -> None:
        self.write_take()
        if number is None:
            self.take = None
        else:
            self.take = self.takes.setdefault(number, TakeFile())

    def do_journal(self, number: int, path: str) -> None:
        take = self.takes.get(number)
        if take is not None:
            take.open(path, self.report)
            take.write(self.report)

    def do_done(self, request: int, number: int) -> None:
        take = self.takes.pop(number, None)
        if take is not None:
            take.write(self.report, force=True)
            take.close()
            if take is self.take:
                self.take = None
        self.report(("done", request))

    def write_take(self) -> None:
        if self.take is not None and self.take.lines:
            self.take.write(self.report)

    def write_all(self) -> None:
        """On the way out: every take's file gets what was sent for it."""
        for take in self.takes.values():
            take.write(self.report, force=True)
            take.close()

    def do_cancel(self, system_only: bool, upto: int | None = None) -> None:
        """Drop what waits (MIDI clock only, with `system_only`): what was
        handed over before the cancel (seq ≤ upto), read from the ahead pipe
        first; a window handed over after it is kept."""
        self.read_ahead()

        def dropped_by(item: tuple) -> bool:
            return (upto is None or item[1] <= upto) and (item[4] or not system_only)  # item[4]: MIDI clock

        if self.replay is not None and not system_only and (upto is None or self.replay.items[-1][0] <= upto):
            self.replay = None
        kept = [item for item in self.waiting if not dropped_by(item)]
        dropped = [item[1] for item in self.waiting if dropped_by(item)]
        heapq.heapify(kept)
        self.waiting = kept
        self.report(("cancelled", dropped))

    def do_retract(self, request: int, numerator: int, denominator: int) -> None:
        """Drop what waits to be sent for cycle numerator/denominator and
        later (a change lands there: engine/scheduler.py), read from the
        ahead pipe first; replies the seqs dropped, or None, dropping
        nothing, when some of it may have left already."""
        self.read_ahead()
        wall, at, cps = self.anchor
        leaves = numerator / denominator - self.earliest * cps  # the earliest any of it leaves
        if cps > 0 and at + (time.monotonic() - wall) * cps >= leaves:
            self.report(("retracted", request, None))
            return
        if self.replay is not None:  # a steady stretch plays up to the cut, and no further
            self.replay_until(numerator / denominator)
            self.replay = None
        kept, dropped = [], []
        for item in self.waiting:  # item[6] / item[7]: its cycle, compared exactly
            if item[6] * denominator >= numerator * item[7]:
                dropped.append(item[1])
            else:
                kept.append(item)
        heapq.heapify(kept)
        self.waiting = kept
        self.report(("retracted", request, dropped))

    def do_release(self, port: int) -> None:
        self.track_sent()
        output = self.ports.get(port)
        if output is not None:
            for message in output.release_messages():
                self.send(port, bytes(message))
        self.write_take()
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
        self.track_sent()
        messages = output.panic_messages()
        now = time.monotonic()  # sent first thing in end(): close() then waits a few JACK periods
        end()
        self.sent += [(None, port, bytes(message), now, now) for message in messages]
        self.tracked = len(self.sent)  # end() tracked them itself
        for message in messages:
            self.journal_now(port, bytes(message), now)
        self.write_take()
        self.flush()

    def close_all(self) -> None:
        """Every held note ends (note-off, then CC 123) and is journaled and
        written at once; only then do the ports close (over JACK that waits
        a few periods, and a dead server makes it slower still)."""
        # The ending is what a SIGTERM asks for: one arriving now (an engine
        # that stopped waiting, `abandon`) must not cut it short, which left
        # a late burst heard and no CC 123 after it. Closing the ports may
        # hang on a dead server: a SIGTERM may end that as before.
        terminated = signal.signal(signal.SIGTERM, signal.SIG_IGN)
        self.track_sent()
        for port, output in self.ports.items():
            try:
                messages = output.panic_messages()
                now = time.monotonic()
                output.panic()
                output.channels_used.clear()  # closing sends no second CC 123
            except Exception as error:  # noqa: BLE001 - end the others too
                print(f"trackjammer sender: ending the notes on {output.name}: {error}", file=sys.stderr)
                continue
            for message in messages:
                self.journal_now(port, bytes(message), now)
        for take in self.takes.values():
            take.write(self.report, force=True)
        signal.signal(signal.SIGTERM, terminated)
        for output in self.ports.values():
            try:
                output.close()
            except Exception as error:  # noqa: BLE001 - close the others too
                print(f"trackjammer sender: closing {output.name}: {error}", file=sys.stderr)


class Replay:
    """A steady stretch being played again: the items of its period, and
    the next one to put in the queue (`index` in lap `lap`)."""

    __slots__ = ("items", "period", "end", "lap", "after", "index", "next")

    def __init__(self, items: list[tuple], period: int, end: tuple[int, int] | None, lap: int, after: float):
        self.items, self.period, self.end, self.lap, self.after, self.index = items, period, end, lap, after, 0
        self.next = -math.inf  # the cycle of the next one to put in the queue


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
    """`python -m trackjammer.engine.sender_process COMMAND_FD REPORT_FD [AHEAD_FD [FLAG_FD]]`"""
    deaf_to_the_terminal()  # Ctrl-C and a hangup belong to the REPL; the engine ends us
    _tight_timers()
    _first_in_line()

    def terminated(signum: int, frame: Any) -> None:
        raise SystemExit(143)

    signal.signal(signal.SIGTERM, terminated)
    # The cyclic garbage collector stopped sends for 0.6 ms in the middle of a
    # burst; this loop makes no reference cycles, so it is off.
    gc.disable()
    ahead = FlaggedEnd(int(argv[2]), int(argv[3]) if len(argv) > 3 else -1) if len(argv) > 2 else None
    server = Server(PipeEnd(int(argv[0])), PipeEnd(int(argv[1])), ahead)
    try:
        server.serve()
    finally:
        server.close_all()  # every held note ends, whatever ended the loop
        server.write_all()  # and the take's file holds all it sent
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
