"""The listening process's pipe, without any MIDI system: the frames its
callback writes are read back whole however the pipe cuts them, and what
the pipe refuses waits in order and is written by its main thread."""

from __future__ import annotations

import fcntl
import os
import struct

from trackjammer.midi.input_process import ATOMIC, MESSAGE, Listener, report_frame
from trackjammer.midi.remote_input import Frames

F_SETPIPE_SZ, F_GETPIPE_SZ = 1031, 1032


def test_frames_are_read_whole_however_the_pipe_cuts_them():
    listener_frames = [
        struct.pack("<BIdd", 0, 3, 0.0, 12.5) + b"\x90\x3c\x64",
        report_frame("opened", "src:out", "jack", False, None),
        struct.pack("<BIdd", 0, 1, 0.001, 12.501) + b"\xf8",
        struct.pack("<BIdd", 0, 0, 0.25, 13.0),  # an empty message is a frame too
    ]
    stream = b"".join(listener_frames)
    expected = [(0, struct.pack("<dd", 0.0, 12.5), b"\x90\x3c\x64"),
                (1, b"", b'["opened", "src:out", "jack", false, null]'),
                (0, struct.pack("<dd", 0.001, 12.501), b"\xf8"),
                (0, struct.pack("<dd", 0.25, 13.0), b"")]
    for size in (1, 2, 5, 7, 29, len(stream)):
        frames, got = Frames(), []
        for at in range(0, len(stream), size):
            got += frames.feed(stream[at:at + size])
        assert got == expected, size
        assert frames.buffer == b""


def pipe_of_one_page() -> tuple[int, int]:
    read, write = os.pipe()
    fcntl.fcntl(write, F_SETPIPE_SZ, 4096)
    assert fcntl.fcntl(write, F_GETPIPE_SZ) == 4096
    return read, write


def drain(fd: int) -> bytes:
    os.set_blocking(fd, False)
    got = b""
    while True:
        try:
            chunk = os.read(fd, 65536)
        except BlockingIOError:
            return got
        if not chunk:
            return got
        got += chunk


