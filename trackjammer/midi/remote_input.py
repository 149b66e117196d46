"""TrackJammer's side of a listening process (midi/input_process.py).

`open_remote_input` starts a listening process for one input port and
waits for it to open the port: the choice of port, and any error (as a
TrackJammerError with its hint), are that process's, said here at once.
The `RemoteInput` it gives is an `Input` like any other: once `start()`ed,
a thread of its own blocks on the process's pipe (no polling) and hands
each message, with rtmidi's delta and the monotonic time its callback ran,
to `Input.take`, which stamps it and calls the listeners.

The process is started again when it ends:
- its port vanished (it said "gone", said once here): at once, by the
  port's name, and it waits for the port; once it opened it, "back";
- it died (SIGSEGV inside RtMidi, kill -9): said once, and started again
  on the same port, at once the first time; one that keeps dying as it
  starts is started again later and later (up to every 10 s), never in a
  loop. Messages played while no process listens are lost;
- it hangs (stuck in a call into a MIDI system that stopped answering):
  it says "alive" every second it waits, so one silent for HUNG seconds is
  killed and started again as one that died.

`close()` closes the process's command pipe (it ends at once, with
os._exit) and waits for it a moment, then kills it.
"""

from __future__ import annotations

import json
import os
import select
import signal
import struct
import subprocess
import sys
import threading
import time
from typing import Any, Callable

from trackjammer.errors import TrackJammerError
from trackjammer.helper_process import OWN_GROUP
from trackjammer.midi.input import Input, Stamper
from trackjammer.midi.jack_links import links

OPEN_TIMEOUT = 10.0  # seconds: starting Python and opening the port, on a busy machine
END_WAIT = 1.0  # seconds a closed input's process is waited for before it is killed
HUNG = 5.0  # seconds without a word from a process (it says "alive" every second): it hangs
STEADY = 5.0  # seconds a process must have listened for its death to start a new series of restarts
FIRST_DELAY, MOST_DELAY = 0.5, 10.0  # seconds before starting again a process that died right after its start
# The listening process's frames (midi/input_process.py writes them): kind and length, then for a
# message its delta and the monotonic time its callback ran, then the payload (its bytes, or a report
# as JSON).
HEADER = struct.Struct("<BI")
TIMES = struct.Struct("<dd")
MESSAGE_KIND, REPORT_KIND = 0, 1


class ListeningError(TrackJammerError):
    """A listening process could not be started, or did not answer."""


class Frames:
    """midi/input_process.py's frames, out of what was read in pieces."""

    def __init__(self) -> None:
        self.buffer = b""

    def feed(self, chunk: bytes) -> list[tuple[int, bytes, bytes]]:
        """The whole frames in what was read so far: (kind, times, payload);
        a frame not whole yet waits for the next piece."""
        data, found, at = self.buffer + chunk, [], 0
        while len(data) - at >= HEADER.size:
            kind, length = HEADER.unpack_from(data, at)
            extra = TIMES.size if kind == MESSAGE_KIND else 0
            end = at + HEADER.size + extra + length
            if end > len(data):
                break
            found.append((kind, data[at + HEADER.size:at + HEADER.size + extra], data[at + HEADER.size + extra:end]))
            at = end
        self.buffer = data[at:]
        return found


