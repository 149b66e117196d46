"""TrackJammer: a terminal live-coding instrument for MIDI."""

from __future__ import annotations

from trackjammer.assembly import when_needed
from trackjammer.version import __version__  # noqa: F401


def _load_globals() -> None:
    from trackjammer import globals  # noqa: F401 - start-up time: every package's globals, when the language needs them


# Importing the package loads nothing else: the globals every package
# registers (globals.py) load when the language first reads them
# (trackjammer/assembly.py), so the sending process and `trackjammer send`
# start without the language, and whoever evaluates still sees it whole.
when_needed(_load_globals)
