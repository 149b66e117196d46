"""Where renders go, and how files get there without ever being half-written.

An automatic render gets its own folder, `renders/<project>/<datetime>/`,
created with `mkdir` so two renders in one second get `_2`, `_3`, and
nothing is ever overwritten. An explicit path is used as given. Every file
is written to a temporary name in its own folder, then renamed over.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
import unicodedata
from datetime import datetime
from pathlib import Path
from typing import Any, Callable

from trackjammer.errors import ArgumentError, TrackJammerError

RENDERS = "renders"
MAX_NAME = 80  # characters
MAX_NAME_BYTES = 200  # UTF-8 bytes: a file name may have 255, and a stem gets a suffix


def safe_name(text: str, fallback: str = "untitled") -> str:
    """`text` as one safe file name: letters (of any script), digits, marks,
    '.', '_' and '-' are kept, every run of anything else becomes '_'; dots,
    '_' and '-' at the start are dropped (no hidden folders, never '.' or
    '..', no leading '-'), so `../../etc` is `etc`. Letters beyond ASCII
    are kept (NFC), so "夜" and "夜2" stay two projects; a name of symbols
    only is spelt by code point ("🎵" is `u1f3b5`); with nothing at all, the
    fallback."""
    text = unicodedata.normalize("NFC", text)
    name = "".join(char if _kept(char) else "\0" for char in text)
    name = re.sub("\0+", "_", name).lstrip("._-")
    if not name:
        name = "_".join(f"u{ord(char):04x}" for char in text
                        if not char.isascii() and unicodedata.category(char)[0] in "SP")
    name = name[:MAX_NAME]
    while len(name.encode("utf-8")) > MAX_NAME_BYTES:
        name = name[:-1]
    return name.rstrip("_") or fallback


def _kept(char: str) -> bool:
    if char.isascii():
        return char.isalnum() or char in "._-"
    return unicodedata.category(char)[0] in "LMN"  # letters, combining marks, digits


def render_folder(project: str, base: Path | None = None, now: Callable[[], datetime] = datetime.now) -> Path:
    """A new folder renders/<project>/<YYYY-MM-DD_HH-MM-SS>[_N]/ under `base`
    (the working directory by default)."""
    parent = (base if base is not None else Path.cwd()) / RENDERS / safe_name(project)
    make_folders(parent, shown_path(parent, base))
    stamp = now().strftime("%Y-%m-%d_%H-%M-%S")
    for n in range(1, 10_000):
        folder = parent / (stamp if n == 1 else f"{stamp}_{n}")
        try:
            folder.mkdir()
        except FileExistsError:
            continue
        except OSError as error:
            raise WriteError(f"cannot make the folder {shown_path(folder, base)}: {error.strerror or error}") from None
        return folder
    raise ArgumentError(f"too many renders in {parent} within one second")


def explicit_target(text: Any, overwrite: bool, base: Path | None = None, keep_previous: bool = False) -> Path:
    """The path a user gave, relative to the working directory, checked but
    not yet made. An existing regular file is replaced with `overwrite`,
    moved aside with `keep_previous` (`keep_aside`), else an error; a link,
    a device or a pipe is never replaced."""
    if not isinstance(text, str) or not text.strip():
        raise ArgumentError("the path must be a file name in quotes", hint='midi_export(p, 4, "loop.mid")')
    path = (base if base is not None else Path.cwd()) / Path(text).expanduser()
    if path.is_dir() or text.endswith(("/", os.sep)):
        raise ArgumentError(f"{text} is a folder, not a file name", hint=f'give a file name: "{text.rstrip("/")}/loop.mid"')
    if os.path.lexists(path):
        check_replaceable(path, text)
        if not overwrite and not keep_previous:
            raise ArgumentError(f"{text} already exists", hint="choose another name, or add overwrite: true")
    for parent in path.parents:
        if parent.exists():
            if not parent.is_dir():
                raise ArgumentError(f"cannot make the folder for {text}: {parent} is a file")
            break
    return path


def check_replaceable(path: Path, shown: str) -> None:
    """Only a regular file is ever written over or moved aside: never a
    link (it would be followed out), a device or a pipe."""
    if path.is_symlink() or not path.is_file():
        raise ArgumentError(f"{shown} is not a regular file (a link, a device or a pipe); it is not replaced",
                            hint="choose another name")


def keep_aside(path: Path, base: Path | None = None) -> Path | None:
    """Move the regular file at `path` to `<stem>.<n><suffix>` beside it
    (the first n free: a higher n is a later one), so a file about to be
    written over is kept; the path it went to, or None when there was none.
    It is linked there first, so `path` never goes missing, and a name
    already taken is never replaced."""
    if not os.path.lexists(path):
        return None
    check_replaceable(path, shown_path(path, base))
    for n in range(1, 100_000):
        aside = path.with_name(f"{path.stem}.{n}{path.suffix}")
        try:
            os.link(path, aside, follow_symlinks=False)
        except FileExistsError:
            continue
        except OSError as error:  # a file system without hard links: rename, where nothing is
            if os.path.lexists(aside):
                continue
            try:
                os.rename(path, aside)
            except OSError:
                raise WriteError(f"cannot keep {shown_path(path, base)} aside: {error.strerror or error}") from None
        return aside
    raise WriteError(f"cannot keep {shown_path(path, base)} aside: every name up to {aside.name} is taken")


class WriteError(TrackJammerError):
    """The disk refused: full, read-only, no permission."""


def make_folders(path: Path, shown: str) -> None:
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise WriteError(f"cannot make the folder {shown}: {error.strerror or error}") from None


def atomic_write(path: Path, data: bytes) -> None:
    """Write `data` to a temporary file beside `path`, then rename it over:
    a reader sees the old file or the whole new one, never half of it."""
    try:
        _replace(path, data)
    except OSError as error:
        raise WriteError(f"cannot write {shown_path(path)}: {error.strerror or error}",
                         hint="is the disk full, or the folder read-only?") from None


def _replace(path: Path, data: bytes) -> None:
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        os.fchmod(handle, 0o644)  # mkstemp makes it private; a render is an ordinary file
        with os.fdopen(handle, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def write_json(path: Path, data: dict) -> None:
    atomic_write(path, (json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode("utf-8"))


def shown_path(path: Path, base: Path | None = None) -> str:
    """A path as the user sees it: relative to the working directory when inside it."""
    base = base if base is not None else Path.cwd()
    try:
        return str(path.relative_to(base))
    except ValueError:
        return str(path)
