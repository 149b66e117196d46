"""The parsers, built once and kept in the user's cache folder.

Building the script grammar's LALR tables takes lark about a tenth of a
second, and every start paid it again: the REPL at the first key typed
(syntax marks), `trackjammer run` and `events` before anything else. Lark
can save a built parser and load it in a few milliseconds.

Where: `$XDG_CACHE_HOME/trackjammer` (default ~/.cache/trackjammer), never
a system folder; without one that can be written, the parser is built as
before. A stale cache cannot be read: the file's name is a hash of the
grammar's text and of every grammar it imports, of the options, and of the
lark and Python versions, so any change names another file.
A new file is written beside its final name and renamed there, so a
reader never sees half of one; a damaged one is built again and replaced.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import sys
import threading
from pathlib import Path
from typing import Any

import lark
from lark import Lark

IMPORT = re.compile(r"^%import\s+\.(\w+)", re.MULTILINE)  # a grammar of ours beside this one
# One thread at a time builds or loads: lark's grammar loader compiles Python
# literals with `ast`, which CPython 3.11 cannot run in two threads at once
# ("AST constructor recursion depth mismatch"), and the REPL loads the
# parsers in the background while its prompt thread may ask for them.
_ONE_AT_A_TIME = threading.Lock()


def cache_folder() -> Path | None:
    """$XDG_CACHE_HOME/trackjammer, else ~/.cache/trackjammer; None without a home."""
    base = os.environ.get("XDG_CACHE_HOME", "").strip()
    if base and os.path.isabs(base):
        return Path(base) / "trackjammer"
    home = os.environ.get("HOME", "").strip()
    return Path(home) / ".cache" / "trackjammer" if home and os.path.isabs(home) else None


def grammar_key(grammar: Path, options: dict[str, Any]) -> str:
    """A hash of everything the built parser depends on: the grammar, the
    grammars of ours it imports (and theirs), the options, lark, Python."""
    digest = hashlib.sha256()
    seen: set[Path] = set()
    pending = [grammar]
    while pending:
        path = pending.pop()
        if path in seen:
            continue
        seen.add(path)
        text = path.read_text(encoding="utf-8")
        digest.update(f"{path.name}\n{len(text)}\n{text}".encode("utf-8"))
        pending += [path.with_name(f"{name}.lark") for name in IMPORT.findall(text)]
    digest.update(repr(sorted(options.items())).encode("utf-8"))
    digest.update(f"lark {lark.__version__} python {sys.version_info[:2]}".encode("utf-8"))
    return digest.hexdigest()[:32]


def cached_parser(grammar: Path, **options: Any) -> Lark:
    """`Lark.open(grammar, parser="lalr", **options)`, loaded from the cache
    when it holds this very parser, else built (and saved there for next time)."""
    with _ONE_AT_A_TIME:
        return _cached_parser(grammar, options)


def _cached_parser(grammar: Path, options: dict[str, Any]) -> Lark:
    folder = cache_folder()
    if folder is None:
        return Lark.open(str(grammar), parser="lalr", **options)
    final = folder / f"{grammar.stem}-{grammar_key(grammar, options)}.lark-cache"
    try:
        with final.open("rb") as saved:
            return Lark.load(saved)
    except FileNotFoundError:
        pass
    except Exception:  # noqa: BLE001 - an unreadable or damaged file: built again, and replaced
        pass
    parser = Lark.open(str(grammar), parser="lalr", **options)
    part = final.with_name(f"{final.name}.{os.getpid()}.{threading.get_ident()}.part")  # each writer its own
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with part.open("wb") as out:
            parser.save(out)
        os.replace(part, final)
    except OSError:  # a folder that refuses: the parser is built all the same
        with contextlib.suppress(OSError):
            part.unlink(missing_ok=True)
    return parser
