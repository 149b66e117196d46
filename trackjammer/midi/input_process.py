"""The listening process: one MIDI input port, read with rtmidi's callback.

Why a process of its own: RtMidi 5.0's JACK input has died of SIGSEGV
under load, in its JACK process thread; in TrackJammer's own process that
ends the session and the music with it. Here it ends only this process,
and TrackJammer (midi/remote_input.py) starts another on the same port.

Why the callback is safe here: on JACK, rtmidi calls it in JACK's process
thread, which must then take this process's GIL. In TrackJammer's process
the interpreter may hold the GIL for milliseconds and a late cycle loses
every client's MIDI, so that process used to poll every millisecond
instead (4.3 % of a core while idle). Here nothing else holds the GIL for
long: the main thread waits in select() (the GIL released) and wakes once
a second to look for its port, so the callback gets the GIL at once and
nothing polls. The callback does as little as it can: it takes
`time.monotonic()` and writes one small frame to a non-blocking pipe; what
the pipe refuses (TrackJammer reading late) waits, in order, for the main
thread to write.

    python -m trackjammer.midi.input_process REPORT_FD COMMAND_FD REQUEST

REQUEST is JSON: {"port", "backend", "client"} to choose a port as
`rtmidi_out.open_midi_in` does (an error is reported and the process ends),
or {"name", "backend", "client", "virtual"} to open exactly that port (or
our virtual port) and wait for it while it is not there (a process started
in place of one that died, or whose port vanished).

Frames on REPORT_FD, each a kind byte and a length (struct "<BI"):

    kind 0, length n: delta, arrived (struct "<dd": rtmidi's time since the
        previous message, time.monotonic() in the callback), then the n bytes
    kind 1, length n: n bytes of JSON, a report:
        ["opened", name, backend, virtual, notice]  the port is open (also once a waited-for port is there)
        ["failed", message, hint]                    it could not be opened (then the process ends)
        ["absent"]                                   a waited-for port is not there (yet)
        ["gone"]                                     the open port vanished (then the process ends:
                                                     TrackJammer starts one that waits for it)
        ["dropped", count]                           messages dropped: TrackJammer did not read them

Nothing is ever read from COMMAND_FD: when it ends (TrackJammer closed the
input, or died, even by SIGKILL) this process ends, and it ends too when
its parent changed (looked at every second). It always ends with
os._exit and never closes its port: RtMidi 5.0's JACK close races its
process thread and can crash (tests/support/jack_receiver.py does the same);
the JACK server drops a client whose process is gone.
"""

from __future__ import annotations

import collections
import fcntl
import json
import os
import select
import struct
import sys
import time
from typing import Any

from trackjammer.errors import TrackJammerError
from trackjammer.helper_process import deaf_to_the_terminal
from trackjammer.midi.remote_input import HEADER, MESSAGE_KIND, REPORT_KIND, TIMES
from trackjammer.midi.rtmidi_out import input_client, input_there, open_input_port, open_midi_in

MESSAGE = struct.Struct("<" + HEADER.format[1:] + TIMES.format[1:])  # the header, then delta and arrived
LOOK_EVERY = 1.0  # seconds between looks for the port (and the parent)
ATOMIC = 4096  # PIPE_BUF: a write this small goes into a pipe whole or not at all
PIPE_SIZE = 1 << 20  # asked for the report pipe: ~37,000 messages before anything waits here
MOST_WAITING = 200_000  # frames kept while TrackJammer does not read; more are dropped (and said)
SWITCH_INTERVAL = 0.0005  # seconds: a Python thread holding the GIL gives it up this soon


def frame(kind: int, payload: bytes) -> bytes:
    return HEADER.pack(kind, len(payload)) + payload


def report_frame(*what: Any) -> bytes:
    return frame(REPORT_KIND, json.dumps(what).encode())