class Process:
    """One listening process: it, the pipe it reports on, the pipe whose end ends it."""

    def __init__(self, request: dict[str, Any]) -> None:
        report_read, report_write = os.pipe()
        command_read, command_write = os.pipe()
        try:
            self.popen = subprocess.Popen(
                [sys.executable, "-m", "trackjammer.midi.input_process", str(report_write), str(command_read),
                 json.dumps(request)],
                pass_fds=(report_write, command_read), stdin=subprocess.DEVNULL, stdout=2,  # its noise: our stderr
                **OWN_GROUP,  # the terminal's Ctrl-C and hangup are the REPL's, not ours (helper_process.py)
            )
        except OSError as error:
            for fd in (report_read, report_write, command_read, command_write):
                os.close(fd)
            raise ListeningError(f"cannot start the MIDI listening process: {error}") from None
        os.close(report_write)
        os.close(command_read)
        self.reports, self.commands = report_read, command_write
        self.started = time.monotonic()
        self._frames = Frames()
        self._closing = threading.Lock()
        self.ending = False  # it said it ends (its port vanished): not a death

    @property
    def pid(self) -> int:
        return self.popen.pid

    def read(self, timeout: float | None = None) -> bytes:
        """What it wrote next, blocking (b"" at its end); TimeoutError after `timeout` seconds of nothing."""
        if timeout is not None and not select.select([self.reports], [], [], timeout)[0]:
            raise TimeoutError
        try:
            return os.read(self.reports, 65536)
        except OSError:
            return b""

    def frames(self, chunk: bytes) -> list[tuple[int, bytes, bytes]]:
        return self._frames.feed(chunk)

    def end(self) -> None:
        """Close its command pipe (it ends), wait a moment, else kill it."""
        self._close("commands")
        try:
            self.popen.wait(timeout=END_WAIT)
        except subprocess.TimeoutExpired:
            self.popen.kill()
            self.popen.wait()

    def close_reports(self) -> None:
        self._close("reports")

    def _close(self, which: str) -> None:
        with self._closing:  # once: a number closed twice may be another file's by then
            fd = getattr(self, which)
            if fd < 0:
                return
            setattr(self, which, -1)
        try:
            os.close(fd)
        except OSError:
            pass


def _how(code: int | None) -> str:
    if code is None:
        return "it stopped answering"
    if code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exit code {code}"


class RemoteInput(Input):
    """An input port opened and read by a listening process."""

    def __init__(self, name: str, backend: str, virtual: bool, client_name: str, process: Process,
                 early: list[tuple[int, bytes, bytes]], report: Callable[[str], None] = print) -> None:
        super().__init__(name, backend, report)
        self.virtual = virtual
        self.client_name = client_name
        self.process = process
        self.restarts = 0  # processes started in place of one that died
        self._early = early  # frames read while opening, handed over once started
        self._lock = threading.Lock()  # closing and starting a process again do not cross
        self._closing = threading.Event()

    @property
    def pid(self) -> int:
        """The listening process's id (it changes when one is started again)."""
        return self.process.pid

    def close(self) -> None:
        with self._lock:
            if self.closed:
                return
            self.closed = True
            self._closing.set()
            process = self.process
        links().unwatch(self)
        process.end()  # it ends: the reading thread sees its pipe end, and stops
        self._join_reader()
        if self._thread is None or not self._thread.is_alive():  # else it closes them as it ends
            process.close_reports()

    # -- the reading thread -------------------------------------------------------------------

    def _run(self) -> None:
        frames, self._early = self._early, []
        streak = 0  # deaths in a row, each soon after its start
        while not self.closed:
            process = self.process
            self._hand(process, frames)
            hung = False
            while True:
                try:
                    chunk = process.read(timeout=HUNG)
                except TimeoutError:
                    hung = not self.closed
                    break
                if not chunk:
                    break
                self._hand(process, process.frames(chunk))
            frames = []
            if self.closed:
                process.close_reports()
                break
            try:
                code = process.popen.wait(timeout=0 if hung else END_WAIT)
            except subprocess.TimeoutExpired:  # it hangs, or its pipe ended but it lives on: of no use
                process.popen.kill()
                process.popen.wait()
                code = None
            process.end()
            process.close_reports()
            links().died(self)  # a virtual port went with it: what it was connected to is kept
            delay = 0.0
            if not process.ending:
                streak = streak + 1 if time.monotonic() - process.started < STEADY else 1
                delay = 0.0 if streak == 1 else min(MOST_DELAY, FIRST_DELAY * 2 ** (streak - 2))
                if streak == 1:
                    again = ("; it is started again (a virtual port: connect its source to it again)"
                             if self.virtual and not links().watching(self) else "; it is started again")
                    how = "stopped answering" if code is None else f"died ({_how(code)})"
                    self.report(f"warning: the MIDI input '{self.name}' stopped: its listening process {how}{again}")
                elif delay == MOST_DELAY and FIRST_DELAY * 2 ** (streak - 3) < MOST_DELAY:
                    self.report(f"warning: the MIDI input '{self.name}' keeps failing as its listening process "
                                f"starts; it is tried again every {MOST_DELAY:g} s")
            if not self._again(delay):
                break

    def _again(self, delay: float) -> bool:
        """Start a process in place of the one that ended (after `delay`
        seconds); False when the input is closed meanwhile."""
        while True:
            if self._closing.wait(delay):
                return False
            try:
                process = Process({"name": self.name, "backend": self.backend, "client": self.client_name,
                                   "virtual": self.virtual})
            except ListeningError as error:
                if delay < MOST_DELAY:  # said once; tried again every MOST_DELAY seconds
                    self.report(f"warning: the MIDI input '{self.name}' is not listened to: {error.message}; "
                                f"tried again every {MOST_DELAY:g} s")
                delay = MOST_DELAY
                continue
            with self._lock:
                if self.closed:
                    process.end()
                    process.close_reports()
                    return False
                self.process = process
                self.restarts += 1
                self._stamper = Stamper()  # its rtmidi counts its deltas from its first message
            return True

    def _hand(self, process: Process, frames: list[tuple[int, bytes, bytes]]) -> None:
        for kind, times, payload in frames:
            if kind == MESSAGE_KIND:
                delta, arrived = TIMES.unpack(times)
                self.take(payload, delta, arrived)
                continue
            try:
                said = json.loads(payload)
            except ValueError:
                continue
            what = said[0]
            if what in ("absent", "gone"):
                process.ending = what == "gone"
                if not self.gone:
                    self.gone = True
                    self.report(f"warning: the MIDI input '{self.name}' is gone; it is opened again when it comes back")
            elif what == "opened":
                if self.gone:
                    self.gone = False
                    self.report(f"the MIDI input '{self.name}' is back")
                elif self.virtual:  # made anew by a process started in place of one that died
                    links().made_anew(self, self.report)
            elif what == "dropped":
                self.report(f"warning: {said[1]} messages played into '{self.name}' were dropped: "
                            "TrackJammer did not read them in time")


