"""Where live MIDI goes: one `send(data)` for every kind of output.

The engine sends raw MIDI bytes through an `Output` and never needs to know
whether a port, nothing, or a test list is behind it. The base class does
what every output must do the same way, so no backend can get it wrong:

- check each message cheaply (a bad byte is a bug upstream: ValueError),
- serialise senders with a lock (the clock thread, the REPL's hush, a
  signal handler's panic may all send),
- remember which notes are held and which channels were used, so `panic()`
  and `close()` can end every note and leave no note stuck.

Channels here are MIDI's own 0..15 (the low nibble of the status byte);
MidiTrack(1) plays on channel 0.

No rtmidi here: `rtmidi_out.py` is the one module that talks to ports.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence

from trackjammer.midi.kinds import (
    ALL_NOTES_OFF, CONTROL_STATUS, LENGTH as _LENGTH, NOTE_OFF_STATUS, NOTE_ON_STATUS, channel_of, is_channel,
)


def check_message(data: Sequence[int]) -> None:
    """Refuse bytes that are not one whole MIDI message (before any port sees them)."""
    if not data:
        raise ValueError("empty MIDI message")
    status = data[0]
    if not isinstance(status, int) or not 0x80 <= status <= 0xFF:
        raise ValueError(f"MIDI message {list(data)!r}: the first byte must be a status byte 0x80..0xFF")
    expected = _LENGTH[status]
    if expected == 0:
        raise ValueError(f"MIDI message {list(data)!r}: status 0x{status:02X} is not supported")
    if len(data) != expected:
        raise ValueError(
            f"MIDI message {list(data)!r}: status 0x{status:02X} takes {expected} bytes, not {len(data)}"
        )
    for byte in data[1:]:
        if not isinstance(byte, int) or not 0 <= byte <= 127:
            raise ValueError(f"MIDI message {list(data)!r}: data bytes must be 0..127")


class Output:
    """A MIDI destination. Subclasses implement `_send` and maybe `_close`."""

    name: str = "output"
    timed = False  # True: the engine hands it messages ahead of time (engine/sender.py)
    latency = 0.0  # seconds its synth takes to sound: its messages leave this much earlier (engine/live.py)

    def __init__(self, name: str | None = None) -> None:
        if name is not None:
            self.name = name
        self._lock = threading.RLock()
        self._held: set[tuple[int, int]] = set()  # (channel, note) sounding now
        self.channels_used: set[int] = set()
        self.closed = False

    # -- sending

    def send(self, data: Sequence[int]) -> None:
        """Send one raw MIDI message. Thread-safe.

        Raises ValueError on a malformed message. After close() it does
        nothing: the port is gone, so nothing can sound or stick.
        """
        check_message(data)
        self.send_checked(data)

    def send_checked(self, data: Sequence[int]) -> None:
        """send() of a message known to be whole: the sending process's (the
        engine's messages are made so, and what it sends at once it checked):
        the check is 40 % of a send's Python work (0.5 of 1.3 µs, warm)."""
        with self._lock:
            if self.closed:
                return
            self._send(data)
            self._track(data)

    def look_after_sending(self) -> None:
        """Between two bursts of sending: checks too slow for the middle of one (midi/rtmidi_out.py)."""

    def _track(self, data: Sequence[int]) -> None:
        # After a successful send only: a note-off that failed stays held,
        # so panic() tries it again.
        status = data[0]
        if not is_channel(status):
            return
        channel = channel_of(status)
        self.channels_used.add(channel)
        kind = status & 0xF0
        if kind == NOTE_ON_STATUS and data[2] > 0:
            self._held.add((channel, data[1]))
        elif kind == NOTE_ON_STATUS or kind == NOTE_OFF_STATUS:
            self._held.discard((channel, data[1]))

    @property
    def held_notes(self) -> frozenset[tuple[int, int]]:
        """(channel, note) of every note sounding now."""
        with self._lock:
            return frozenset(self._held)

    # -- ending notes

    def release_messages(self) -> list[tuple[int, int, int]]:
        """A note-off for every held note (sent, not yet ended)."""
        with self._lock:
            return [(NOTE_OFF_STATUS | channel, note, 0) for channel, note in sorted(self._held)]

    def panic_messages(self) -> list[tuple[int, int, int]]:
        """What panic() sends: the note-offs, then CC 123 on every channel
        used (nothing once closed). The recorder and the sending process
        report these too."""
        with self._lock:
            if self.closed:
                return []
            return self.release_messages() + [
                (CONTROL_STATUS | channel, ALL_NOTES_OFF, 0) for channel in sorted(self.channels_used)]

    def release(self) -> None:
        """Send release_messages()."""
        with self._lock:
            for message in self.release_messages():
                self.send(message)

    def panic(self) -> None:
        """End every held note (note-off), then CC 123 on every channel used.

        Best effort: one failing message does not stop the others; the
        first error is raised at the end.
        """
        with self._lock:
            first_error: BaseException | None = None
            for message in self.panic_messages():
                try:
                    self._send(message)
                    self._track(message)
                except Exception as error:  # noqa: BLE001 - keep ending the other notes
                    first_error = first_error or error
            if first_error is not None:
                raise first_error

    def close(self) -> None:
        """panic(), then release the port. Calling it again does nothing."""
        with self._lock:
            if self.closed:
                return
            try:
                self.panic()
            finally:
                self.closed = True
                self._close()

    def __enter__(self) -> Output:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- for subclasses

    def _send(self, data: Sequence[int]) -> None:
        raise NotImplementedError

    def _close(self) -> None:
        pass

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name!r}>"


class NullOutput(Output):
    """No MIDI output: nothing sounds, but notes are tracked the same way."""

    name = "no output"

    def _send(self, data: Sequence[int]) -> None:
        pass


class MemoryOutput(Output):
    """Records what was sent, for tests: `sent` holds (monotonic_ns, bytes)."""

    name = "memory"

    def __init__(self, name: str | None = None) -> None:
        super().__init__(name)
        self.sent: list[tuple[int, bytes]] = []

    def _send(self, data: Sequence[int]) -> None:
        self.sent.append((time.monotonic_ns(), bytes(data)))

    @property
    def messages(self) -> list[bytes]:
        """Just the bytes of what was sent, in order."""
        with self._lock:
            return [data for _, data in self.sent]
