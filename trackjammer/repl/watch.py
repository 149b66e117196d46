"""Watching a script: every save is evaluated, as if its changes were typed.

`FileWatch.poll()` notices a save by the file's mtime and size, once they
have held for a poll (a save is applied 0.1 to 0.2 s after it), and then by
a hash of its content (a save that changes nothing, or a `touch`, is no
change). `Changes.plan(source)` says what of a save to run:

- a save that does not parse runs nothing (its error is said with the line
  in the file);
- a save that parses but fails while running changes nothing either
  (`AllOrNothing`): the statements before the failing one are taken back,
  with the state from before the save (undo's state of what plays, and
  every name and setting of the session), and are not in the session log;
- the first time, every statement;
- after that, each statement whose text changed or is new, and each later
  statement that uses a name one of those statements binds with `let` (so
  `t << melody` plays the new melody), and no other: an unchanged
  `print(...)` or `midi_export(...)` is not run again, a statement deleted
  from the file is not undone.

What runs is the file itself with every other statement blanked out, so an
error's line and column are those of the file. The REPL (`watch()`) and
`trackjammer run --watch` share both; each evaluates the plan its own way.
No new dependency: polling a few times a second costs nothing.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from trackjammer.engine.history import capture, restore
from trackjammer.errors import TrackJammerError
from trackjammer.lang import ast
from trackjammer.lang.evaluator import Interpreter
from trackjammer.lang.parser import parse_program

POLL_SECONDS = 0.1
NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
NOT_SETTINGS = ("names", "out", "engine", "sources")  # Session fields that are not plain settings


class FileWatch:
    """A file's last seen state; `poll()` returns its text when it changed.

    A save is taken once it has settled: its mtime and size the same at two
    polls in a row, and while it was read. An editor that writes in place
    truncates the file first, and a torn read (an empty or half file) would
    be planned as a save that deleted statements, then one that adds them
    all back, running everything again."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self._stamp: tuple[int, int] | None = None
        self._seen: tuple[int, int] | None = None  # changed at the last poll: taken if it holds until the next
        self._digest: bytes | None = None

    def poll(self, settle: bool = True) -> str | None:
        """The new text after a save, else None (also while the file is
        missing or unreadable: an editor's save may remove it for a moment).
        `settle=False` takes the file as it is now (the text just evaluated)."""
        stamp = self._stat()
        if stamp is None or stamp == self._stamp:
            return None
        if settle and stamp != self._seen:
            self._seen = stamp
            return None
        try:
            data = self.path.read_bytes()
        except OSError:
            return None
        if self._stat() != stamp:  # written to while read
            return None
        self._stamp = stamp
        digest = hashlib.sha256(data).digest()
        if digest == self._digest:
            return None
        self._digest = digest
        return data.decode("utf-8", errors="replace")

    def _stat(self) -> tuple[int, int] | None:
        try:
            info = os.stat(self.path)
        except OSError:
            return None
        return info.st_mtime_ns, info.st_size


@dataclass(frozen=True)
class Plan:
    """What to evaluate for one save: `source` (the file, with the
    statements not to run blanked out) and how many statements run."""

    source: str
    run: int
    total: int
    texts: frozenset[str] = frozenset()  # the statements run


class Changes:
    """The statements of the last save that ran, to tell what changed."""

    def __init__(self) -> None:
        self._seen: set[str] | None = None

    def plan(self, source: str) -> Plan:
        """The plan for this save; a TrackJammerError when it does not parse
        (then nothing is remembered, so the next good save is compared with
        the last good one)."""
        program = parse_program(source)
        texts = list(program.texts)
        if self._seen is None:
            chosen = set(range(len(texts)))
        else:
            chosen, rebound = set(), set()
            for number, (statement, text) in enumerate(zip(program.statements, texts)):
                if text not in self._seen or rebound & _names(text):
                    chosen.add(number)
                    if isinstance(statement, ast.Let):
                        rebound.add(statement.name)
        self._seen = set(texts)
        return Plan(_blank_others(source, texts, chosen), len(chosen), len(texts),
                    frozenset(texts[number] for number in chosen))

    def failed(self, plan: Plan) -> None:
        """The plan stopped at an error: its statements run again at the next
        save (the one that failed, and those before it, bound again)."""
        if self._seen is not None:
            self._seen -= plan.texts


class AllOrNothing:
    """A save's statements take effect together or not at all.

    Made before the save runs: it keeps the state from before (undo's
    `State` of what plays: tracks' lanes, mutes, tempo; every name, tracks
    or not; the session's settings) and holds back the statements the
    session log is told of. `finish(ok)` then either logs them, or puts the
    state back, before the engine is handed the input (`Engine.commit`), so
    a failed save is never heard and leaves no state for undo. What a
    statement did outside the session stays done: what it printed, files it
    wrote, and transport actions heard at once (start, stop, hush, once)."""

    def __init__(self, interpreter: Interpreter):
        self.interpreter = interpreter
        session = interpreter.session
        self.playing = capture(session)
        self.names = dict(session.names)
        self.settings = {f.name: getattr(session, f.name) for f in dataclasses.fields(session)
                         if f.name not in NOT_SETTINGS}
        self.logged = interpreter.on_statement
        self.held: list[str] = []
        interpreter.on_statement = self.held.append

    def finish(self, ok: bool) -> None:
        interpreter, session = self.interpreter, self.interpreter.session
        interpreter.on_statement = self.logged
        if ok:
            if self.logged is not None:
                for text in self.held:
                    self.logged(text)
            return
        restore(session, self.playing)
        session.names.clear()
        session.names.update(self.names)  # after restore: names in their first order, values that are not tracks too
        for name, value in self.settings.items():
            setattr(session, name, value)


def whole_save(interpreter: Interpreter, source: str) -> Any:
    """Run a save's plan, all or nothing; raises its error after taking it back."""
    save = AllOrNothing(interpreter)
    ok = False
    try:
        result = interpreter.execute(source)
        ok = True
        return result
    finally:
        save.finish(ok)


def _names(text: str) -> set[str]:
    return set(NAME.findall(text))


def _blank_others(source: str, texts: list[str], chosen: set[int]) -> str:
    """`source` with every statement not chosen turned into spaces (its
    newlines kept, so lines and columns stay the file's)."""
    out, cursor = [], 0
    for number, text in enumerate(texts):
        at = source.find(text, cursor)
        if at < 0:  # cannot happen: texts are slices of the source
            raise TrackJammerError("internal: a statement was not found in its file")
        out.append(source[cursor:at])
        piece = source[at:at + len(text)]
        out.append(piece if number in chosen else re.sub(r"[^\n]", " ", piece))
        cursor = at + len(text)
    out.append(source[cursor:])
    return "".join(out)
