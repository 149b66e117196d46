"""engine/pipe.py: what the engine and its sending process say to each other."""

from __future__ import annotations

import os
import threading
from fractions import Fraction

import pytest

from trackjammer.engine.pipe import HEADER, FlaggedEnd, PipeEnd


@pytest.fixture
def ends():
    read_fd, write_fd = os.pipe()
    reader, writer = PipeEnd(read_fd), PipeEnd(write_fd)
    yield reader, writer
    reader.close()
    writer.close()


def test_values_arrive_whole_and_in_order(ends):
    reader, writer = ends
    values = [("open", 0, "TrackJammer", None), ("at", [(1, 0, 0.25, b"\x90\x3c\x64", False, 1, 4, 3, 0.0)]),
              ("anchor", 12.5, 0.0, 0.5), ("journal", 1, "renders/x/take.sent"), Fraction(2, 3), None]
    for value in values:
        writer.send(value)
    assert [reader.recv() for _ in values] == values


def test_a_value_larger_than_the_pipe_holds_arrives_whole(ends):
    reader, writer = ends
    big = ("sent", [(n, 0, bytes([0x90, n % 128, 100]), n / 1000, n / 1000) for n in range(20_000)])
    got = []
    thread = threading.Thread(target=lambda: got.append(reader.recv()))
    thread.start()
    writer.send(big)
    thread.join(timeout=10)
    assert got == [big]


def test_the_other_end_closed_is_eof_between_values_and_an_error_inside_one(ends):
    reader, writer = ends
    writer.send("last")
    os.write(writer.fileno(), HEADER.pack(10) + b"abc")  # a value cut short: its writer died
    writer.close()
    assert reader.recv() == "last"
    with pytest.raises(OSError):
        reader.recv()
    with pytest.raises(EOFError):
        reader.recv()


def test_writing_to_a_pipe_nobody_reads_is_a_broken_pipe(ends):
    reader, writer = ends
    reader.close()
    with pytest.raises(BrokenPipeError):
        writer.send("anyone?")


def test_an_end_closed_here_refuses_with_oserror(ends):
    reader, writer = ends
    writer.close()
    writer.close()  # twice: nothing happens
    with pytest.raises(OSError):
        writer.send("x")
    with pytest.raises(OSError):
        writer.fileno()


def test_a_send_with_a_timeout_to_a_pipe_nobody_reads_gives_up_and_one_read_in_time_goes_through(ends):
    import time

    reader, writer = ends
    big = b"x" * 300_000  # more than a pipe holds (64 KiB here)
    began = time.monotonic()
    with pytest.raises(TimeoutError, match="the pipe stayed full for 0.2 s"):
        writer.send(big, timeout=0.2)
    assert 0.2 <= time.monotonic() - began < 2
    read_fd, write_fd = os.pipe()
    reader, writer = PipeEnd(read_fd), PipeEnd(write_fd)
    got = []
    drain = threading.Thread(target=lambda: got.append(reader.recv()))
    drain.start()
    writer.send(big, timeout=5)  # the reader keeps up: it waits for room, not for the timeout
    drain.join(5)
    assert got == [big]
    reader.close()
    writer.close()


def test_a_flagged_end_sets_the_shared_byte_with_each_value_and_the_reader_clears_it():
    """engine/pipe.py's FlaggedEnd, both ends in this process over one
    memfd: a value sent sets the byte; the reader clears it before it reads,
    so a value sent after that sets it again; without a memfd (-1) the
    reader always looks at the pipe."""
    read, write = os.pipe()
    flag = os.memfd_create("test-flag")
    os.ftruncate(flag, 1)
    reader, writer = FlaggedEnd(read, os.dup(flag)), FlaggedEnd(write, flag)
    assert not reader.waiting()
    writer.send(("at", [1]))
    assert reader.waiting()
    reader.clear()
    assert not reader.waiting() and reader.recv() == ("at", [1])
    writer.send(("at", [2]))
    writer.send(("at", [3]))
    assert reader.waiting()
    reader.clear()
    assert [reader.recv(), reader.recv()] == [("at", [2]), ("at", [3])]
    assert not reader.waiting()
    unflagged = FlaggedEnd(os.dup(read), -1)
    assert unflagged.flag is None and unflagged.waiting()
    for end in (reader, writer, unflagged):
        end.close()
