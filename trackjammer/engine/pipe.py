"""One end of a pipe between the engine's process and its sending process.

Whole values go through, pickled, each behind its length (8 bytes, big
endian). It does what multiprocessing.connection.Connection did here,
without loading multiprocessing: that took 12 ms of each process's start
(its context, tempfile, socket, its pickler's registry), in the REPL
before its prompt and in every sending process.

As there: a pipe whose other end is closed raises EOFError in recv() (an
end in the middle of a value: OSError), BrokenPipeError in send(); one
closed here raises OSError. Writers on several threads hold a lock
(engine/sender.py does).

A writer may give a `timeout`: a reader that stopped reading (a process
stopped, or stuck in a call that never returns) must not hang the
engine's threads for good, so the end is made non-blocking and a send that
finds the pipe full for that long raises TimeoutError (the value may be
cut short: the reader is no use any more, and engine/sender.py ends it).
"""

from __future__ import annotations

import mmap
import os
import pickle
import select
import struct
import time
from typing import Any

HEADER = struct.Struct("!Q")


class PipeEnd:
    def __init__(self, fd: int):
        self.fd: int | None = fd

    def fileno(self) -> int:
        if self.fd is None:
            raise OSError("the pipe is closed")
        return self.fd

    def send(self, value: Any, timeout: float | None = None) -> None:
        data = pickle.dumps(value, pickle.HIGHEST_PROTOCOL)
        view = memoryview(HEADER.pack(len(data)) + data)
        fd = self.fileno()
        if timeout is not None and os.get_blocking(fd):
            os.set_blocking(fd, False)  # only this end: the reader's stays as it is
        deadline = None if timeout is None else time.monotonic() + timeout
        while view:
            try:
                view = view[os.write(fd, view):]
            except BlockingIOError:
                left = None if deadline is None else deadline - time.monotonic()
                if left is not None and left <= 0:
                    raise TimeoutError(f"the pipe stayed full for {timeout:g} s") from None
                select.select([], [fd], [], left)

    def recv(self) -> Any:
        size, = HEADER.unpack(self._read(HEADER.size, first=True))
        return pickle.loads(self._read(size))

    def _read(self, size: int, first: bool = False) -> bytes:
        fd = self.fileno()
        chunks, left = [], size
        while left:
            chunk = os.read(fd, left)
            if not chunk:
                if first and left == size:
                    raise EOFError
                raise OSError("the pipe ended in the middle of a value")
            chunks.append(chunk)
            left -= len(chunk)
        return b"".join(chunks)

    def close(self, _close: Any = os.close) -> None:  # _close: still there in __del__ at interpreter exit
        fd, self.fd = self.fd, None
        if fd is not None:
            _close(fd)

    def __del__(self) -> None:
        self.close()


class FlaggedEnd(PipeEnd):
    """A pipe end and a byte of memory both processes share (`flag_fd`, a
    memfd; -1: none), set once a value is sent: the reader looks at the
    byte, not at the pipe, to know whether anything came. The sending
    process looks after every burst, 50 times a second at 8 tracks, and a
    select() there cost ~15 µs of CPU with its caches cold; reading a byte,
    nothing. The reader clears it before it reads the pipe, so a value sent
    meanwhile sets it again: none is overlooked."""

    def __init__(self, fd: int, flag_fd: int):
        super().__init__(fd)
        self.flag: mmap.mmap | None = None
        if flag_fd >= 0:
            try:
                self.flag = mmap.mmap(flag_fd, 1)
            except OSError:
                pass  # looked at through the pipe, as without one
            finally:
                os.close(flag_fd)

    def send(self, value: Any, timeout: float | None = None) -> None:
        super().send(value, timeout)
        if self.flag is not None:
            self.flag[0] = 1

    def waiting(self) -> bool:
        """Whether something may have come since the reader last cleared the flag."""
        return self.flag is None or self.flag[0] == 1

    def clear(self) -> None:
        """About to read the pipe: what is sent from now on sets the flag again."""
        if self.flag is not None:
            self.flag[0] = 0
