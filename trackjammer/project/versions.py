"""Saved states, snapshots and rollback: save, load, snapshot, versions.

A state is a script that recreates it (`snapshot.snapshot_source`):
- `save(name)` writes sessions/<project>/<name>.tj; a different state saved
  there before is first moved to sessions/<project>/versions/<name>@<time>.tj;
  `save()` without a name keeps versions/save@<time>.tj;
- `snapshot()` writes renders/<project>/<datetime>/snapshot.tj (and render.json);
- `load(name)` runs a saved state in a scratch session first (a state that
  fails changes nothing), keeps the state it replaces as
  versions/before-load@<time>.tj, then replaces names, tempo, seed and
  quantize. The REPL and `trackjammer run` commit after each input, so the
  new tracks start at the next quantize boundary, like any binding.
- `versions()` lists them all, oldest first: saves, the versions kept,
  snapshots and exports (each export folder has a snapshot.tj). Every name
  it shows can be loaded. Nothing is ever overwritten, so rollback never
  loses a state.
"""

from __future__ import annotations

import difflib
import re
import threading
from dataclasses import dataclass
from datetime import datetime
from itertools import count
from pathlib import Path
from typing import Any, Callable, Iterator

from trackjammer.errors import ArgumentError, TrackJammerError
from trackjammer.lang.display import show
from trackjammer.lang.evaluator import Interpreter
from trackjammer.project.export import json_number
from trackjammer.project.record import RECORD, RenderRecord
from trackjammer.project.renders import (
    INCOMPLETE, MAX_NAME_BYTES, RENDERS, WriteError, atomic_write, check_path_text, check_replaceable,
    fill_render_folder, json_bytes, make_folders, render_folder, shown_path,
)
from trackjammer.project.sessions import STAMP, STAMP_FORMAT, project_folder
from trackjammer.project.writes import create_unique, move_aside, place_new, write_part
from trackjammer.project.snapshot import snapshot_source
from trackjammer.session import Session

VERSIONS = "versions"
NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
RENDER_KINDS = {"snapshot": "snapshot", "midi_export": "export"}


class _Loading(threading.local):
    depth = 0  # > 0 while a saved state runs in its scratch session


_loading = _Loading()


class LoadError(TrackJammerError):
    """A saved state that cannot be found or does not run."""


@dataclass(frozen=True)
class Version:
    time: datetime
    kind: str  # save, version, before load, snapshot, export
    name: str  # what load() takes
    path: Path


def _state(session: Session, comment: str) -> str:
    return snapshot_source(session, comment)


def _stamp(moment: datetime) -> str:
    return moment.strftime(STAMP_FORMAT)


def save(session: Session, name: Any = None, base: Path | None = None, now: Callable[[], datetime] = datetime.now) -> str:
    """Write the state; return its path as the user sees it."""
    moment = now()
    folder = project_folder(session.project, base)
    if name is not None:
        _check_name(name)
    text = _state(session, f"saved{'' if name is None else f' as {name}'} on {moment:%Y-%m-%d %H:%M:%S}")
    versions = folder / VERSIONS
    make_folders(versions, shown_path(versions, base))
    data = text.encode("utf-8")
    if name is None:
        return shown_path(create_unique(_unique(versions, f"save@{_stamp(moment)}"), data, base), base)
    path = folder / f"{name}.tj"
    old = check_replaceable(path, shown_path(path, base))
    if old is not None and _body(_read(path, base)) == _body(text):
        atomic_write(path, data, base)  # the same state: its header says when it was saved last
        return shown_path(path, base)
    shown = shown_path(path, base)
    part = write_part(path, data, shown)  # a full disk stops here, before the state saved before moves
    try:
        while not place_new(part, path, data, shown):
            old = check_replaceable(path, shown)
            if old is not None:  # the state saved before stays loadable, with its own time
                stem = f"{name}@{_stamp(datetime.fromtimestamp(old.st_mtime))}"
                move_aside(path, shown, _unique(versions, stem))
    finally:
        part.unlink(missing_ok=True)
    return shown


