"""TrackJammer: a terminal live-coding instrument for MIDI."""

from __future__ import annotations

__version__ = "0.1.0"

# Last, once __version__ exists: every package registers its globals (see globals.py).
from trackjammer import globals as _globals  # noqa: E402,F401
