"""`render.json`: what a render folder holds, written and read in one place.

Exports, audio renders, snapshots and takes each leave a render.json beside
their file. They share a frame (kind, file, project, the project's
`meta(...)`, the TrackJammer version, the time) and add the details of
their kind (cycles, cps, tracks, …). Building the frame here means none of
them can forget the meta, and nobody has to find the project folder from a
render folder's path.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from trackjammer.project.renders import write_json
from trackjammer.project.sessions import read_meta
from trackjammer.version import __version__

RECORD = "render.json"
FRAME = ("kind", "file", "project", "meta", "trackjammer", "time")


@dataclass(frozen=True)
class RenderRecord:
    """One render.json. `details` are the kind's own keys, kept in order."""

    kind: str  # "midi_export", "render", "snapshot" or "recording"
    file: str  # the main file, beside render.json
    project: str | None
    time: str  # when it was made, ISO 8601 with the zone
    details: dict[str, Any] = field(default_factory=dict)
    meta: dict[str, Any] = field(default_factory=dict)
    trackjammer: str = __version__

    @classmethod
    def new(cls, kind: str, file: str, project: str | None, moment: datetime | str | None,
            base: Path | None = None, **details: Any) -> RenderRecord:
        """A record of something made now (or at `moment`), carrying the
        project's metadata as it is now; `base` is the folder renders/ and
        sessions/ are in (the working directory by default)."""
        when = moment.astimezone().isoformat(timespec="seconds") if isinstance(moment, datetime) else moment
        return cls(kind, file, project, when or "", details, read_meta(project or "untitled", base))

    def as_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "file": self.file, "project": self.project, **self.details,
                "meta": self.meta, "trackjammer": self.trackjammer, "time": self.time}

    def write(self, folder: Path) -> None:
        write_json(folder / RECORD, self.as_json())

    @classmethod
    def read(cls, folder: Path) -> RenderRecord | None:
        """The record of a render folder; None when it has none or it cannot be read."""
        try:
            data = json.loads((folder / RECORD).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if not isinstance(data, dict) or not isinstance(data.get("kind"), str):
            return None
        meta = data.get("meta")
        return cls(
            data["kind"], str(data.get("file", "")), data.get("project"), str(data.get("time", "")),
            {k: v for k, v in data.items() if k not in FRAME}, meta if isinstance(meta, dict) else {},
            str(data.get("trackjammer", "")),
        )
