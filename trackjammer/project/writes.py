"""How a file gets onto the disk: whole, in its place, and never over the wrong thing.

Every file is first written in full to a `.part` file beside its place
(`<name>.<pid>-<random>.part`, visible, so one a kill left behind says what
it is; `remove_leftovers` clears those of dead processes at the next start).
Only a whole file is put in place, in one of three ways:

- `create_file`: a new file. It is hard-linked to its name, which fails if
  anything is there, even a dangling link: nothing is ever replaced, even
  a file that appeared while we rendered.
- `write_keeping`: the same, but a regular file in the way is first moved
  aside to `<stem>.<n><suffix>` (the first free n), then the new one is
  linked in; a file appearing meanwhile is kept aside too.
- `atomic_write` (overwrite): a regular file there is replaced by rename,
  keeping its mode and owner; one with other hard links is written through
  in place (space reserved first), so every name sees the new file.

Only a regular file is ever moved aside or replaced. A link there is never
followed (it could point anywhere), and a link, a device, a pipe, a socket
or a folder is refused. A full disk is one clear error naming the file,
and the `.part` is removed.
"""

from __future__ import annotations

import errno
import os
import re
import secrets
import stat
from itertools import chain
from pathlib import Path
from typing import Iterable

from trackjammer.errors import ArgumentError, TrackJammerError

PART = ".part"
PART_NAME = re.compile(r".+\.(\d+)-[0-9a-f]{6}\.part")
FULL = (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC))
NO_HARD_LINKS = (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.ENOSYS, errno.EMLINK)


class WriteError(TrackJammerError):
    """The disk refused: full, read-only, no permission."""


def shown_path(path: Path, base: Path | None = None) -> str:
    """A path as the user sees it: relative to the working directory when inside it."""
    base = base if base is not None else Path.cwd()
    try:
        return str(path.relative_to(base))
    except ValueError:
        return str(path)


def write_failed(doing: str, error: OSError) -> WriteError:
    """One clear error for an OSError while writing: a full disk says so."""
    if error.errno in FULL:
        return WriteError(f"{doing}: the disk is full", hint="free some space and try again; nothing was written")
    return WriteError(f"{doing}: {error.strerror or error}", hint="is the disk full, or the folder read-only?")


def refused(shown: str) -> ArgumentError:
    return ArgumentError(f"{shown} is not a regular file (a link, a device, a pipe or a socket); it is not replaced",
                         hint="choose another name")


def check_replaceable(path: Path, shown: str) -> os.stat_result | None:
    """What is at `path` (None when nothing is), if it is a regular file:
    only such a file is ever written over or moved aside."""
    try:
        found = os.lstat(path)
    except FileNotFoundError:
        return None
    except OSError as error:
        raise write_failed(f"cannot look at {shown}", error) from None
    if not stat.S_ISREG(found.st_mode):
        raise refused(shown)
    return found


def create_file(path: Path, data: bytes, base: Path | None = None) -> None:
    """A new file at `path`; an error if anything is there (a dangling link too)."""
    shown = shown_path(path, base)
    part = write_part(path, data, shown)
    try:
        if not place_new(part, path, data, shown):
            raise WriteError(f"{shown} already exists", hint="choose another name")
    finally:
        _remove(part)


def create_unique(paths: Iterable[Path], data: bytes, base: Path | None = None) -> Path:
    """A new file at the first of `paths` where nothing is; which one."""
    paths = iter(paths)
    first = next(paths)
    part = write_part(first, data, shown_path(first, base))
    try:
        for path in chain([first], paths):
            if place_new(part, path, data, shown_path(path, base)):
                return path
    finally:
        _remove(part)
    raise WriteError(f"cannot write {shown_path(first, base)}: every name like it is taken")


def write_keeping(path: Path, data: bytes, base: Path | None = None) -> list[Path]:
    """The new file at `path`; every regular file found there is kept aside
    first. The paths they went to, oldest first."""
    shown = shown_path(path, base)
    part = write_part(path, data, shown)
    try:
        return place_keeping(part, path, data, shown)
    finally:
        _remove(part)


def atomic_write(path: Path, data: bytes, base: Path | None = None) -> None:
    """`data` at `path`, replacing a regular file there (overwrite): a reader
    sees the old file or the whole new one, never half of it."""
    shown = shown_path(path, base)
    old = check_replaceable(path, shown)
    if old is not None and old.st_nlink > 1:
        write_through(path, data, old, shown)
        return
    part = write_part(path, data, shown, old)
    try:
        place_over(part, path, shown)
    finally:
        _remove(part)


# -- the steps, for callers that write several files together -------------------------------------


def write_part(path: Path, data: bytes, shown: str, like: os.stat_result | None = None) -> Path:
    """`data`, synced, in a new .part file beside `path`; with the mode (and,
    when allowed, the owner) of `like`, else 0644."""
    mode = stat.S_IMODE(like.st_mode) if like is not None else 0o644
    for _ in range(100):
        part = path.with_name(f"{path.name}.{os.getpid()}-{secrets.token_hex(3)}{PART}")
        try:
            handle = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
            break
        except FileExistsError:
            continue
        except OSError as error:
            raise write_failed(f"cannot write {shown}", error) from None
    else:
        raise WriteError(f"cannot write {shown}: no free temporary name beside it")
    try:
        try:
            if like is not None and (like.st_uid, like.st_gid) != (os.geteuid(), os.getegid()):
                try:
                    os.fchown(handle, like.st_uid, like.st_gid)
                except PermissionError:
                    pass  # not ours to give away: the file is the writer's, with the mode kept
            os.fchmod(handle, mode)
            _write_all(handle, data)
            os.fsync(handle)
        finally:
            os.close(handle)
    except OSError as error:
        _remove(part)
        raise write_failed(f"cannot write {shown}", error) from None
    except BaseException:
        _remove(part)
        raise
    return part