def _unique(folder: Path, stem: str, suffix: str = ".tj") -> Iterator[Path]:
    """folder/stem.tj, then stem_2.tj, …"""
    yield folder / f"{stem}{suffix}"
    for n in count(2):
        yield folder / f"{stem}_{n}{suffix}"


def _read(path: Path, base: Path | None) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise WriteError(f"cannot read {shown_path(path, base)}: {getattr(error, 'strerror', None) or error}",
                         hint="save it under another name") from None


def _check_name(name: Any) -> None:
    if isinstance(name, str):
        check_path_text(name, 'save("verse")', MAX_NAME_BYTES)
    if not isinstance(name, str) or not NAME.fullmatch(name) or STAMP.fullmatch(name):
        shown = f'"{name}"' if isinstance(name, str) else show(name)
        raise ArgumentError(
            f"a saved state's name is letters, digits, '.', '_' and '-' (not a date), got {shown}",
            hint='save("verse")')


def _body(text: str) -> str:
    """A state without its header comments: two saves of one state compare equal."""
    return "\n".join(line for line in text.splitlines() if not line.startswith("//"))


def snapshot(session: Session, base: Path | None = None, now: Callable[[], datetime] = datetime.now) -> str:
    """renders/<project>/<datetime>/snapshot.tj and render.json; its path."""
    moment = now()
    text = _state(session, f"snapshot() on {moment:%Y-%m-%d %H:%M:%S}")
    record = RenderRecord.new(
        "snapshot", "snapshot.tj", session.project, moment, base,
        cps=json_number(session.cps),
        beats_per_cycle=session.beats_per_cycle,
        seed=session.seed,
        tracks=[{"name": t.name, "channel": t.channel} for t in session.tracks()],
    )
    folder = render_folder(session.project, base, lambda: moment)
    fill_render_folder(folder, [("snapshot.tj", text.encode("utf-8")), (RECORD, json_bytes(record.as_json()))], base)
    return shown_path(folder / "snapshot.tj", base)


def versions(project: str, base: Path | None = None) -> list[Version]:
    """Every loadable state of the project, oldest first."""
    folder = project_folder(project, base)
    found: list[Version] = []
    if folder.is_dir():
        for path in folder.glob("*.tj"):
            if not STAMP.fullmatch(path.stem):  # a session log, not a state
                found.append(Version(_mtime(path), "save", path.stem, path))
    if (folder / VERSIONS).is_dir():
        for path in (folder / VERSIONS).glob("*.tj"):
            kind = path.stem.split("@", 1)[0]
            shown = "before load" if kind == "before-load" else "save" if kind == "save" else "version"
            found.append(Version(_mtime(path), shown, path.stem, path))
    renders = (base if base is not None else Path.cwd()) / RENDERS / folder.name
    if renders.is_dir():
        for path in renders.glob("*/snapshot.tj"):
            if (path.parent / INCOMPLETE).exists():
                continue  # a render a kill interrupted
            kind = RENDER_KINDS.get(_render_kind(path.parent), "snapshot")
            found.append(Version(_mtime(path), kind, f"{kind}@{path.parent.name}", path))
    # Equal times happen (a file system's clock may tick every few ms): then
    # the order things are made in, kept aside before saved, snapshot before
    # export, load last, and within a kind the render folder's name.
    return sorted(found, key=lambda v: (v.time, TIE_ORDER.get(v.kind, 2), v.path.parent.name, v.name))


TIE_ORDER = {"version": 0, "save": 1, "snapshot": 1, "export": 2, "before load": 3}


def versions_table(project: str, base: Path | None = None) -> list[str]:
    found = versions(project, base)
    if not found:
        return [f'no saved states of project "{project}" yet; save("name") keeps one']
    width = max(len(v.kind) for v in found)
    lines = [f"{'time':19}  {'kind':{width}}  name"]
    lines += [f"{v.time:%Y-%m-%d %H:%M:%S}  {v.kind:{width}}  {v.name}" for v in found]
    return lines


