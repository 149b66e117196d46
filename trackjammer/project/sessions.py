"""sessions/<project>/: the session log and the project's metadata.

The session log `sessions/<project>/<start-datetime>.tj` holds every
statement that took effect, as it was typed, one after the other: running it
replays the session. The REPL (and `trackjammer run`) hand each statement
over through `Interpreter.on_statement`; the file is made with the first one.

`project.json` beside it holds what `meta(...)` set (title, author, key,
tempo, notes); every render.json (exports, recordings, snapshots) carries a
copy.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from fractions import Fraction
from pathlib import Path
from typing import Any, Callable

from trackjammer.errors import ArgumentError
from trackjammer.midi.track import lane_suffix
from trackjammer.project.renders import WriteError, make_folders, safe_name, shown_path, write_json

SESSIONS = "sessions"
PROJECT_FILE = "project.json"
META_KEYS = ("title", "author", "key", "tempo", "notes")
STAMP_FORMAT = "%Y-%m-%d_%H-%M-%S"
STAMP = re.compile(r"\d{4}-\d\d-\d\d_\d\d-\d\d-\d\d(_\d+)?")


def project_folder(project: str, base: Path | None = None) -> Path:
    return (base if base is not None else Path.cwd()) / SESSIONS / safe_name(project)


def unique_path(folder: Path, stem: str, suffix: str = ".tj") -> Path:
    """folder/stem.tj, or stem_2.tj, … : never an existing file."""
    path, n = folder / f"{stem}{suffix}", 1
    while path.exists():
        n += 1
        path = folder / f"{stem}_{n}{suffix}"
    return path


class SessionLog:
    """Appends each statement that took effect to the session's log file."""

    def __init__(self, session: Any, base: Path | None = None, now: Callable[[], datetime] = datetime.now,
                 report: Callable[[str], None] | None = None):
        self.session, self.base = session, base
        self.started = now()
        self.report = report if report is not None else session.out
        self.path: Path | None = None
        self._failed = False

    def append(self, text: str) -> None:
        """Add one statement (a failure to write is said once; playing goes on)."""
        text = text.strip()
        if not text:
            return
        last_line = text.rsplit("\n", 1)[-1]
        line = text + ("\n;" if "//" in last_line else ";")  # a ';' after a comment would be commented out
        try:
            if self.path is None:
                folder = project_folder(self.session.project, self.base)
                make_folders(folder, shown_path(folder, self.base))
                self.path = unique_path(folder, self.started.strftime(STAMP_FORMAT))
                self.path.write_text(f"// TrackJammer session of {self.started:%Y-%m-%d %H:%M:%S}: "
                                     "every statement that took effect, in order\n", encoding="utf-8")
            with open(self.path, "a", encoding="utf-8") as file:
                file.write(line + "\n")
        except (OSError, WriteError) as error:
            if not self._failed:
                self._failed = True
                message = error.message if isinstance(error, WriteError) else (error.strerror or str(error))
                self.report(f"warning: the session log cannot be written ({message})")

    def fell_back(self, track: Any) -> None:
        """A binding of `track` failed and the one before plays again (the
        engine put its lanes back): the log says so and binds those lanes
        again, so running it gives what played, not the failing binding."""
        from trackjammer.lang.provenance import NoSource, SourceTooLarge, Writer, track_names  # start-up time: when used

        names = track_names(self.session)
        name = names.get(id(track))
        if name is None:  # no name holds the track any more: nothing to replay
            return
        comment = f"// track '{name}' fell back: its new binding failed while playing, the one before plays again"
        writer = Writer(self.session, names)
        try:
            lanes = [("", track.notes), (".vel", track.velocity_lane)] + [
                (lane_suffix(key), pattern) for key, pattern in track.cc_lanes.items()]
            statements = [f"{name}.clear()"] + [
                f"{name}{lane} << {writer.write(pattern)}" for lane, pattern in lanes if pattern is not None]
        except (NoSource, SourceTooLarge) as error:
            statements = [f"// (its lanes cannot be written: {error})"]
        self.append(comment + "\n" + ";\n".join(statements))

    def restored(self, emptied: list[str]) -> None:
        """An undo() or redo() brought back an earlier state: the log writes
        that whole state (a snapshot) and empties the names that lost their
        track, so running the log gives what played, with or without an
        engine to undo."""
        from trackjammer.project.snapshot import SnapshotError, snapshot_source  # start-up time: when used

        try:
            body = [line for line in snapshot_source(self.session).splitlines() if not line.startswith("//")]
        except SnapshotError as error:
            body = [f"// (the state cannot be written: {error.message})"]
        lines = ["// undo/redo: the state it brought back"] + body + [f"let {name} = none;" for name in emptied]
        self.append("\n".join(lines).rstrip(";"))

    def attach(self, interpreter: Any) -> SessionLog:
        """Log what `interpreter` runs from now on."""
        interpreter.on_statement = self.append
        return self


def read_meta(project: str, base: Path | None = None) -> dict:
    """The project's metadata ({} when none was set or the file is unreadable)."""
    path = project_folder(project, base) / PROJECT_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def set_meta(project: str, values: dict, base: Path | None = None) -> dict:
    """Set (or, with "", remove) keys; the whole metadata after the change."""
    for key, value in values.items():
        if isinstance(value, bool) or not isinstance(value, (str, int, float, Fraction)):
            raise ArgumentError(f"meta {key} needs text or a number, got {type(value).__name__}",
                                hint=f'meta({key}: "…")')
    meta = read_meta(project, base)
    for key, value in values.items():
        if value == "":
            meta.pop(key, None)
        else:
            meta[key] = value if isinstance(value, (str, int, float)) else str(value)
    folder = project_folder(project, base)
    make_folders(folder, shown_path(folder, base))
    write_json(folder / PROJECT_FILE, meta)
    return meta


def meta(session: Any, base: Path | None = None, **values: Any) -> None:
    """meta(...): set the keys given, or show them all when none is."""
    given = {key: value for key, value in values.items() if value is not None}
    if given:
        set_meta(session.project, given, base)
    else:
        session.out("\n".join(meta_lines(session.project, read_meta(session.project, base))))


def meta_lines(project: str, meta: dict) -> list[str]:
    if not meta:
        return [f'project "{project}" has no metadata yet; set it with meta(title: "…", author: "…")']
    return [f"{key}: {meta[key]}" for key in META_KEYS if key in meta] + [
        f"{key}: {value}" for key, value in meta.items() if key not in META_KEYS]