def place_new(part: Path, path: Path, data: bytes, shown: str) -> bool:
    """Give the whole file `part` the name `path` too, unless something is
    there (then False). A file system without hard links gets an exclusive
    create and a copy."""
    try:
        os.link(part, path, follow_symlinks=False)
        return True
    except FileExistsError:
        return False
    except OSError as error:
        if error.errno not in NO_HARD_LINKS:
            raise write_failed(f"cannot write {shown}", error) from None
    try:
        handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644)
    except FileExistsError:
        return False
    except OSError as error:
        raise write_failed(f"cannot write {shown}", error) from None
    try:
        try:
            _write_all(handle, data)
            os.fsync(handle)
        finally:
            os.close(handle)
    except OSError as error:
        _remove(path)
        raise write_failed(f"cannot write {shown}", error) from None
    return True


def place_keeping(part: Path, path: Path, data: bytes, shown: str) -> list[Path]:
    kept = []
    while not place_new(part, path, data, shown):
        aside = move_aside(path, shown)
        if aside is not None:
            kept.append(aside)
    return kept


def place_over(part: Path, path: Path, shown: str) -> None:
    try:
        os.rename(part, path)
    except OSError as error:
        if error.errno in (errno.EISDIR, errno.ENOTDIR, errno.ENOTEMPTY, errno.EEXIST):
            raise refused(shown) from None
        raise write_failed(f"cannot write {shown}", error) from None


def move_aside(path: Path, shown: str, names: Iterable[Path] | None = None) -> Path | None:
    """Move the regular file at `path` to `<stem>.<n><suffix>` beside it (the
    first n free: a higher n is a later one), or to the first free one of
    `names`; where it went, or None when nothing was there any more. It is
    first renamed to a private name, so exactly what was there is moved,
    then linked to a free name, which never replaces anything."""
    if check_replaceable(path, shown) is None:
        return None
    hold = path.with_name(f"{path.name}.{os.getpid()}-{secrets.token_hex(3)}{PART}")
    try:
        os.rename(path, hold)  # `hold` is a fresh name: nothing of anyone's is there
    except FileNotFoundError:
        return None
    except OSError as error:
        raise write_failed(f"cannot keep {shown} aside", error) from None
    if not stat.S_ISREG(os.lstat(hold).st_mode):  # swapped in between the look and the move: put it back
        if not _link_or_rename(hold, path):
            raise WriteError(f"{shown} changed while it was being kept aside; it is now {hold.name}",
                             hint="rename it back by hand")
        raise refused(shown)
    if names is None:
        names = (path.with_name(f"{path.stem}.{n}{path.suffix}") for n in range(1, 100_000))
    aside = path
    try:
        for aside in names:
            if _link_or_rename(hold, aside):
                return aside
    except OSError as error:
        raise write_failed(f"cannot keep {shown} aside (it is kept as {hold.name})", error) from None
    raise WriteError(f"cannot keep {shown} aside: every name up to {aside.name} is taken",
                     hint=f"it is kept as {hold.name}")


def write_through(path: Path, data: bytes, old: os.stat_result, shown: str) -> None:
    """Write over the file with other hard links in place, so each of its
    names sees the new file. The space is reserved before a byte changes, so
    a full disk leaves the old file whole."""
    try:
        handle = os.open(path, os.O_WRONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as error:
        raise write_failed(f"cannot write {shown}", error) from None
    try:
        now = os.fstat(handle)
        if (now.st_dev, now.st_ino) != (old.st_dev, old.st_ino) or not stat.S_ISREG(now.st_mode):
            raise refused(shown)
        if data:
            try:
                os.posix_fallocate(handle, 0, len(data))
            except OSError as error:
                if error.errno in FULL:
                    os.ftruncate(handle, old.st_size)  # some file systems grow it part way
                    raise
                if error.errno not in (errno.EOPNOTSUPP, errno.EINVAL, errno.ENODEV):
                    raise
        os.lseek(handle, 0, os.SEEK_SET)
        _write_all(handle, data)
        os.ftruncate(handle, len(data))
        os.fsync(handle)
    except OSError as error:
        raise write_failed(f"cannot write {shown}", error) from None
    finally:
        os.close(handle)


def remove_leftovers(folders: Iterable[Path]) -> list[Path]:
    """Remove the .part files a killed TrackJammer left in `folders` (those
    of a process still running are being written); the ones removed."""
    removed = []
    for folder in folders:
        try:
            names = [entry.name for entry in os.scandir(folder) if entry.is_file(follow_symlinks=False)]
        except OSError:
            continue
        for name in names:
            found = PART_NAME.fullmatch(name)
            if found and not _alive(int(found.group(1))):
                try:
                    os.unlink(folder / name)
                    removed.append(folder / name)
                except OSError:
                    pass  # not ours to remove: it stays, and says what it is
    return removed


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return True
    return True


def _link_or_rename(source: Path, target: Path) -> bool:
    """`source` moved to `target` unless something is there."""
    try:
        os.link(source, target, follow_symlinks=False)
    except FileExistsError:
        return False
    except OSError as error:
        if error.errno not in NO_HARD_LINKS:
            raise
        if os.path.lexists(target):  # no hard links here: a rename, after a look
            return False
        os.rename(source, target)
        return True
    os.unlink(source)
    return True


def _write_all(handle: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(handle, view):]


def _remove(path: Path) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
    except OSError:
        pass  # it stays, named .part: remove_leftovers or the user clears it