def open_remote_input(port: str | int | None, backend: str | None, client_name: str,
                      report: Callable[[str], None]) -> tuple[RemoteInput, str | None]:
    """Start a listening process on `port` and wait until it opened it
    (see rtmidi_out.open_input)."""
    process = Process({"port": port, "backend": backend, "client": client_name})
    early: list[tuple[int, bytes, bytes]] = []
    deadline = time.monotonic() + OPEN_TIMEOUT
    try:
        while True:
            try:
                chunk = process.read(max(0.0, deadline - time.monotonic()))
            except TimeoutError:
                raise ListeningError("no MIDI input can be opened: its listening process did not answer in "
                                     f"{OPEN_TIMEOUT:g} s") from None
            if not chunk:
                code = process.popen.wait()
                raise ListeningError(f"no MIDI input can be opened: its listening process ended ({_how(code)})")
            frames = process.frames(chunk)
            for at, (kind, times, payload) in enumerate(frames):
                if kind == MESSAGE_KIND:
                    early.append((kind, times, payload))
                    continue
                said = json.loads(payload)
                if said[0] == "failed":
                    raise TrackJammerError(said[1], hint=said[2])
                if said[0] == "opened":
                    _, name, chosen, virtual, notice = said
                    early += frames[at + 1:]  # what came after: handed over once started
                    opened = RemoteInput(name, chosen, virtual, client_name, process, early, report)
                    if virtual and chosen == "jack":  # connected again when a new process makes it anew
                        links().watch(opened, name, output=False)  # its name: "TrackJammer in"
                    return opened, notice
    except BaseException:
        process.end()
        process.close_reports()
        raise
