"""A progress bar for long work (exports, renders), drawn only in a terminal.

It stays hidden for quick work: it appears once the work has run a quarter
of a second and looks set to take a second or more, and it is wiped when
done. When the output is not a terminal nothing is drawn at all.
"""

from __future__ import annotations

import shutil
import sys
import time
from typing import Callable, TextIO

SHOW_AFTER = 0.25  # seconds of work before the bar may appear
SHOW_IF_TOTAL = 1.0  # ... and only when the whole looks set to take this long
REDRAW_EVERY = 0.1


class Progress:
    def __init__(
        self, total: int, label: str, unit: str = "", stream: TextIO | None = None,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.total, self.label, self.unit = max(1, total), label, unit
        self.stream = stream if stream is not None else sys.stderr
        self.clock = clock
        self.started = clock()
        self.drawn_at: float | None = None
        self.enabled = _is_terminal(self.stream)

    def update(self, done: int) -> None:
        if not self.enabled:
            return
        now = self.clock()
        elapsed = now - self.started
        if self.drawn_at is None:
            if elapsed < SHOW_AFTER or done <= 0 or elapsed * self.total / done < SHOW_IF_TOTAL:
                return
        elif now - self.drawn_at < REDRAW_EVERY and done < self.total:
            return
        self.drawn_at = now
        self.stream.write("\r" + self.line(done))
        self.stream.flush()

    def line(self, done: int) -> str:
        counts = f" {done}/{self.total}{' ' + self.unit if self.unit else ''}"
        width = max(10, min(40, shutil.get_terminal_size().columns - len(self.label) - len(counts) - 4))
        filled = width * min(done, self.total) // self.total
        return f"{self.label} [{'#' * filled}{'-' * (width - filled)}]{counts}"

    def close(self) -> None:
        """Wipe the bar, so what is printed next starts on a clean line."""
        if self.drawn_at is not None:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
            self.drawn_at = None


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
