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


class Assembly:
    """Loaders run once, by the first call to `assemble`; another thread
    calling meanwhile waits for them; an import inside a loader that calls
    again goes on (the loading is already under way)."""

    def __init__(self) -> None:
        self.pending: list[Callable[[], None]] = []
        self.lock = threading.RLock()
        self.assembled = False
        self.loading = False

    def when_needed(self, loader: Callable[[], None]) -> None:
        with self.lock:
            self.pending.append(loader)
            self.assembled = False

    def assemble(self) -> None:
        if self.assembled:
            return
        with self.lock:
            if self.loading:
                return
            self.loading = True
            try:
                while self.pending:
                    self.pending[0]()  # a loader that fails stays, to be tried again
                    self.pending.pop(0)
            finally:
                self.loading = False
            self.assembled = True


GLOBALS = Assembly()  # every package's globals (the package's __init__ adds the loader)


def when_needed(loader: Callable[[], None]) -> None:
    """Run `loader` (once) before the language first reads its globals."""
    GLOBALS.when_needed(loader)


def assemble() -> None:
    """Every global registered (trackjammer/globals.py loaded, once)."""
    GLOBALS.assemble()
