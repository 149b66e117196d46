"""The sending process's journal of a take (`recording.sent`), written through a mapping.

Why a mapping: a write() after each burst cost ~40 µs of the sending
process's CPU, a fifth of a burst at 8 tracks; copying the burst's lines
into the file's pages through a shared mapping costs about a microsecond.
Those pages are the kernel's page cache, as a write()'s are, so a killed
process loses no more than before: the burst it was in the middle of.

The space is reserved (posix_fallocate) before it is mapped, CHUNK at a
time, so a full disk is met there and never as a SIGBUS while copying; a
file system that cannot reserve or map is written with write(), as is a
take whose disk filled. Closing cuts the file to what was written. A
file left by a killed process ends in zeros, and its last line may be
half copied: readers stop at the first zero byte (`data_end`), and the
process started in its place cuts that part away before it writes on.

Standard library only: the sending process imports this at its start.
"""

from __future__ import annotations

import fcntl
import mmap
import os
import time
from typing import Callable

CHUNK = 1 << 18  # bytes reserved at a time: 40 s of 8 tracks of 16ths
RETRY_SECONDS = 0.5  # a take's file the disk refused is tried again this often
TAIL_LOOK = 1 << 16  # bytes read at a time, backwards, looking for where the data ends


def journal_line(numerator: int, denominator: int, track: int | None, data: bytes, port: int) -> bytes:
    """A message's line in the take's journal (engine/journal.py: `m CYCLE TRACK HEX PORT`)."""
    cycle = numerator if denominator == 1 else f"{numerator}/{denominator}"
    return f"m {cycle} {'-' if track is None else track} {data.hex()} {port}\n".encode()


def data_end(fd: int) -> tuple[int, int]:
    """(where its whole lines end, where anything but zeros ends) in the
    file open as `fd`: both its size when it was closed as it should be.
    Zeros are space reserved and never written; before them, the last
    burst may be half copied (a kill stopped the copy): holed by zeros, or
    cut in a line. What lies before its first zero was written, so the
    whole lines are those before that zero."""
    size = os.fstat(fd).st_size
    end = 0
    for start, block in _backwards(fd, size):
        kept = len(block.rstrip(b"\0"))
        if kept:
            end = start + kept
            break
    first_zero = end
    for start, block in _backwards(fd, end):  # a hole is one run of zeros, in the last burst
        zero = block.find(b"\0")
        if zero < 0:
            break
        first_zero = start + zero
    for start, block in _backwards(fd, first_zero):
        newline = block.rfind(b"\n")
        if newline >= 0:
            return start + newline + 1, end
    return 0, end


def _backwards(fd: int, upto: int):
    """The file's bytes before `upto`, a block at a time from the last: (where it starts, its bytes)."""
    while upto > 0:
        start = max(0, upto - TAIL_LOOK)
        yield start, os.pread(fd, upto - start, start)
        upto = start


class TakeFile:
    """One take's messages as this process sent them: lines waiting, and the file they go to."""

    def __init__(self) -> None:
        self.lines: list[bytes] = []  # journal lines (journal_line), not yet written
        self.waiting = b""  # formatted, not yet taken by the disk
        self.fd: int | None = None
        self.map: mmap.mmap | None = None  # the file's reserved space, mapped (None: written with pwrite)
        self.used = 0  # bytes of the file written
        self.refused = False
        self.retry_at = 0.0  # a disk that refused is tried again from then on (not after every burst)

    def open(self, path: str, report: Callable[[tuple], None]) -> None:
        """Open the take's file (one a dead process wrote: from its last whole line on)."""
        if self.fd is not None:
            return
        try:
            self.fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as error:
            self.say(error, report)
            return
        try:  # held while this process lives: a take is not recovered while we still write it
            fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            pass  # a file system without locks: journaled all the same
        try:
            whole, end = data_end(self.fd)
            if end > whole:  # what a kill left half copied: gone, so a reader never meets it
                os.pwrite(self.fd, bytes(end - whole), whole)
            self.used = whole
            self._reserve(max(CHUNK, os.fstat(self.fd).st_size))
        except OSError:
            self._unmap()  # written with pwrite, from the last whole line on

    def _reserve(self, size: int) -> None:
        """The file's first `size` bytes reserved on the disk and mapped
        (OSError where they cannot be: no posix_fallocate, as on macOS)."""
        if not hasattr(os, "posix_fallocate"):
            raise OSError("space cannot be reserved here")
        os.posix_fallocate(self.fd, 0, size)
        if self.map is None:
            self.map = mmap.mmap(self.fd, size)
        else:
            self.map.resize(size)

    def _unmap(self) -> None:
        if self.map is not None:
            self.map.close()
            self.map = None

    def write(self, report: Callable[[tuple], None], force: bool = False) -> None:
        if self.fd is None or (not force and self.retry_at and time.monotonic() < self.retry_at):
            return  # no folder yet, or a full disk tried again later: the lines wait
        if self.lines:
            self.waiting += b"".join(self.lines)
            self.lines = []
        if not self.waiting:
            return
        if self.map is not None:
            end = self.used + len(self.waiting)
            try:
                if end > len(self.map):
                    self._reserve(end + CHUNK)
                self.map[self.used:end] = self.waiting  # the hot path: a copy, no system call
                self.used, self.waiting = end, b""
                return
            except OSError:  # the disk is full, or will not reserve: written as before from here on
                self._unmap()
        try:
            while self.waiting:
                written = os.pwrite(self.fd, self.waiting, self.used)  # a full disk may take part
                self.used += written
                self.waiting = self.waiting[written:]
            self.retry_at = 0.0
        except OSError as error:
            self.retry_at = time.monotonic() + RETRY_SECONDS
            self.say(error, report)

    def say(self, error: OSError, report: Callable[[tuple], None]) -> None:
        if not self.refused:
            self.refused = True
            report(("refused", error.strerror or str(error)))

    def close(self) -> None:
        """The file cut to what was written (the reserved space given back), and closed."""
        if self.fd is not None:
            self._unmap()
            try:
                if os.fstat(self.fd).st_size != self.used:
                    os.ftruncate(self.fd, self.used)
            except OSError:
                pass  # kept with its zeros: readers stop at the first
            os.close(self.fd)
            self.fd = None
