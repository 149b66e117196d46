"""The cyclic garbage collector, paused while an export or a render works.

Exporting the benchmark song makes about a million objects (messages, their
times, ticks) that form no cycles. With the collector on, every full
collection walks all of them again, which was a third of `midi_export`'s
time. The message path makes no cyclic garbage (tests/midi/test_collector.py
checks an export), so pausing the collector keeps memory as it was; it is
on again when the block ends, however it ends.
"""

from __future__ import annotations

import gc
from contextlib import contextmanager
from typing import Iterator


@contextmanager
def collector_paused() -> Iterator[None]:
    """No automatic cyclic collection inside the block (reference counting
    still frees everything as usual); the collector's state is restored."""
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()
