"""The engine's side of the sending process (engine/sender_process.py).

`Sender.launch()` starts the process; `open_output(port, backend)` opens a
port in it (the same choice of port as rtmidi_out.open_output) and returns
a `RemoteOutput`, which the engine uses like any Output: `send` is at once,
`schedule` hands a message over to be sent at its cycle, and `release`,
`panic` and `close` end notes where they are known exactly, in the process
that sent them. A reader thread takes the reports: what was sent (the
benchmark's send times, the mirror of held notes), what was cancelled, and
replies to requests.

The process journals the take's messages itself (`take_begins`,
`take_file`, `take_ends`, `take_closed`: the recorder tells it), so what it
sent is on the disk even when this process is killed; and when it is
killed itself, the one started in its place reads the end of its file for
the notes it had not yet reported, and ends them.
"""

from __future__ import annotations

import contextlib
import itertools
import math
import os
import signal
import subprocess
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from trackjammer.engine import journal
from trackjammer.engine.pipe import FlaggedEnd, PipeEnd
from trackjammer.engine.spawn import Started, spawn
from trackjammer.errors import TrackJammerError
from trackjammer.midi.jack_links import links
from trackjammer.midi.messages import SYSTEM, Message
from trackjammer.midi.output import Output, check_message

if TYPE_CHECKING:
    from fractions import Fraction

REPLY_TIMEOUT = 10.0  # seconds: opening a port can take a while; a dead process must not hang us
ANSWER_TIMEOUT = 3.0  # seconds: any other request is answered within milliseconds; after this it is stuck
ABANDON_WAIT = 0.5  # seconds a process left to end its notes by itself is waited for, at most
RESTARTS = 3  # a sending process that dies is started again this many times
SOON = 0.04  # seconds: a window whose first message leaves sooner goes on the command pipe (the
# process reads the ahead pipe only after its next burst, within its LAZY: engine/sender_process.py)


class SenderError(TrackJammerError):
    """The sending process could not be started or stopped answering."""


