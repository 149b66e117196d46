"""A MIDI input: every message that arrives, with the moment it arrived.

An `Input` hands each message to its listeners as `(data, stamp)`, from a
thread of its own; `stamp` is on `time.monotonic()`'s clock, the one the
engine's Clock reads, so a listener can compare it with musical time. It is
not tied to any use: following a clock listens, and so can capture.

Why polling and not the backend's callback: on JACK that callback runs in
JACK's process thread and would wait there for this process's GIL; a cycle
that comes late loses the MIDI of every client. Why the stamps are not the
poll's own time: the backend stamps each message as it arrives and hands
over the time since the previous one (`delta`); the poll sees it up to a
millisecond later. `Stamper` adds the deltas up and ties them to the
monotonic clock by the smallest (poll time − backend time) seen, the poll
that came closest to the arrival (JACK and ALSA both count on the
system's monotonic clock, so the two do not drift apart).

A port that vanishes (its device unplugged, its program closed) is said
once, looked for every second, and opened again by name when it returns.
The backend's part (`poll`, `present`, `reopen`, `close_port`) is given by a
subclass (midi/rtmidi_out.py: RtMidiInput).
"""

from __future__ import annotations

import math
import threading
import time
from typing import Callable

POLL = 0.001  # seconds between looks at the port (the stamps do not depend on it)
PRESENCE_EVERY = 1.0  # seconds between looks whether a port is still there

Listener = Callable[[bytes, float], None]


class Stamper:
    """Backend deltas → monotonic stamps (see the module's docstring)."""

    def __init__(self) -> None:
        self.backend: float | None = None  # the backend's time of the last message, from the first
        self.offset = math.inf  # monotonic − backend time, the smallest seen

    def stamp(self, delta: float, polled: float) -> float:
        self.backend = 0.0 if self.backend is None else self.backend + max(0.0, delta)
        self.offset = min(self.offset, polled - self.backend)
        return self.backend + self.offset


class Input:
    """A MIDI input port, read by a thread of its own once `start()`ed."""

    def __init__(self, name: str, backend: str = "", report: Callable[[str], None] = print) -> None:
        self.name, self.backend, self.report = name, backend, report
        self.listeners: list[Listener] = []
        self.closed = False
        self.gone = False  # the port vanished and has not come back yet
        self.received = 0
        self._stamper = Stamper()
        self._thread: threading.Thread | None = None
        self._failed: set[str] = set()  # listeners' errors already said

    # -- the backend's part ------------------------------------------------------------

    def poll(self) -> tuple[list[int], float] | None:
        """The next message and the backend's delta since the previous one, or None."""
        return None

    def present(self) -> bool:
        """Whether the port is still there."""
        return True

    def reopen(self) -> bool:
        """Open the port again by its name; True when it could."""
        return True

    def close_port(self) -> None:
        pass

    # -- use ----------------------------------------------------------------------------

    def listen(self, listener: Listener) -> None:
        self.listeners = self.listeners + [listener]  # a new list: the reading thread never sees one half made

    def unlisten(self, listener: Listener) -> None:
        self.listeners = [known for known in self.listeners if known is not listener]

    def start(self) -> Input:
        if self._thread is None and not self.closed:
            self._thread = threading.Thread(target=self._run, name=f"trackjammer-input {self.name}", daemon=True)
            self._thread.start()
        return self

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=2)
        self.close_port()

    def take(self, data: bytes, delta: float, polled: float) -> None:
        """One message from the backend: stamp it and hand it to every listener."""
        stamp = self._stamper.stamp(delta, polled)
        self.received += 1
        for listener in self.listeners:
            try:
                listener(data, stamp)
            except Exception as error:  # noqa: BLE001 - a listener's bug must not stop the input
                said = f"{type(error).__name__}: {error}"
                if said not in self._failed:
                    self._failed.add(said)
                    self.report(f"internal error handling MIDI input '{self.name}' ({said}); it goes on")

    def check_presence(self) -> None:
        """Say once that the port vanished; open it again when it is back."""
        there = self.present()
        if not there and not self.gone:
            self.gone = True
            self.report(f"warning: the MIDI input '{self.name}' is gone; it is opened again when it comes back")
        elif there and self.gone and self.reopen():
            self.gone = False
            self.report(f"the MIDI input '{self.name}' is back")

    def _run(self) -> None:
        clock, checked = time.monotonic, time.monotonic()
        while not self.closed:
            try:
                while (got := self.poll()) is not None:
                    self.take(bytes(got[0]), got[1], clock())
                if clock() - checked >= PRESENCE_EVERY:
                    checked = clock()
                    self.check_presence()
            except Exception as error:  # noqa: BLE001 - the port's own failure: said, and the input goes on
                self.report(f"warning: reading MIDI input '{self.name}' failed ({type(error).__name__}: {error})")
                time.sleep(PRESENCE_EVERY)
            time.sleep(POLL)


class MemoryInput(Input):
    """An input fed by hand (tests): `feed(data, stamp)` calls the listeners."""

    def feed(self, data: bytes | list[int], stamp: float) -> None:
        for listener in self.listeners:
            listener(bytes(data), stamp)
