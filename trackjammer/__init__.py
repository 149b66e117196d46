"""TrackJammer: a terminal live-coding instrument for MIDI."""

from __future__ import annotations

from trackjammer.version import __version__  # noqa: F401

# Every package registers its globals (see globals.py), so whoever imports
# trackjammer, or any module of it, sees the language whole.
from trackjammer import globals as _globals  # noqa: E402,F401