class Sender:
    def __init__(self, process: subprocess.Popen, commands: PipeEnd, reports: PipeEnd, ahead: FlaggedEnd):
        self.process, self._commands, self._reports = process, commands, reports
        self._ahead = ahead  # windows handed over ahead of time: read when the process wakes anyway
        self._write_lock = threading.Lock()
        self._requests = itertools.count()
        self._replies: dict[int, Any] = {}
        self._replied = threading.Condition()
        self._seq = itertools.count()
        self._handed = -1  # the seq of the last message handed over (a cancel drops up to it)
        self.in_flight: dict[int, tuple] = {}  # (output, message[, earlier]) handed over, neither sent nor cancelled yet
        # a steady stretch's items by seq, this one's and the one before (its last reports may come after it
        # ended), and how to hand it to a process started in a dead one's place (engine/steady.py)
        self._replayed: list[tuple[dict[int, tuple], int]] = []  # (items by seq, period), the latest first
        self._replay: tuple[list[tuple], Fraction, int, Fraction | None] | None = None
        self.outputs: dict[int, RemoteOutput] = {}
        self.on_sent: Callable[[Message, float, float], None] | None = None  # (message, due, sent)
        # a steady stretch's message played again: (its message as handed over, its seq, due, sent)
        self.on_sent_again: Callable[[Message, int, float, float], None] | None = None
        self.on_sent_now: Callable[[bytes, float], None] | None = None  # (data, sent): release, panic, close
        self.report: Callable[[str], None] = print
        self.on_refused: Callable[[str], None] | None = None  # the take's file cannot be written (why)
        self.on_port: Callable[[RemoteOutput, str], None] | None = None  # a port is "gone" or "back"
        self.on_lost: Callable[[str, int], None] | None = None  # (port name, note-ons sent to it while gone)
        self._asked: dict[tuple, int] = {}  # (name, *args) → request: asked before this sender took the process over
        self._take_number: int | None = None  # the take the process journals now
        self._take_file: str | None = None  # and its file, once the recorder made the folder
        self.closing = False
        self._stuck = False  # it stopped answering: it was killed, and nothing more is waited for
        self._anchor: tuple[float, float, float] | None = None  # the last one told, for a new process
        self._generation = 0  # counts the processes started after the first
        # A second process, started and waiting, to take over at once when the
        # first dies: starting Python took 0.1 s idle, and a second on a busy machine.
        self._spare: Spawned | None = None
        self._spare_lock = threading.Lock()  # the spare is taken and kept from several threads
        self._reader = threading.Thread(target=self._read, name="trackjammer-sender-reports", daemon=True)
        self._reader.start()

    @classmethod
    def launch(cls) -> Sender:
        """A sending process started now, and its spare."""
        sender = cls(*_spawn())
        sender.keep_spare()
        return sender

    @classmethod
    def adopt(cls, started: Started) -> Sender:
        """The sending process engine/spawn.py started, and the requests
        asked of it already (their answers are waited for as for any); its
        spare starts when keep_spare() is called (the REPL: once its prompt
        is drawn, so the two do not start on the same cores as the prompt
        loads)."""
        sender = cls(started.process, started.commands, started.reports, started.ahead)
        sender._requests = itertools.count(started.requests)
        sender._asked = dict(started.asked)
        return sender

    def keep_spare(self) -> None:
        """Start the spare, the process waiting to take over (unless one is
        waiting already, this one is closing or no more restarts are left)."""
        if self._spare is None and not self.closing and self._generation < RESTARTS:
            self._keep(_spare())

    def _keep(self, spare: Spawned | None) -> None:
        """`spare` waits to take over; one started while another was kept, or
        while closing, is ended."""
        with self._spare_lock:
            if self._spare is None and not self.closing:
                self._spare, spare = spare, None
        _end_spare(spare)

    def _take_spare(self) -> Spawned | None:
        with self._spare_lock:
            spare, self._spare = self._spare, None
        return spare

    # -- requests ---------------------------------------------------------------------------------

    def _tell(self, *command: Any, ahead: bool = False) -> None:
        # Another thread may be blocked writing to a full pipe that the
        # process no longer reads (seen: busy with a dead JACK server); waiting
        # for it would hang this one for good, so such a process is stuck.
        if not self._write_lock.acquire(timeout=ANSWER_TIMEOUT):
            self._stop_stuck(str(command[0]))
            return
        try:
            (self._ahead if ahead else self._commands).send(command, timeout=ANSWER_TIMEOUT)
        except TimeoutError:  # it stopped reading: a thread waiting here would hold its locks for good
            self._stop_stuck(str(command[0]))
        except OSError:
            pass  # the process is gone: the reader thread has said so, and its exit ended its notes
        finally:
            self._write_lock.release()

    def _ask(self, name: str, *args: Any) -> Any:
        generation = self._generation
        if self._stuck:
            raise SenderError("the MIDI sending process is stuck")
        request = self._asked.pop((name, *args), None) if generation == 0 else None  # asked the first process already
        if request is None:
            request = next(self._requests)
            self._tell(name, request, *args)
        with self._replied:
            if not self._replied.wait_for(
                lambda: request in self._replies or not self._reader.is_alive() or self._generation != generation,
                REPLY_TIMEOUT if name == "open" else ANSWER_TIMEOUT,
            ):
                self._stop_stuck(name)
                raise SenderError(f"the MIDI sending process did not answer ({name})")
            if request not in self._replies:
                raise SenderError("the MIDI sending process is gone")
            return self._replies.pop(request)

    def open_output(self, port: Any = None, backend: str | None = None) -> tuple[RemoteOutput, str | None]:
        reply = self._ask("open", port, backend)
        if reply[0] == "failed":
            raise TrackJammerError(reply[1], hint=reply[2])
        _, number, name, notice, virtual = reply
        output = RemoteOutput(self, number, name, (port, backend))
        self.outputs[number] = output
        if virtual == "jack":  # connected again when a new process makes it anew (midi/jack_links.py)
            links().watch(output, name, output=True)
        return output, notice

    def anchor(self, wall: float, cycle: float, cps: float) -> None:
        self._anchor = (wall, cycle, cps)
        self._tell("anchor", wall, cycle, cps)

    def schedule(self, items: Sequence[tuple]) -> None:
        """Hand messages over, each to be sent when the clock reaches its
        cycle: items are (output, message) or (output, message, seconds it
        leaves earlier: its output's latency less its track's nudge)."""
        batch, first = self._batch(items, self.in_flight)
        if batch:
            self._tell("at", batch, ahead=self._leaves_later(first))

    def replay(self, items: Sequence[tuple], begin: Fraction, period: int, end: Fraction | None) -> None:
        """A steady stretch (engine/steady.py): `items` (as for schedule),
        the messages of [begin, begin + period), handed over already, play
        again every period from begin + period on, up to `end` (None: until
        a retract or cancel)."""
        looped: dict[int, tuple] = {}
        batch, first = self._batch(items, looped)
        if not batch:
            return
        self._replayed = [(looped, period), *self._replayed[:1]]
        self._replay = (batch, begin, period, end)
        self._tell_replay(1, -math.inf, ahead=self._leaves_later(first + period))

    def _tell_replay(self, lap: int, after: float, ahead: bool = False) -> None:
        batch, _, period, end = self._replay
        self._tell("loop", batch, period, None if end is None else end.numerator,
                   None if end is None else end.denominator, lap, after, ahead=ahead)

    def _batch(self, items: Sequence[tuple], handed: dict[int, tuple]) -> tuple[list[tuple], float]:
        """Items as the sending process takes them, each under a new seq
        (noted in `handed`), and the cycle the first leaves at."""
        batch = []
        first = math.inf  # the cycle the first of them leaves at (at the anchor's tempo)
        cps = self._anchor[2] if self._anchor is not None else 0.0
        for item in items:
            output, message = item[0], item[1]
            seq = next(self._seq)
            handed[seq] = item
            time = message.time
            numerator, denominator = time.numerator, time.denominator  # n / d: float(time), without Fraction's detour
            cycle, earlier = numerator / denominator, item[2] if len(item) > 2 else 0.0
            first = min(first, cycle - earlier * cps)
            batch.append((seq, output.number, cycle, bytes(message.bytes()), message.kind == SYSTEM,
                          numerator, denominator, message.track, earlier))
        if batch:
            self._handed = batch[-1][0]
        return batch, first

    def _leaves_later(self, cycle: float) -> bool:
        """Whether a message leaving at `cycle` leaves SOON seconds from now or later."""
        if self._anchor is None or self._anchor[2] <= 0:
            return False
        wall, at, cps = self._anchor
        return wall + (cycle - at) / cps - time.monotonic() > SOON

    def retract(self, cycle: Fraction) -> bool:
        """Drop what was handed over for `cycle` and later, unless some of
        it may have been sent already: then nothing is dropped (False)."""
        try:
            dropped = self._ask("retract", cycle.numerator, cycle.denominator)[0]
        except SenderError:
            return False
        if dropped is None:
            return False
        for seq in dropped:
            self.in_flight.pop(seq, None)
        self._replay = None  # it ended there
        return True

    def cancel(self, system_only: bool = False) -> None:
        """Drop what was handed over and not sent yet (all of it, or MIDI clock only)."""
        if not system_only:
            self._replay = None
        self._tell("cancel", system_only, self._handed)

    # -- the take's journal, written by the process ------------------------------------------------

    def take_begins(self, number: int) -> None:
        """From now on, what is sent belongs to take `number`."""
        self._take_number, self._take_file = number, None
        self._tell("take", number)

    def take_ends(self) -> None:
        """From now on, what is sent belongs to no take."""
        self._take_number, self._take_file = None, None
        self._tell("take", None)

    def take_file(self, number: int, path: Any) -> None:
        """Take `number`'s messages go to the file at `path` (its folder exists now)."""
        if number == self._take_number:
            self._take_file = str(path)
        self._tell("journal", number, str(path))

    def take_closed(self, number: int) -> None:
        """Return once take `number`'s file holds everything sent for it, and is closed."""
        try:
            self._ask("done", number)
        except SenderError:
            pass  # gone: what it wrote is there

    def cpu_seconds(self) -> float:
        """user + sys of the sending process so far (for the benchmark)."""
        return self._ask("cpu")[0]

    def sync(self) -> None:
        """Return once every report of what was sent before now has been taken."""
        try:
            self._ask("sync")
        except SenderError:
            pass  # gone: nothing more will be reported

    def _stop_stuck(self, name: str) -> None:
        """A process that does not answer is of no use and may hold notes
        it will never end: it is killed, and (unless closing) one started
        in its place ends them, as after any death."""
        if not self.closing:
            self.report(f"error: the MIDI sending process did not answer ({name}) for {ANSWER_TIMEOUT:g} s: "
                        "stopping it")
        else:
            self._stuck = True  # closing: what is left to ask would wait as long again
        try:
            self.process.kill()
        except OSError:
            pass

    def abandon(self) -> None:
        """End now, without waiting for answers (a second Ctrl-C or SIGTERM
        while closing): the command pipe ends, so the process ends every
        note itself and journals it, as when this process dies; it is
        waited for a moment, then told to end (SIGTERM: its notes end
        first), and killed only when that does not end it."""
        self.closing = self._stuck = True
        if self._write_lock.acquire(timeout=ANSWER_TIMEOUT):  # else a writer hangs on a full pipe: it is ended below
            try:
                self._commands.close()
                self._ahead.close()
            finally:
                self._write_lock.release()
        with contextlib.suppress(OSError):  # one stopped (SIGSTOP, a debugger) ends its notes too
            os.kill(self.process.pid, signal.SIGCONT)
        try:
            self.process.wait(timeout=ABANDON_WAIT)
        except subprocess.TimeoutExpired:  # busy still (a loaded machine, a late burst after SIGCONT)
            self.process.terminate()  # its SIGTERM ends every note first, then the process
            try:
                self.process.wait(timeout=ABANDON_WAIT)
            except subprocess.TimeoutExpired:
                self.process.kill()  # stuck: the next start finishes its journal
        spare = self._take_spare()
        if spare is not None:
            spare[1].close()  # a waiting process ends when its pipe does; it is not waited for
            spare[3].close()

    def busy(self) -> bool:
        """Messages handed over are still waiting to be sent."""
        return bool(self.in_flight)

    def close(self) -> None:
        """Close every port (their notes end, CC 123) and end the process."""
        if self.closing:
            _end_spare(self._take_spare())
            return
        self.closing = True  # from now on, the process ending is expected
        for output in list(self.outputs.values()):
            links().unwatch(output)
        try:
            self._ask("shutdown")
        except SenderError:
            pass  # it is gone already: its own exit ended its notes
        finally:
            self._commands.close()
            self._ahead.close()
            try:
                self.process.wait(timeout=REPLY_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
            _end_spare(self._take_spare())

    # -- reports ------------------------------------------------------------------------------------

    def _read(self) -> None:
        while True:
            while True:
                try:
                    report = self._reports.recv()
                except (EOFError, OSError):
                    break
                try:
                    self._take(report)
                except Exception as error:  # noqa: BLE001 - keep reading: the next report may matter
                    self.report(f"internal error reading the MIDI sender's report ({type(error).__name__}: {error})")
            unsent, died = list(self.in_flight.values()), time.monotonic()
            self.in_flight.clear()  # what it was holding is lost with it …
            for output in list(self.outputs.values()):  # (another thread may open one meanwhile)
                links().died(output)  # its virtual port goes with it: what it was connected to is kept
            if self.closing or not self._restart(unsent, died):
                break
        with self._replied:
            self._replied.notify_all()

    def _restart(self, unsent: list[tuple[RemoteOutput, Message]], died: float) -> bool:
        """The sending process died: start another (a few times at most), open
        the same ports in it under the same numbers, and end there whatever
        the dead one left sounding, so the music goes on."""
        try:
            code = self.process.wait(timeout=1.0)
        except subprocess.TimeoutExpired:  # its pipe ended but it lives on: say so all the same
            code = None
        said = f"error: the MIDI sending process ended (exit code {code})"
        if self._generation >= RESTARTS:
            self.report(f"{said}: nothing more will sound; restart TrackJammer")
            return False
        try:
            spare = self._take_spare()
            if spare is not None and spare[0].poll() is None:
                process, commands, reports, ahead = spare  # started already: it takes over at once
            else:
                _end_spare(spare)
                process, commands, reports, ahead = _spawn()
        except SenderError as error:
            self.report(f"{said}: nothing more will sound ({error.message}); restart TrackJammer")
            return False
        with self._write_lock:  # the new process hears of its ports before anything else
            old, old_ahead, self.process, self._commands, self._ahead = (
                self._commands, self._ahead, process, commands, ahead)
            old.close()
            old_ahead.close()
            self.in_flight.clear()  # also what went into the dead one's pipe since it died
            for number, output in sorted(self.outputs.items()):
                if output.closed:
                    continue
                commands.send(("open", -1 - number, *output.opened_with, number))  # a negative request: nobody waits
            if self._anchor is not None:
                commands.send(("anchor", *self._anchor))
            if self._take_number is not None:  # the take goes on in the same file
                commands.send(("take", self._take_number))
                if self._take_file is not None:
                    commands.send(("journal", self._take_number, self._take_file))
                    for number, data in journal.held_after(Path(self._take_file)):  # sent, maybe not yet reported
                        output = self.outputs.get(number)
                        if output is not None:
                            output.mirror([data])
            for number, output in sorted(self.outputs.items()):
                if output.closed:
                    continue
                for message in output.panic_messages():  # note-offs of what it left sounding, then CC 123
                    commands.send(("now", number, bytes(message)))
        self._reports.close()
        self._reports = reports
        with self._replied:
            self._generation += 1
            self._replied.notify_all()  # a request to the dead process gets no answer
        self._hand_over_again(unsent, died)
        self._replay_again(died)
        self.report(f"{said}: started again; what it left sounding is ended")
        if self._generation < RESTARTS:
            self._keep(_spare())  # for the next time
        return True

    def _hand_over_again(self, unsent: list[tuple[RemoteOutput, Message]], died: float) -> None:
        """… except what was due after it died (so it cannot have been sent):
        the new process gets it, and sends what is not too late by now."""
        if self._anchor is None:
            return
        wall, at, cps = self._anchor
        if cps <= 0:
            return
        again = [item for item in unsent  # (output, message[, seconds earlier])
                 if not item[0].closed and wall + (float(item[1].time) - at) / cps - (item[2] if len(item) > 2 else 0) > died]
        self.schedule(sorted(again, key=lambda item: item[1].time))

    def _replay_again(self, died: float) -> None:
        """A steady stretch plays on in the new process, from where the dead one stopped."""
        if self._replay is None or self._anchor is None or self._anchor[2] <= 0:
            return
        wall, at, cps = self._anchor
        after = at + (died - wall) * cps  # the cycle it died at: what was due before may have been sent
        begin, period = self._replay[1], self._replay[2]
        self._tell_replay(max(1, math.floor((after - begin) / period)), after)

    def played_again(self, seq: int, due: float) -> Message | None:
        """The message of a steady stretch sent as `seq` at `due`: the one
        handed over, moved on by the periods it was played again after
        (worked out from when it was due). Only what watches every send
        asks (benchmarks, tests): the Fraction arithmetic is not free."""
        for looped, period in self._replayed:
            item = looped.get(seq)
            if item is not None and self._anchor is not None and self._anchor[2] > 0:
                wall, at, cps = self._anchor
                message = item[1]
                cycle = at + (due + (item[2] if len(item) > 2 else 0.0) - wall) * cps
                return message._replace(time=message.time + round((cycle - float(message.time)) / period) * period)
        return None

    def _take(self, report: tuple) -> None:
        kind = report[0]
        if kind == "sent":
            in_flight, on_sent, on_sent_now = self.in_flight, self.on_sent, self.on_sent_now
            on_again, replayed = self.on_sent_again, self._replayed
            lost: dict[str, int] = {}
            by_port: dict[int, list[bytes]] = {}
            for seq, number, data, due, sent in report[1]:
                by_port.setdefault(number, []).append(data)
                if seq is None:
                    if on_sent_now is not None:
                        on_sent_now(data, sent)
                    continue
                handed = in_flight.pop(seq, None)
                if handed is not None:
                    if on_sent is not None:
                        on_sent(handed[1], due, sent)
                elif on_again is not None:  # a steady stretch's, played again
                    for looped, _ in replayed:
                        again = looped.get(seq)
                        if again is not None:
                            on_again(again[1], seq, due, sent)
                            break
            for number, sent_there in by_port.items():  # each port's mirror once a report, under one lock
                output = self.outputs.get(number)
                if output is not None:
                    output.mirror(sent_there)
                    if output.gone:  # note-ons sent to a port that was not there
                        ons = sum(1 for data in sent_there if len(data) == 3 and data[0] & 0xF0 == 0x90 and data[2])
                        if ons:
                            lost[output.name] = lost.get(output.name, 0) + ons
            for name, count in lost.items():
                if self.on_lost is not None:
                    self.on_lost(name, count)
        elif kind == "port":  # ("port", number, "gone", count) | ("port", number, "back"): engine/port_health.py
            output = self.outputs.get(report[1])
            if output is not None:
                output.gone = report[2] == "gone"
                if self.on_port is not None:
                    self.on_port(output, report[2])
                if output.gone and len(report) > 3 and report[3] and self.on_lost is not None:
                    self.on_lost(output.name, report[3])  # sent after it was last found there: maybe lost
        elif kind == "cancelled":
            for seq in report[1]:
                self.in_flight.pop(seq, None)
        elif kind == "error":
            self.report(f"internal error in the MIDI sender: {report[1]}; the music goes on")
        elif kind == "refused":
            if self.on_refused is not None:
                self.on_refused(report[1])
        elif report[1] < 0:  # a port opened again after a restart
            if kind == "failed":
                self.report(f"warning: a MIDI port could not be opened again: {report[2]}; its tracks are silent")
            elif kind == "opened":
                output = self.outputs.get(report[2])
                if output is not None:  # a virtual JACK port made anew: connected again (midi/jack_links.py)
                    links().made_anew(output, self.report)
        else:  # a reply: (kind, request, ...)
            with self._replied:
                self._replies[report[1]] = (kind, *report[2:]) if kind in ("failed", "opened") else report[2:]
                self._replied.notify_all()


Spawned = tuple[subprocess.Popen, PipeEnd, PipeEnd, PipeEnd]  # (process, commands, reports, ahead)


def _spare() -> Spawned | None:
    """A sending process to keep waiting; None when it cannot be started (one is started when needed)."""
    try:
        return _spawn()
    except SenderError:
        return None


def _end_spare(spare: Spawned | None) -> None:
    """A waiting process ends when its command pipe does."""
    if spare is not None:
        process, commands, reports, ahead = spare
        commands.close()
        ahead.close()
        try:
            process.wait(timeout=REPLY_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        reports.close()


def _spawn() -> Spawned:
    """Start a sending process: (it, the pipe to tell it, the pipe it reports on, the pipe for windows ahead)."""
    try:
        return _wrap(*spawn())
    except OSError as error:
        raise cannot_start(error) from None


def cannot_start(error: OSError) -> SenderError:
    return SenderError(f"cannot start the MIDI sending process: {error}")


def _wrap(process: subprocess.Popen, command_write: int, report_read: int, ahead_write: int, flag: int) -> Spawned:
    """What engine/spawn.py's spawn() started, with its pipes' ends."""
    return process, PipeEnd(command_write), PipeEnd(report_read), FlaggedEnd(ahead_write, flag)


class RemoteOutput(Output):
    """A port in the sending process. Held notes and channels used mirror
    what that process reports it sent."""

    timed = True  # the engine hands it messages ahead of time

    def __init__(self, sender: Sender, number: int, name: str, opened_with: tuple[Any, str | None]):
        super().__init__(name)
        self.sender, self.number = sender, number
        self.opened_with = opened_with  # (port, backend): to open it again in a new sending process
        self.gone = False  # the port it sends to vanished (engine/port_health.py); notes sent meanwhile are lost

    def send(self, data: Sequence[int]) -> None:
        check_message(data)
        if not self.closed:
            self.sender._tell("now", self.number, bytes(data))

    def mirror(self, sent: list[bytes]) -> None:
        """What the process reports it sent here, in order."""
        with self._lock:
            for data in sent:
                self._track(data)

    def release(self) -> None:
        if not self.closed:
            self.sender._tell("release", self.number)

    def panic(self) -> None:
        if not self.closed:
            self.sender._tell("panic", self.number)

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        links().unwatch(self)
        try:
            self.sender._ask("close", self.number)
        except SenderError:
            pass  # the process is gone; its exit ended the notes
