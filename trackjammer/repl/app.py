"""The REPL: where the engine lives while a performer types.

Start (repl/start.py starts the MIDI sending process and reads the
settings): the prompt is drawn first, then the session, the output, the
engine and the completer are built behind it (repl/behind.py) while the
performer starts typing, and the language loads after them. Keys typed
meanwhile are read and shown as ever; an input submitted before the
engine is ready waits for it, then runs. Each input goes through
`console.respond` (what the docs' transcripts show is what is printed
here), and `engine.commit()`
follows every input, also a failed one (the statements before the error
took effect). Everything runs under patch_stdout, so what the clock thread
reports prints above the prompt.

Nothing typed ends the process: Ctrl-C clears the input, an exception in
our own code is reported and the prompt comes back. Ctrl-D on an empty line
(and SIGTERM, SIGHUP) stop the clock, end every note and exit. An output
that cannot be opened (a port named on the command line that is not
there) ends the prompt, and repl/start.py says why.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
import threading
import time
import traceback
from typing import Any, Iterator

from prompt_toolkit import PromptSession
from prompt_toolkit.completion import DynamicCompleter
from prompt_toolkit.history import FileHistory, InMemoryHistory
from prompt_toolkit.lexers import Lexer, PygmentsLexer
from prompt_toolkit.patch_stdout import patch_stdout

from trackjammer.errors import TrackJammerError
from trackjammer.repl.behind import Behind
from trackjammer.repl.config import history_path
from trackjammer.repl.inbox import Inbox, attach
from trackjammer.repl.key_bindings import Actions, BlockMode, repl_bindings
from trackjammer.repl.keys import WELCOME
from trackjammer.repl.options import Options
from trackjammer.repl.style import colour_lines, repl_style
from trackjammer.repl.validator import ErrorMark, SyntaxMarks
from trackjammer.version import __version__

EXIT_OK = 0
EXIT_TERMINATED = 143
REFRESH_SECONDS = 0.15  # the status bar: more than 5 times a second
PROMPT, CONTINUATION = "> ", ". "
PAUSE_AFTER_FAILURE = 0.2  # seconds
STARTING = [("class:toolbar.stopped", " … starting ")]  # the status bar until the engine is built


class Stopped(BaseException):
    """SIGTERM or SIGHUP, raised in the main thread (a BaseException, so no
    `except Exception` on the way mistakes it for a bug)."""


class Unbuilt(BaseException):
    """What plays could not be built behind the prompt (repl/behind.py): the
    prompt ends, and its error is raised once everything is shut down."""


class Repl:
    """`output()` (on the build's thread) opens the main output: (output,
    what to say about it, how to open more ports, the sending process);
    `notices` are said before the prompt."""

    def __init__(self, options: Options, config: Any, output: Any, notices: list[str]):
        self.options, self.config = options, config
        self.backend = options.backend if options.backend is not None else config.backend
        self._output = output
        self.notices = notices
        self.session: Any = None  # these four are built behind the prompt (_build)
        self.log: Any = None  # sessions/<project>/<start>.tj
        self.engine: Any = None
        self.completer: Any = None
        self._interpreter: Any = None  # made at the first input: the language loads after the prompt is up
        self.prompt: Any = None
        self.stop_requested = False  # a SIGTERM or SIGHUP came
        self.plain = bool(os.environ.get("NO_COLOR"))  # https://no-color.org
        self.inbox = Inbox(self.evaluate, self.say)  # the door and watch(): repl/inbox.py
        self.listen = options.listen if options.listen is not None else config.listen
        self.block = BlockMode()  # F5: Enter adds lines, Alt-Enter runs
        self.behind = Behind(self._build, self._after_build, self._build_failed)
        self._prompt_lock = threading.Lock()
        self._prompt_loop: asyncio.AbstractEventLoop | None = None  # while the prompt is up

    # -- built behind the prompt --------------------------------------------------------

    def _build(self) -> None:
        """The session, the output, the engine and the completer (the
        build's thread, once the prompt is drawn); then the engine starts
        and the door opens, unless the REPL is stopping already."""
        from trackjammer.project.renders import clear_leftovers  # start-up time: built behind the prompt
        from trackjammer.project.takes import recover_unfinished  # start-up time: as clear_leftovers

        output, notices, opener, sender = self._output()
        try:
            self._make(output, opener, sender)
        except BaseException:
            if self.engine is None and sender is not None:
                sender.close()  # the engine closes it, once there is one (_shut_down)
            raise
        for notice in notices:
            self.say(notice)
        recover_unfinished(report=self.say)  # takes a crash left unfinished
        clear_leftovers(self.say)  # .part files of writes a kill interrupted
        if self.stop_requested:  # stopping already: built only to be closed
            return
        self.engine.start()
        if self.listen is not False:
            self.inbox.open_door(self.session.project, None if self.listen is True else self.listen)

    def _make(self, output: Any, opener: Any, sender: Any) -> None:
        from fractions import Fraction  # start-up time: built behind the prompt
        from trackjammer.engine.live import Engine  # start-up time: built behind the prompt
        from trackjammer.project.sessions import SessionLog  # start-up time: as Engine
        from trackjammer.project.takes import RenderTakes  # start-up time: as Engine
        from trackjammer.repl.completer import TrackJammerCompleter  # start-up time: as Engine
        from trackjammer.session import Session  # start-up time: as Engine

        session = Session(project=self.options.project or self.config.project or "untitled")
        cps = self.options.cps if self.options.cps is not None else self.config.cps
        if cps is not None:
            session.cps = Fraction(str(cps)) if isinstance(cps, float) else cps
        self.log = SessionLog(session, report=self.say)
        engine = Engine(session, output, report=self.say, backend=self.backend, open_port=opener, sender=sender,
                        takes=RenderTakes())
        session.engine = engine
        engine.configure_latencies(self.config.latency)  # config.toml's [latency], per port name
        attach(session, self.inbox)
        self.completer = TrackJammerCompleter(session, self._ports)
        self.session, self.engine = session, engine

    def _after_build(self) -> None:
        """The sending process's spare starts (repl/start.py: not while the
        prompt loads), then the language loads."""
        if self.stop_requested:
            return
        sender = self.engine.sender
        if sender is not None:
            self._guarded("starting the spare MIDI sending process", sender.keep_spare)
        _load_language()

    def _build_failed(self, error: BaseException) -> None:
        """The build's thread: end the prompt (or the next one, in
        _prompt_started; between prompts _loop sees it)."""
        with self._prompt_lock:
            loop = self._prompt_loop
            if loop is not None:
                with contextlib.suppress(RuntimeError):  # closed as the prompt ended: _loop sees it
                    loop.call_soon_threadsafe(self._end_unbuilt)

    def _end_unbuilt(self) -> None:
        app = self.prompt.app
        if app.is_running and not app.future.done():
            app.exit(exception=Unbuilt())

    def _prompt_started(self) -> None:
        """The prompt's pre_run (in its loop)."""
        self.inbox.prompt_started()
        with self._prompt_lock:
            self._prompt_loop = asyncio.get_running_loop()
            if self.behind.error is not None:
                self._end_unbuilt()

    def _prompt_ended(self) -> None:
        self.inbox.prompt_ended()
        with self._prompt_lock:
            self._prompt_loop = None

    @property
    def interpreter(self) -> Any:
        """The interpreter of the session, made (and its log attached) when first needed."""
        if self._interpreter is None:
            from trackjammer.lang.evaluator import Interpreter  # start-up time: the language loads after the prompt is up

            self._interpreter = Interpreter(self.session)
            self.log.attach(self._interpreter)
        return self._interpreter

    # -- output -----------------------------------------------------------------------

    def say(self, text: str) -> None:
        """Print above the prompt (any thread: patch_stdout queues it);
        errors in colour unless NO_COLOR is set."""
        print(text if self.plain else colour_lines(text), flush=True)

    def internal_error(self, error: BaseException, what: str) -> None:
        if self.options.debug:
            traceback.print_exception(error)
        self.say(f"internal error while {what} ({type(error).__name__}: {error}): this is a bug in TrackJammer, "
                 "not in your input.\nhint: the music plays on; please report it")

    # -- keys ---------------------------------------------------------------------------

    def _guarded(self, what: str, action: Any) -> None:
        try:
            action()
        except TrackJammerError as error:
            self.say(error.format())
        except Exception as error:  # noqa: BLE001 - a key must never end the REPL
            self.internal_error(error, what)

    def help(self) -> None:
        self._guarded("showing help", self._help)

    def hush(self) -> None:
        self._guarded("hushing", self._hush)

    def panic(self) -> None:
        self._guarded("panicking", self._panic)

    def _help(self) -> None:
        from trackjammer.lang.builtins import help_text  # start-up time: the language loads after the prompt is up

        self.say(help_text())

    def _hush(self) -> None:
        if not self.behind.wait():
            return
        self.engine.hush()
        self.say("hush: every track is silent")

    def _panic(self) -> None:
        if not self.behind.wait():
            return
        self.engine.panic()
        self.say("panic: all notes off")

    # -- the loop -----------------------------------------------------------------------

    def run(self) -> int:
        previous = {sig: signal.signal(sig, self._on_signal) for sig in (signal.SIGTERM, signal.SIGHUP)}
        code = EXIT_OK
        try:
            with patch_stdout(raw=True):
                try:
                    self.prompt = prompt = self._prompt_session()
                    self._welcome()
                    self._loop(prompt)
                except Stopped:
                    code = EXIT_TERMINATED
                except Unbuilt:
                    pass  # raised below
                finally:
                    self.stop_requested = True  # a signal now changes nothing: we are stopping
                    self._shut_down()
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        if self.behind.error is not None:
            raise self.behind.error  # repl/start.py says it
        return code

    def _on_signal(self, signum: int, frame: Any) -> None:
        """SIGTERM, SIGHUP: end as Ctrl-D does. While the prompt runs, ask it
        to end with Stopped (raised here, the exception could land inside an
        event-loop callback, where asyncio would swallow it); elsewhere raise
        it at once. A second signal, or one while stopping, is ignored."""
        if self.stop_requested:
            return
        self.stop_requested = True
        app = getattr(self.prompt, "app", None)
        loop = getattr(app, "loop", None)
        if app is not None and app.is_running and loop is not None:
            def end() -> None:
                if app.is_running and not app.future.done():
                    app.exit(exception=Stopped())

            loop.call_soon_threadsafe(end)
            return
        raise Stopped()

    def _welcome(self) -> None:
        """What is said before the prompt: what the output's notices (_build)
        and the door follow."""
        for notice in self.notices:
            self.say(notice)
        self.say(f"TrackJammer {__version__}: type patterns, hear them on the next cycle. help() or F1 for help.")
        self.say(WELCOME)

    def _loop(self, prompt: Any) -> None:
        while not self.stop_requested:
            if self.behind.error is not None:
                raise Unbuilt()
            try:
                self.inbox.drain()  # what came through the door or a save while an input ran
                try:
                    text = prompt.prompt(pre_run=self._prompt_started)
                finally:
                    self._prompt_ended()
                if text.strip():
                    self.evaluate(text)
            except EOFError:
                return
            except KeyboardInterrupt:  # SIGINT outside the prompt (the prompt takes Ctrl-C as a key)
                self.say("interrupted")
            except Exception as error:  # noqa: BLE001 - the prompt itself failed: report, prompt again
                self.internal_error(error, "reading input")
                time.sleep(PAUSE_AFTER_FAILURE)  # never a hot loop of failures
        raise Stopped()

    def evaluate(self, text: str, write: Any = None, whole: bool = False) -> bool:
        """Typed, sent through the door or saved in a watched file: one path.
        Whether it ran without error. `whole` (a watched save): all of it
        takes effect or, when it fails, none (repl/watch.py). Submitted
        before the engine is built, it waits for it (nothing runs when that
        failed: the REPL ends)."""
        ok = False
        if not self.behind.wait():
            return ok
        self._guarded("logging what fell back", self._log_fallbacks)
        save = None
        if whole:
            from trackjammer.repl.watch import AllOrNothing  # start-up time: it loads the parser

            save = AllOrNothing(self.interpreter)
        try:
            from trackjammer.lang.console import respond  # start-up time: the language loads after the prompt is up

            with _no_echo():
                ok = respond(self.interpreter, text, write or self.say)
        except KeyboardInterrupt:  # Ctrl-C while a long input runs (an export): the input stops there
            self.say("interrupted")
        except Exception as error:  # noqa: BLE001 - whatever happens, the music goes on
            self.internal_error(error, "evaluating")
        finally:
            if save is not None:
                self._guarded("taking back a save that failed", lambda: save.finish(ok))
            self._guarded("handing the input to the engine", self.engine.commit)
        return ok

    def _log_fallbacks(self) -> None:
        """Tracks the engine handed back to an earlier binding go into the
        session log before the next input, so the log replays what played."""
        for track in self.engine.fallen_back():
            self.log.fell_back(track)
        for emptied in self.engine.undone():  # undo()/redo(): the log replays the state brought back
            self.log.restored(emptied)

    def _shut_down(self) -> None:
        built = self.behind.wait()  # what is being built is closed as what was built
        self._guarded("closing the door for editors", self.inbox.close)
        if not built:
            return  # nothing plays: the failed build closed the sending process
        self._guarded("logging what fell back", self._log_fallbacks)
        try:
            self.engine.close()  # not stop() first: the CC 123 of quitting belongs in the take
        except Exception as error:  # noqa: BLE001 - said; the sending process still ends the notes
            self.internal_error(error, "stopping")

    def _prompt_session(self) -> Any:

        history = history_path()
        try:
            history.parent.mkdir(parents=True, exist_ok=True)
            store: Any = FileHistory(str(history))
        except OSError as error:
            self.say(f"warning: the history cannot be kept in {history}: {error.strerror or error}")
            store = InMemoryHistory()
        session = PromptSession(
            PROMPT,
            multiline=True,
            prompt_continuation=lambda width, line, wrap: CONTINUATION.rjust(width),
            lexer=Highlighter(),
            completer=DynamicCompleter(lambda: self.completer),  # none until built: Tab does nothing
            complete_while_typing=False,
            validator=SyntaxMarks(),
            validate_while_typing=True,
            input_processors=[ErrorMark()],
            history=store,
            enable_history_search=False,
            key_bindings=repl_bindings(Actions(self.help, self.hush, self.panic, self.block,
                                               undo=lambda: self.evaluate("undo()"))),
            bottom_toolbar=lambda: self.block.mark() + self._status(),
            refresh_interval=REFRESH_SECONDS,
            style=repl_style(),
            include_default_pygments_style=False,
            mouse_support=False,
        )
        session.app.after_render += self._drawn  # the prompt first, then what plays, then the language
        return session

    def _drawn(self, app: Any) -> None:
        """After the first draw of the prompt: build what plays behind it."""
        app.after_render -= self._drawn
        self.behind.start()

    def _status(self) -> list[tuple[str, str]]:
        if not self.behind.ready:
            return STARTING
        from trackjammer.repl.toolbar import fragments  # start-up time: loaded once the engine is built

        return fragments(self.engine, self.session)

    def _ports(self) -> list[str]:
        if self.options.no_midi:
            return []
        from trackjammer.midi.rtmidi_out import list_ports  # start-up time: only Tab in a port name needs it

        return list_ports(self.backend)




