"""The language's globals, assembled the first time they are needed.

The language cannot import the packages above it, yet every evaluation,
`help()` and completion must see their globals too (midi_export, render,
start, show …). The package's `__init__` hands this module the loader
(trackjammer/globals.py) and the language calls `assemble()` before it
reads its table of globals. Loading them whenever the package was imported
made every process pay for the whole language: the MIDI sending process
and `trackjammer send` need none of it, and the REPL waits for the first.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

_pending: list[Callable[[], None]] = []
_lock = threading.RLock()
_assembled = False
_loading = False


def when_needed(loader: Callable[[], None]) -> None:
    """Run `loader` (once) before the language first reads its globals."""
    global _assembled
    with _lock:
        _pending.append(loader)
        _assembled = False


def assemble() -> None:
    """Every global registered: the loaders run once, the first call does
    it (another thread waits for it; an import inside a loader that asks
    again goes on, as the loading is already under way)."""
    global _assembled, _loading
    if _assembled:
        return
    with _lock:
        if _loading:
            return
        _loading = True
        try:
            while _pending:
                _pending[0]()
                _pending.pop(0)
        finally:
            _loading = False
        _assembled = True
