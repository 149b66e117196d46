"""Where renders go, and the paths users give.

An automatic render gets its own folder, `renders/<project>/<datetime>/`,
created with `mkdir` so two renders in one second get `_2`, `_3`, and
nothing is ever overwritten; its files go in all together or not at all
(`fill_render_folder`). An explicit path is used as given, once checked.
How each file is written (whole, never over the wrong thing) is `writes.py`;
its functions are named here too, as the project's one way to write a file.
"""

from __future__ import annotations

import json
import os
import re
import unicodedata
from datetime import datetime
from pathlib import Path
from typing import Any, Callable

from trackjammer.errors import ArgumentError, TrackJammerError
from trackjammer.project.writes import (  # noqa: F401  (atomic_write, create_file, write_keeping: the ways to write a file)
    WriteError, atomic_write, check_replaceable, create_file, place_keeping, place_new, place_over, remove_leftovers,
    shown_path, write_failed, write_keeping, write_part, write_through,
)

RENDERS = "renders"
INCOMPLETE = "INCOMPLETE"  # in a render folder until its last file is in place
NAME_MAX = 255  # bytes in one name, on every file system TrackJammer runs on
MAX_PATH_BYTES = 4000  # a path the user gives: Linux takes 4096 in all
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
            raise write_failed(f"cannot make the folder {shown_path(folder, base)}", error) from None
        return folder
    raise ArgumentError(f"too many renders in {parent} within one second")


def explicit_target(text: Any, overwrite: bool, base: Path | None = None, keep_previous: bool = False) -> Path:
    """The path a user gave, relative to the working directory, checked but
    not yet made. An existing regular file is replaced with `overwrite`,
    moved aside with `keep_previous`, else an error; a link, a device, a
    pipe or a socket is never replaced (the write itself checks again)."""
    if not isinstance(text, str) or not text.strip():
        raise ArgumentError("the path must be a file name in quotes", hint='midi_export(p, 4, "loop.mid")')
    check_path_text(text, 'midi_export(p, 4, "loop.mid")')
    path = (base if base is not None else Path.cwd()) / Path(text).expanduser()
    try:
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
    except OSError as error:
        raise write_failed(f"cannot write {text}", error) from None
    return path


def check_path_text(text: str, example: str, name_bytes: int = MAX_NAME_BYTES) -> None:
    """A path no file system takes is the user's mistake, said in words: a
    NUL character, a name longer than `name_bytes` (a file name may have 255
    bytes, and a kept-aside or .part name adds to it), a path beyond 4,000."""
    shown = text if len(text) <= 40 else text[:37] + "..."
    if "\0" in text:
        raise ArgumentError(f"the path {shown!r} holds a NUL character (\\0), which no file name can",
                            hint=f"remove it: {example}")
    try:
        encoded = os.fsencode(text)
    except UnicodeEncodeError:
        raise ArgumentError(f"the path {shown!r} holds a character no file name can", hint=f"remove it: {example}") from None
    if len(encoded) > MAX_PATH_BYTES:
        raise ArgumentError(f"the path {shown!r} is {len(encoded):,} bytes long; at most {MAX_PATH_BYTES:,} are taken",
                            hint=f"a shorter path: {example}")
    parts = encoded.split(b"/")
    for index, part in enumerate(parts):
        limit = name_bytes if index == len(parts) - 1 else NAME_MAX
        if len(part) > limit:
            name = os.fsdecode(part)
            raise ArgumentError(f"the name {name[:20] + '...' if len(name) > 20 else name!r} is {len(part)} bytes long;"
                                f" a {'file' if limit == name_bytes else 'folder'} name may have at most {limit}",
                                hint=f"a shorter name: {example}")


def make_folders(path: Path, shown: str) -> None:
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise write_failed(f"cannot make the folder {shown}", error) from None


def write_together(files: list[tuple[Path, bytes]], how: str, base: Path | None = None,
                   placed: list[Path] | None = None) -> list[tuple[Path, Path]]:
    """Several files as one: each is written whole to its .part first, so a
    full disk stops the lot before any is in place; then each is put in place
    (`how`: "new", "keep" or "overwrite", as `create_file`, `write_keeping`
    and `atomic_write`). The (path, where the file there went) of each kept
    aside; each path is added to `placed` once its file is in place."""
    olds = [check_replaceable(path, shown_path(path, base)) if how != "new" else None for path, _ in files]
    parts: list[Path | None] = []
    try:
        for (path, data), old in zip(files, olds):
            through = how == "overwrite" and old is not None and old.st_nlink > 1
            parts.append(None if through else write_part(path, data, shown_path(path, base), old if how == "overwrite" else None))
        kept = []
        for (path, data), old, part in zip(files, olds, parts):
            shown = shown_path(path, base)
            if part is None:
                write_through(path, data, old, shown)
            elif how == "overwrite":
                check_replaceable(path, shown)
                place_over(part, path, shown)
            elif how == "keep":
                kept += [(path, aside) for aside in place_keeping(part, path, data, shown)]
            elif not place_new(part, path, data, shown):
                raise WriteError(f"{shown} already exists", hint="choose another name")
            if placed is not None:
                placed.append(path)
        return kept
    finally:
        for part in parts:
            if part is not None:
                part.unlink(missing_ok=True)


def fill_render_folder(folder: Path, files: list[tuple[str, bytes]], base: Path | None = None) -> None:
    """The files of a new render folder, all or none. The folder holds an
    empty INCOMPLETE file until the last is in place, so a folder that a kill
    interrupted says so; a write that fails (a full disk) removes the folder."""
    marker = folder / INCOMPLETE
    shown = shown_path(folder, base)
    written: list[Path] = []
    try:
        create_file(marker, b"", base)
        written.append(marker)
        write_together([(folder / name, data) for name, data in files], "new", base, written)
    except BaseException:
        for path in written:  # ours alone: a file someone else put here stays
            try:
                path.unlink(missing_ok=True)
            except OSError:
                pass
        try:
            folder.rmdir()
        except OSError:  # something else is in it: left, marked
            try:
                create_file(marker, b"", base)
            except TrackJammerError:
                pass
        raise
    try:
        marker.unlink()
    except OSError as error:
        raise write_failed(f"cannot finish the render folder {shown}", error) from None


def remove_render_leftovers(base: Path | None = None) -> list[Path]:
    """The .part files a kill left in render folders and sessions/ (a
    process still running is left alone): removed at start."""
    base = base if base is not None else Path.cwd()
    folders = []
    for top, depth in ((base / RENDERS, 2), (base / "sessions", 2)):  # renders/<project>/<time>/, sessions/<project>/versions/
        level = [top]
        for _ in range(depth):
            level = [child for folder in level for child in _subfolders(folder)]
            folders += level
    return remove_leftovers(folders)


def clear_leftovers(report: Callable[[str], None], base: Path | None = None) -> None:
    """At start: remove what killed writes left, and say so in one line."""
    removed = remove_render_leftovers(base)
    if removed:
        report(f"removed {len(removed)} unfinished file{'s' if len(removed) != 1 else ''} (.part) that an interrupted"
               f" write left: {', '.join(shown_path(path, base) for path in removed[:3])}{' …' if len(removed) > 3 else ''}")


def _subfolders(folder: Path) -> list[Path]:
    try:
        return [Path(entry.path) for entry in os.scandir(folder) if entry.is_dir(follow_symlinks=False)]
    except OSError:
        return []


def json_bytes(data: dict) -> bytes:
    return (json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def write_json(path: Path, data: dict) -> None:
    atomic_write(path, json_bytes(data))