class Highlighter(Lexer):
    """The pygments lexer of repl/lexer.py, loaded at the first character
    typed: the prompt is drawn without pygments (an empty input has no
    colours), and the background load after it usually gets there first."""

    def __init__(self) -> None:
        self.lexer: Any = None

    def lex_document(self, document: Any) -> Any:
        if not document.text and self.lexer is None:
            return lambda line: []
        if self.lexer is None:
            from trackjammer.repl.lexer import TrackJammerLexer  # start-up time: pygments loads after the prompt is up

            self.lexer = PygmentsLexer(TrackJammerLexer)
        return self.lexer.lex_document(document)


def _load_language() -> None:
    """Once the engine is built behind the prompt: load the language and its
    parsers (from the parser cache: milliseconds), so the first input
    usually finds them ready. The prompt waited for none of it."""
    try:
        from trackjammer.lang.builtins import help_entries  # start-up time: loaded once the prompt is up
        from trackjammer.lang.console import respond  # noqa: F401 - start-up time: as help_entries
        from trackjammer.lang.mini_parser import parse_mini  # start-up time: as help_entries
        from trackjammer.lang.parser import parse_program  # start-up time: as help_entries
        from trackjammer.repl.lexer import builtin_names  # start-up time: as help_entries (pygments)

        help_entries()  # every global (trackjammer/assembly.py)
        builtin_names()  # the names highlighting colours
        parse_program("1")
        parse_mini("C4")
    except Exception:  # noqa: BLE001 - only a head start: whatever failed here is done (and said) when first needed
        pass


@contextlib.contextmanager
def _no_echo() -> Iterator[None]:
    """While an input runs, keys typed ahead are not echoed by the terminal
    (they would land in the middle of the output); the next prompt reads
    them as usual."""
    try:
        import termios  # POSIX only

        fd = sys.stdin.fileno()
        saved = termios.tcgetattr(fd)
    except (ImportError, OSError, ValueError):
        yield
        return
    quiet = list(saved)
    quiet[3] &= ~termios.ECHO  # lflags
    try:
        termios.tcsetattr(fd, termios.TCSANOW, quiet)
    except OSError:
        yield
        return
    try:
        yield
    finally:
        termios.tcsetattr(fd, termios.TCSANOW, saved)