class Listener:
    def __init__(self, reports: int, commands: int, request: dict[str, Any]) -> None:
        self.reports, self.commands, self.request = reports, commands, request
        self.waiting: collections.deque[bytes] = collections.deque()  # frames the pipe refused, in order
        self.dropped = 0
        self.wake_read, self.wake_write = os.pipe()  # the callback wakes the main thread when a frame waits
        for fd in (self.reports, self.wake_read, self.wake_write):
            os.set_blocking(fd, False)
        self.parent = os.getppid()
        self.midi: Any = None
        self.threads: frozenset[str] = frozenset()
        self.name, self.backend, self.virtual = "", "", False
        self.dead_clients: list[Any] = []  # clients whose JACK server went: never deleted (that would wait)

    # -- JACK's process thread ------------------------------------------------------------

    def callback(self, message: Any, _data: Any) -> None:
        arrived = time.monotonic()
        data, delta = message
        self.send(MESSAGE.pack(MESSAGE_KIND, len(data), delta, arrived) + bytes(data))

    def send(self, data: bytes) -> None:
        """Write a frame at once when nothing waits (never blocking), else
        leave it, in order, to the main thread. Only the callback adds
        messages, so they stay in order; a small write is whole or refused
        (ATOMIC), so two threads' frames never mix in the pipe."""
        if not self.waiting and len(data) <= ATOMIC:
            try:
                os.write(self.reports, data)
                return
            except BlockingIOError:
                pass
            except OSError:
                return  # TrackJammer is gone: the main thread sees it and ends us
        if len(self.waiting) >= MOST_WAITING:
            self.dropped += 1
            return
        self.waiting.append(data)
        try:
            os.write(self.wake_write, b"\0")
        except OSError:
            pass  # a wake-up is pending already

    # -- the main thread --------------------------------------------------------------------

    def flush(self) -> None:
        """Write what waits, as far as the pipe takes it."""
        while self.waiting:
            chunk = self.waiting[0]
            try:
                written = os.write(self.reports, chunk)
            except BlockingIOError:
                return
            except OSError:
                os._exit(0)  # TrackJammer is gone
            if written < len(chunk):
                self.waiting[0] = chunk[written:]
                return
            self.waiting.popleft()
        if self.dropped:
            dropped, self.dropped = self.dropped, 0
            self.send(report_frame("dropped", dropped))

    def wait(self, seconds: float) -> None:
        """Wait, writing what waits, for `seconds`; end when TrackJammer is gone."""
        until = time.monotonic() + seconds
        while True:
            left = until - time.monotonic()
            if left <= 0:
                break
            try:
                readable, writable, _ = select.select([self.commands, self.wake_read],
                                                      [self.reports] if self.waiting else [], [], left)
            except InterruptedError:
                continue
            if self.commands in readable:
                try:
                    if not os.read(self.commands, 4096):
                        os._exit(0)  # TrackJammer closed the input, or died
                except OSError:
                    os._exit(0)
            if self.wake_read in readable:
                try:
                    os.read(self.wake_read, 4096)
                except BlockingIOError:
                    pass
            if self.waiting:
                self.flush()
        if os.getppid() != self.parent:  # TrackJammer died; the pipe may live on in a child of it
            os._exit(0)
        self.send(report_frame("alive"))  # TrackJammer ends and replaces a process that stops saying so

    def choose(self) -> None:
        """Open the port asked for, as open_input chooses it, or say why not and end."""
        request = self.request
        try:
            opened = open_midi_in(request["port"], request["backend"], request["client"], self.callback)
        except TrackJammerError as error:
            self.send(report_frame("failed", error.message, error.hint))
            self.flush_and_end()
        self.midi, self.threads = opened.midi, opened.threads
        self.name, self.backend, self.virtual = opened.name, opened.backend, opened.virtual
        self.send(report_frame("opened", opened.name, opened.backend, opened.virtual, opened.notice))

    def wait_for_port(self) -> None:
        """Open exactly the port named (or our virtual port), looking every
        second while it is not there (nor its JACK server)."""
        request = self.request
        self.name, self.backend, self.virtual = request["name"], request["backend"], request["virtual"]
        said = False
        while True:
            if self.midi is None:
                made = input_client(self.backend, request["client"], self.callback)
                if made is not None:
                    self.midi, self.threads = made
            if self.midi is not None and open_input_port(self.midi, self.name, self.virtual):
                break
            if self.midi is not None and not input_there(self.midi, self.name, True, self.threads):
                self.dead_clients.append(self.midi)  # its JACK server went: a new client when one is there
                self.midi = None
            if not said:
                said = True
                self.send(report_frame("absent"))
            self.wait(LOOK_EVERY)
        self.send(report_frame("opened", self.name, self.backend, self.virtual, None))

    def serve(self) -> None:
        if "port" in self.request:
            self.choose()
        else:
            self.wait_for_port()
        while True:
            self.wait(LOOK_EVERY)
            if not input_there(self.midi, self.name, self.virtual, self.threads):
                self.send(report_frame("gone"))
                self.flush_and_end()

    def flush_and_end(self) -> None:
        """Write everything that waits (TrackJammer reads it, or is gone), then end."""
        deadline = time.monotonic() + 5.0
        while self.waiting and time.monotonic() < deadline:
            try:
                select.select([], [self.reports], [], 0.1)
            except InterruptedError:
                pass
            self.flush()
        os._exit(0)


def main(argv: list[str]) -> int:
    deaf_to_the_terminal()  # Ctrl-C and a hangup belong to the REPL; TrackJammer ends us
    sys.setswitchinterval(SWITCH_INTERVAL)
    reports, commands = int(argv[0]), int(argv[1])
    try:
        fcntl.fcntl(reports, 1031, PIPE_SIZE)  # F_SETPIPE_SZ (Linux); elsewhere the default size
    except (OSError, AttributeError):
        pass
    listener = Listener(reports, commands, json.loads(argv[2]))
    try:
        listener.serve()
    except Exception as error:  # noqa: BLE001 - said, then the process ends as any death does
        print(f"trackjammer: the listening process failed: {type(error).__name__}: {error}", file=sys.stderr)
    os._exit(1)


if __name__ == "__main__":
    main(sys.argv[1:])
