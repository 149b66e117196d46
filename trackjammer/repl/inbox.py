"""Code that comes from elsewhere than the keyboard: the door and watched files.

Why one inbox: the interpreter is the REPL's, and it is used from one
thread only. The door's threads and the watch thread put work here; the
REPL's thread runs it, either between two prompts (`drain`) or, while the
prompt is up, inside prompt_toolkit's event loop through `run_in_terminal`
(the prompt is put aside, the output prints above it, and it is drawn again
with what was being typed untouched).
"""

from __future__ import annotations

import asyncio
import contextvars
import queue
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from prompt_toolkit.application import run_in_terminal

from trackjammer.errors import TrackJammerError

if TYPE_CHECKING:
    from trackjammer.repl.door import Door, Request
    from trackjammer.repl.watch import Changes, FileWatch

Evaluate = Callable[..., bool]  # (code, write, whole=False) -> ok: Repl.evaluate
SENT_MARK = "» "  # how code that came through the door is shown


class Inbox:
    def __init__(self, evaluate: Evaluate, say: Callable[[str], None]):
        self.evaluate = evaluate
        self.say = say
        self.door: Door | None = None
        self._work: queue.SimpleQueue[Callable[[], None]] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None  # while the prompt is up
        self._context: contextvars.Context | None = None
        self._watches: dict[Path, FileWatch] = {}
        self._changes: dict[Path, Changes] = {}
        self._watching = threading.Event()
        self._stopping = threading.Event()
        self._watcher: threading.Thread | None = None

    # -- handing work to the REPL's thread ----------------------------------------------

    def submit(self, work: Callable[[], None]) -> None:
        """Any thread: run `work` on the REPL's thread as soon as it can."""
        with self._lock:
            self._work.put(work)
            if self._loop is not None:
                self._loop.call_soon_threadsafe(self._in_terminal, context=self._context)

    def prompt_started(self) -> None:
        """The prompt's pre_run (in its loop): from now on, work runs there."""
        with self._lock:
            self._loop = asyncio.get_running_loop()
            self._context = contextvars.copy_context()
            if not self._work.empty():
                self._loop.call_soon(self._in_terminal, context=self._context)

    def prompt_ended(self) -> None:
        with self._lock:
            self._loop = self._context = None

    def _in_terminal(self) -> None:
        if not self._work.empty():
            run_in_terminal(self.drain)

    def drain(self) -> None:
        """Run every piece of work waiting (the REPL's thread)."""
        while True:
            try:
                work = self._work.get_nowait()
            except queue.Empty:
                return
            work()

    # -- the door -----------------------------------------------------------------------

    def open_door(self, project: str, tcp_port: int | None = None) -> None:
        """Listen for editors; a door that cannot open is said, and the REPL plays on."""
        from trackjammer.repl.door import Door  # start-up time: the REPL makes its inbox before its prompt

        try:
            self.door = Door(project, lambda request: self.submit(lambda: self._answer(request)), tcp_port)
        except TrackJammerError as error:
            self.say(error.format() + "\nthe REPL plays on without listening for editors")
            return
        except OSError as error:
            self.say(f"error: cannot listen for editors: {error.strerror or error}\n"
                     "the REPL plays on without listening for editors")
            return
        where = f" and 127.0.0.1:{self.door.tcp_address[1]}" if self.door.tcp_address else ""
        self.say(f"listening for editors on {self.door.path}{where} (trackjammer send)")

    def _answer(self, request: Request) -> None:
        lines = request.code.rstrip("\n").split("\n")
        self.say("\n".join(SENT_MARK + line for line in lines))
        said: list[str] = []

        def write(text: str) -> None:
            said.append(text)
            self.say(text)

        ok = False
        try:
            ok = self.evaluate(request.code, write)
        finally:
            request.reply(ok, "\n".join(said))

    # -- watched files ------------------------------------------------------------------

    def watch(self, path: str) -> str:
        """Evaluate `path` now and at every save; what to say back."""
        resolved = Path(path).expanduser().resolve()
        if not resolved.is_file():
            raise TrackJammerError(f"cannot watch {path}: there is no such file", hint='watch("song.tj")')
        from trackjammer.repl.watch import Changes, FileWatch  # start-up time: the parser loads after the prompt is up

        with self._lock:
            fresh = resolved not in self._watches
            if fresh:
                self._watches[resolved] = FileWatch(resolved)
                self._changes[resolved] = Changes()
        if self._watcher is None:
            self._watcher = threading.Thread(target=self._poll, name="trackjammer-watch", daemon=True)
            self._watcher.start()
        self._watching.set()
        return f"watching {path}: every save is evaluated" if fresh else f"already watching {path}"

    def unwatch(self, path: str | None = None) -> str:
        with self._lock:
            if path is None:
                gone = list(self._watches)
            else:
                gone = [p for p in self._watches if p == Path(path).expanduser().resolve()]
            for p in gone:
                del self._watches[p]
                del self._changes[p]
        return f"stopped watching {len(gone)} file{'s' if len(gone) != 1 else ''}"

    def _poll(self) -> None:
        from trackjammer.repl.watch import POLL_SECONDS  # start-up time: as in watch()

        while not self._stopping.wait(POLL_SECONDS):
            with self._lock:
                watches = list(self._watches.items())
            for path, watch in watches:
                source = watch.poll()
                if source is not None:
                    self.submit(lambda path=path, source=source: self._saved(path, source))

    def _saved(self, path: Path, source: str) -> None:
        changes = self._changes.get(path)
        if changes is None:  # unwatched meanwhile
            return
        shown = _shown(path)
        try:
            plan = changes.plan(source)
        except TrackJammerError as error:
            self.say(f"{shown}: {error.format()}\n{shown}: not applied: nothing changed")
            return
        self.say(f"{shown}: saved, {plan.run} of {plan.total} statements run")
        if plan.run and not self.evaluate(plan.source, lambda text: self.say(_in_file(shown, text)), whole=True):
            changes.failed(plan)
            self.say(f"{shown}: not applied: nothing changed")

    def close(self) -> None:
        self._stopping.set()
        for key in [key for key, inbox in INBOXES.items() if inbox is self]:
            del INBOXES[key]
        if self.door is not None:
            self.door.close()
        with self._lock:
            self._loop = None


def _shown(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _in_file(shown: str, text: str) -> str:
    """An error of a watched file names the file before its line."""
    return f"{shown}: {text}" if text.startswith("error: ") else text


INBOXES: dict[int, Inbox] = {}  # by id(session): the REPL's own, for watch() (a Session is not hashable)


def attach(session: object, inbox: Inbox) -> Inbox:
    """Make `inbox` the one watch() reaches from `session`'s language."""
    INBOXES[id(session)] = inbox
    return inbox


def inbox_of(session: object) -> Inbox:
    inbox = INBOXES.get(id(session))
    if inbox is None:
        raise TrackJammerError("watch() works in the REPL",
                               hint="to play a file and follow its saves without the REPL: trackjammer run --watch FILE.tj")
    return inbox
