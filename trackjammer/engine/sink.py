"""Where a take's files go: the one thing the recorder asks of the layer above.

The engine records; the project layer knows the folder layout
(renders/<project>/<datetime>/), render.json and how files are written
safely. `TakeSink` is the narrow interface between them, so the engine
imports nothing from the project layer (project/takes.py implements it).
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Protocol

from trackjammer.engine.journal import Built


class TakeSink(Protocol):
    def folder(self, project: str | None, moment: datetime) -> Path:
        """A new, empty folder for the take that began at `moment` (its
        journal goes there). Raises OSError or a TrackJammerError when the
        disk refuses; the recorder tries again later."""

    def store(self, folder: Path, built: Built, recovered: bool) -> Path:
        """Write the finished take (`built.data`) and its record into
        `folder`; the path of the MIDI file. Raises as `folder` does."""

    def shown(self, path: Path) -> str:
        """`path` as the user sees it."""
