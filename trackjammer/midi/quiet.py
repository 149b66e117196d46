"""fd 2 sent to /dev/null for a moment, while a MIDI library may print its
own errors there (midi/rtmidi_out.py, midi/jack_links.py: one lock for both)."""

from __future__ import annotations

import contextlib
import os
import sys
import threading
from collections.abc import Iterator

_lock = threading.Lock()


@contextlib.contextmanager
def quiet_stderr() -> Iterator[None]:
    """Send file descriptor 2 to /dev/null for a moment.

    libasound and libjack print their own errors ("ALSA lib seq_hw.c ...",
    "Cannot connect to server socket") straight to fd 2 when they fail; we
    say why in one line instead. Only while a port is being opened.
    """
    with _lock:
        try:
            sys.stderr.flush()
            saved = os.dup(2)
        except (OSError, ValueError, AttributeError):
            yield
            return
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            try:
                os.dup2(devnull, 2)
            finally:
                os.close(devnull)
            yield
        finally:
            os.dup2(saved, 2)
            os.close(saved)
