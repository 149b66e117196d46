"""A MIDI input: every message that arrives, with the moment it arrived.

An `Input` hands each message to its listeners as `(data, stamp)`, from a
thread of its own; `stamp` is on `time.monotonic()`'s clock, the one the
engine's Clock reads, so a listener can compare it with musical time. It is
not tied to any use: following a clock listens, and so can capture.

A port is read by a listening process of its own (midi/input_process.py;
this process's side: midi/remote_input.py, `RemoteInput`), never in
TrackJammer's process: RtMidi's JACK input has died of SIGSEGV under load,
and there that ends only the listening process, which is started again.
There rtmidi's callback is used (in TrackJammer's process it would wait in
JACK's process thread for a GIL the interpreter may hold for milliseconds,
so this process polled every millisecond: 4.3 % of a core while idle);
the callback takes the time and writes to a pipe, and the reading thread
here blocks on that pipe. Why the stamps are not that time as it is: the
backend stamps each message as it arrives and hands over the time since
the previous one (`delta`); the callback runs a moment later, later still
when it waited for the GIL. `Stamper` adds the deltas up and ties them to
the monotonic clock by the smallest (callback time − backend time) seen,
the callback that came closest to the arrival (JACK and ALSA both count
on the system's monotonic clock, so the two do not drift apart).

A port that vanishes (its device unplugged, its program closed) is said
once, looked for every second, and opened again by name when it returns;
a listening process that dies is said once and started again. Where no
listening process can run (not POSIX), the port is opened in this process
and polled every millisecond (midi/rtmidi_out.py: PolledInput).
`MemoryInput` is fed by hand (tests).
"""

from __future__ import annotations

import math
import threading
from typing import Callable

Listener = Callable[[bytes, float], None]


class Stamper:
    """Backend deltas → monotonic stamps (see the module's docstring)."""

    def __init__(self) -> None:
        self.backend: float | None = None  # the backend's time of the last message, from the first
        self.offset = math.inf  # monotonic − backend time, the smallest seen

    def stamp(self, delta: float, arrived: float) -> float:
        self.backend = 0.0 if self.backend is None else self.backend + max(0.0, delta)
        self.offset = min(self.offset, arrived - self.backend)
        return self.backend + self.offset


class Input:
    """A MIDI input port; its messages reach the listeners once `start()`ed."""

    def __init__(self, name: str, backend: str = "", report: Callable[[str], None] = print) -> None:
        self.name, self.backend, self.report = name, backend, report
        self.listeners: list[Listener] = []
        self.closed = False
        self.gone = False  # the port vanished and has not come back yet
        self.received = 0
        self._stamper = Stamper()
        self._failed: set[str] = set()  # listeners' errors already said
        self._thread: threading.Thread | None = None  # the one that reads the port (`_run`), once started

    def listen(self, listener: Listener) -> None:
        self.listeners = self.listeners + [listener]  # a new list: the reading thread never sees one half made

    def unlisten(self, listener: Listener) -> None:
        self.listeners = [known for known in self.listeners if known is not listener]

    def start(self) -> Input:
        """Read the port in a thread of its own, from now on (once)."""
        if self._thread is None and not self.closed:
            self._thread = threading.Thread(target=self._run, name=f"trackjammer-input {self.name}", daemon=True)
            self._thread.start()
        return self

    def _run(self) -> None:
        """Read the port until closed, handing each message to `take` (the backend's part)."""

    def close(self) -> None:
        self.closed = True

    def _join_reader(self) -> None:
        """Wait a moment for the reading thread to see the input closed (unless this is it)."""
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=2)

    def take(self, data: bytes, delta: float, arrived: float) -> None:
        """One message from the backend (`delta` after the one before, its
        callback at monotonic `arrived`): stamp it and hand it to every listener."""
        stamp = self._stamper.stamp(delta, arrived)
        self.received += 1
        for listener in self.listeners:
            try:
                listener(data, stamp)
            except Exception as error:  # noqa: BLE001 - a listener's bug must not stop the input
                said = f"{type(error).__name__}: {error}"
                if said not in self._failed:
                    self._failed.add(said)
                    self.report(f"internal error handling MIDI input '{self.name}' ({said}); it goes on")


class MemoryInput(Input):
    """An input fed by hand (tests): `feed(data, stamp)` calls the listeners."""

    def feed(self, data: bytes | list[int], stamp: float) -> None:
        for listener in self.listeners:
            listener(bytes(data), stamp)