def load(session: Session, name: Any, base: Path | None = None, now: Callable[[], datetime] = datetime.now) -> str:
    """Replace the state with a saved one; the replaced one is kept first.
    Returns the path of the version kept ("" when there was nothing to keep)."""
    scratch = scratch_session(session.project, name, base)
    kept = ""
    if session.names:
        kept = _keep(session, name, base, now())
    session.names.clear()
    session.names.update(scratch.names)
    session.sources.update(scratch.sources)
    session.cps, session.beats_per_cycle = scratch.cps, scratch.beats_per_cycle
    session.seed, session.quantize = scratch.seed, scratch.quantize
    if kept:
        session.out(f'the state before is kept: load("{Path(kept).stem}") brings it back')
    return kept


def scratch_session(project: str, name: Any, base: Path | None = None, call: str = "load") -> Session:
    """The saved state `name`, run in a session of its own (load and
    compare read states this way; a state that fails changes nothing)."""
    if not isinstance(name, str) or not name:
        raise ArgumentError(f"{call} needs the name of a saved state in quotes",
                            hint=f'{call}("verse"); versions() lists them')
    check_path_text(name, f'{call}("verse")', MAX_NAME_BYTES)
    path = _find(project, name, base)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise LoadError(f"cannot read {shown_path(path, base)}: {getattr(error, 'strerror', None) or error}") from None
    if _loading.depth:
        raise LoadError(f"a saved state cannot {call} another one", hint=f"{call} states from the REPL or a script")
    scratch = Session(project=project, out=lambda text: None)
    _loading.depth += 1
    try:
        Interpreter(scratch).execute(text)
    except TrackJammerError as error:
        where = f" (line {error.line})" if error.line else ""
        raise LoadError(f"cannot {call} {name}: {shown_path(path, base)} fails{where}: {error.message}",
                        hint="nothing was changed") from None
    finally:
        _loading.depth -= 1
    return scratch


def _keep(session: Session, loading: str, base: Path | None, moment: datetime) -> str:
    """The state about to be replaced, as versions/before-load@<time>.tj."""
    try:
        text = _state(session, f"kept before load(\"{loading}\") on {moment:%Y-%m-%d %H:%M:%S}")
    except TrackJammerError as error:
        raise LoadError(f"load refused: the state it would replace cannot be kept ({error.message})",
                        hint="nothing was changed; rebuild that value in fewer steps, then load again") from None
    versions = project_folder(session.project, base) / VERSIONS
    make_folders(versions, shown_path(versions, base))
    path = create_unique(_unique(versions, f"before-load@{_stamp(moment)}"), text.encode("utf-8"), base)
    return shown_path(path, base)


def _find(project: str, name: str, base: Path | None) -> Path:
    folder = project_folder(project, base)
    candidates = [folder / VERSIONS / f"{name}.tj"]
    kind, _, rest = name.partition("@")
    if kind in RENDER_KINDS.values() and rest:
        candidates.append((base if base is not None else Path.cwd()) / RENDERS / folder.name / rest / "snapshot.tj")
    if NAME.fullmatch(name) and not STAMP.fullmatch(name):
        candidates.append(folder / f"{name}.tj")
    for path in candidates:
        if path.is_file():
            return path
    names = [v.name for v in versions(project, base)]
    close = difflib.get_close_matches(name, names, n=1)
    raise LoadError(f'no saved state "{name}" in project "{project}"',
                    hint=f"did you mean '{close[0]}'?" if close else
                    ("versions() lists them" if names else 'save("name") keeps the state first'))


def _render_kind(folder: Path) -> str:
    record = RenderRecord.read(folder)
    return record.kind if record is not None else ""


def _mtime(path: Path) -> datetime:
    return datetime.fromtimestamp(path.stat().st_mtime)