def test_what_the_pipe_refuses_waits_in_order_for_the_main_thread():
    read, write = pipe_of_one_page()
    commands_read, commands_write = os.pipe()
    listener = Listener(write, commands_read, {})
    try:
        played = [[0x90, k % 128, 1 + k // 128] for k in range(1000)]  # 1000 frames of 24 bytes: 6 pages
        for k, data in enumerate(played):
            listener.callback((data, 0.001 * (k > 0)), None)
        assert MESSAGE.size + 3 == 24
        assert len(listener.waiting) == 1000 - 4096 // 24  # the pipe took whole frames while it had room
        frames, got = Frames(), []
        while listener.waiting:
            got += frames.feed(drain(read))
            listener.flush()
        got += frames.feed(drain(read))
        assert [list(payload) for kind, _, payload in got] == played
        assert [struct.unpack("<dd", times)[0] for _, times, _ in got] == [0.0] + [0.001] * 999
        arrived = [struct.unpack("<dd", times)[1] for _, times, _ in got]
        assert arrived == sorted(arrived)
    finally:
        for fd in (read, write, commands_read, commands_write, listener.wake_read, listener.wake_write):
            os.close(fd)


def test_a_message_too_big_to_write_whole_goes_through_the_main_thread_in_order():
    read, write = os.pipe()
    commands_read, commands_write = os.pipe()
    listener = Listener(write, commands_read, {})
    try:
        sysex = [0xF0] + [k % 128 for k in range(ATOMIC)] + [0xF7]
        listener.callback(([0xF8], 0.0), None)
        listener.callback((sysex, 0.001), None)  # more than a pipe takes whole: it waits
        listener.callback(([0xFA], 0.001), None)  # and what follows waits behind it
        assert [len(frame) for frame in listener.waiting] == [MESSAGE.size + len(sysex), MESSAGE.size + 1]
        assert os.read(listener.wake_read, 100) == b"\0\0"  # the main thread was woken
        listener.flush()
        assert not listener.waiting
        got = Frames().feed(drain(read))
        assert [payload for _, _, payload in got] == [b"\xf8", bytes(sysex), b"\xfa"]
    finally:
        for fd in (read, write, commands_read, commands_write, listener.wake_read, listener.wake_write):
            os.close(fd)


def test_frames_beyond_the_most_kept_are_dropped_and_said(monkeypatch):
    monkeypatch.setattr("trackjammer.midi.input_process.MOST_WAITING", 10)
    read, write = pipe_of_one_page()
    commands_read, commands_write = os.pipe()
    listener = Listener(write, commands_read, {})
    try:
        fits = 4096 // 24
        for k in range(fits + 13):
            listener.callback(([0x90, k % 128, 1], 0.0), None)
        assert (len(listener.waiting), listener.dropped) == (10, 3)
        frames, got = Frames(), []
        while listener.waiting or listener.dropped:
            got += frames.feed(drain(read))
            listener.flush()
        got += frames.feed(drain(read))
        assert [payload[1] for kind, _, payload in got if kind == 0] == [k % 128 for k in range(fits + 10)]
        assert [payload for kind, _, payload in got if kind == 1] == [b'["dropped", 3]']
    finally:
        for fd in (read, write, commands_read, commands_write, listener.wake_read, listener.wake_write):
            os.close(fd)


# -- where no listening process can run (not POSIX): the port polled in this process ---------------


class FakeMidiIn:
    """What PolledInput uses of an rtmidi.MidiIn: messages wait for get_message()."""

    def __init__(self, ports: list[str]) -> None:
        self.ports = ports
        self.queue: list[tuple[list[int], float]] = []
        self.opened: list[int] = []
        self.closed = self.deleted = 0

    def get_message(self):
        return self.queue.pop(0) if self.queue else None

    def get_ports(self) -> list[str]:
        return list(self.ports)

    def close_port(self) -> None:
        self.closed += 1

    def open_port(self, index: int, name: str) -> None:
        assert name == "TrackJammer in"
        self.opened.append(index)

    def delete(self) -> None:
        self.deleted += 1


def test_a_polled_input_hands_over_each_message_and_opens_a_vanished_port_again(monkeypatch):
    import time

    from trackjammer.midi import rtmidi_out

    monkeypatch.setattr(rtmidi_out, "LOOK_EVERY", 0.05)
    midi = FakeMidiIn(["a:out", "src:out"])
    said: list[str] = []
    got: list[tuple[bytes, float]] = []
    port = rtmidi_out.PolledInput(rtmidi_out.OpenedInput(midi, "src:out", "jack", False, None, frozenset()),
                                  said.append)
    port.listen(lambda data, stamp: got.append((data, stamp)))

    def until(condition) -> None:
        deadline = time.monotonic() + 5
        while not condition():
            assert time.monotonic() < deadline, "timed out"
            time.sleep(0.005)

    began = time.monotonic()
    midi.queue.append(([0xF8], 0.0))
    port.start()
    until(lambda: got)
    time.sleep(0.3)
    midi.queue.append(([0x90, 60, 100], 0.25))  # rtmidi's delta: 250 ms after the first, polled 300 ms after
    until(lambda: len(got) == 2)
    assert [data for data, _ in got] == [b"\xf8", b"\x90\x3c\x64"]
    assert began <= got[0][1] < began + 0.5
    assert abs(got[1][1] - got[0][1] - 0.25) < 1e-9  # stamped by the deltas, not by the poll
    midi.ports = ["a:out"]
    until(lambda: said)
    time.sleep(0.2)  # more looks: not said again
    assert said == ["warning: the MIDI input 'src:out' is gone; it is opened again when it comes back"]
    midi.ports = ["b:out", "a:out", "src:out"]
    until(lambda: len(said) == 2)
    assert said[1] == "the MIDI input 'src:out' is back"
    assert (midi.closed, midi.opened) == (1, [2])  # opened again by name, at its new index
    port.close()
    assert (port.closed, midi.closed, midi.deleted) == (True, 2, 1)
