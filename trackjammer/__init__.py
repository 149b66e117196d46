"""TrackJammer: a terminal live-coding instrument for MIDI."""

from __future__ import annotations

__version__ = "0.1.0"
