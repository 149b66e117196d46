"""`trackjammer run FILE.tj`: evaluate a script, then play it in real time.

With `--offline` there is no clock: the file is evaluated for its effects
(exports). Without it, the file's tracks play from cycle 0 through the MIDI
output; `--cycles N` stops after N cycles (notes cut there, as an export of
N cycles is), otherwise it plays until Ctrl-C or SIGTERM. Every way out ends
every note and sends CC 123 on each channel used, and writes what was played
to renders/<project>/<datetime>/recording.mid. A second Ctrl-C or SIGTERM
while that happens ends at once: the sending process ends the notes, and
the take is finished at the next start. Before anything, a take that a
crash left unfinished is turned into its recording.mid.

With `--watch` the file is evaluated again every time it is saved, and
what changed is applied at the next quantize boundary, as in the REPL's
`watch()` (repl/watch.py says what runs again).

`-` reads the script from standard input. The config file gives the
defaults the REPL takes from it: the port (one that is not there falls
back to the default choice with a warning), the backend, the project (before
the file's name) and the starting tempo (before the script's own cps()).
"""

from __future__ import annotations

import signal
import sys
import threading
from fractions import Fraction
from pathlib import Path
from typing import Any

from trackjammer.errors import TrackJammerError
from trackjammer.lang.evaluator import Interpreter
from trackjammer.project.renders import clear_leftovers
from trackjammer.project.takes import RenderTakes, recover_unfinished
from trackjammer.repl.config import Config
from trackjammer.repl.watch import POLL_SECONDS, Changes, FileWatch, whole_save
from trackjammer.session import Session

EXIT_ERROR = 1
EXIT_INTERRUPTED = 130  # Ctrl-C, as shells report it
EXIT_TERMINATED = 143  # SIGTERM


STDIN = "-"


def run_file(
    path: str, offline: bool, project: str | None = None, cycles: Any = None, port: Any = None,
    backend: str | None = None, config: Config | None = None, watch: bool = False,
) -> int:
    config = config if config is not None else Config()
    shown = "<stdin>" if path == STDIN else path
    if watch and (path == STDIN or offline):
        say("error: --watch follows the saves of a file while it plays\n"
            "hint: name the file, and leave out --offline: trackjammer run --watch song.tj")
        return EXIT_ERROR
    try:
        source = _read(path)
    except OSError as error:
        say(f"error: cannot read {shown}: {error.strerror or error}")
        return EXIT_ERROR
    except UnicodeDecodeError:
        say(f"error: {shown} is not text (UTF-8)")
        return EXIT_ERROR
    recover_unfinished(report=say)  # takes a crash left unfinished
    default = "untitled" if path == STDIN else Path(path).stem
    session = Session(project=project or config.project or default)
    clear_leftovers(say)  # .part files of writes a kill interrupted
    if config.cps is not None:
        session.cps = Fraction(str(config.cps)) if isinstance(config.cps, float) else Fraction(config.cps)
    interpreter, changes = Interpreter(session), Changes()
    engine = None
    if not offline:  # open before the script runs: its input(), sync(), output() and clock_out() act on it
        engine = open_engine(session, port, backend if backend is not None else config.backend, config.port,
                             config.latency)
    try:
        interpreter.execute(changes.plan(source).source if watch else source)  # run echoes nothing but print()
    except BaseException as error:  # an error in the script, or Ctrl-C while it runs: the engine ends first
        if engine is not None:
            engine.close()
        if not isinstance(error, TrackJammerError):
            raise
        say(f"{shown}: {error.format()}")
        return EXIT_ERROR
    if engine is None:
        return 0
    engine.commit()  # the script's tempo and tracks, handed over as after every REPL input
    follow = _follower(path, shown, interpreter, changes) if watch else None
    return play(engine, cycles, follow)


def _follower(path: str, shown: str, interpreter: Interpreter, changes: Changes) -> Any:
    """--watch: a call that evaluates what a save changed (on the main
    thread, between the clock's rounds of waiting) and hands it over."""
    watch = FileWatch(path)
    watch.poll(settle=False)  # the text just evaluated

    def follow() -> None:
        source = watch.poll()
        if source is None:
            return
        try:
            plan = changes.plan(source)
        except TrackJammerError as error:
            say(f"{shown}: {error.format()}\n{shown}: not applied: nothing changed")
            return
        say(f"{shown}: saved, {plan.run} of {plan.total} statements run")
        try:
            if plan.run:
                whole_save(interpreter, plan.source)  # a save that fails while running changes nothing
        except TrackJammerError as error:
            changes.failed(plan)
            say(f"{shown}: {error.format()}\n{shown}: not applied: nothing changed")
        finally:
            engine = interpreter.session.engine
            if engine is not None:
                engine.commit()  # type: ignore[attr-defined]

    return follow


def _read(path: str) -> str:
    if path == STDIN:
        return sys.stdin.buffer.read().decode("utf-8")
    return Path(path).read_text(encoding="utf-8")


class Stopped(BaseException):
    """SIGTERM, turned into an exception in the main thread. A BaseException,
    as Ctrl-C's KeyboardInterrupt is: one arriving while a watched save runs
    must not be taken for a bug of ours by the evaluator's `except Exception`
    (the run ended with 70, an internal error, instead of 143)."""


_SAYING = threading.Lock()


def say(text: str) -> None:
    """A line (or lines) on stderr in one write: the engine's reports come
    from threads of its own, and print() writes the end of line apart, so
    two lines printed at once could share a line (seen in CI: a watch
    line that no longer began with the file's name)."""
    with _SAYING:
        sys.stderr.write(text + "\n")
        sys.stderr.flush()


class Hurry(BaseException):
    """A second Ctrl-C or SIGTERM while closing: end now."""


def open_engine(session: Session, port: Any, backend: str | None, config_port: Any = None,
                latencies: dict[str, float] | None = None) -> Any:
    """The live engine, not yet playing, on `port` (else the config's,
    else the default choice), as the session's engine."""
    from trackjammer.engine.live import open_live  # start-up time: --offline never loads the realtime engine

    engine = notice = None
    if port is None and config_port is not None:
        try:
            engine, notice = open_live(session, config_port, backend, report=say, takes=RenderTakes())
        except TrackJammerError as error:
            say(f"warning: the port {config_port!r} of the config file cannot be used: {error.message}")
    if engine is None:
        engine, notice = open_live(session, port, backend, report=say, takes=RenderTakes())
    if notice:
        say(notice)
    session.engine = engine
    engine.configure_latencies(latencies or {})  # config.toml's [latency], per port name
    return engine


def play(engine: Any, cycles: Any, follow: Any = None) -> int:
    """Play until `cycles` (or Ctrl-C, SIGTERM); under a followed MIDI
    clock, from when its leader starts."""
    # Ctrl-C is ours even when we were started with SIGINT ignored (as a shell's
    # background job is): a run nobody can interrupt outlives everything.
    previous = {signal.SIGTERM: signal.signal(signal.SIGTERM, _first(Stopped)),
                signal.SIGINT: signal.signal(signal.SIGINT, _first(KeyboardInterrupt))}
    code = 0
    try:
        following = engine.following
        if following is not None and following.source == "clock":
            engine.follow_until = cycles  # counted from the leader's start
            say(f"waiting for the MIDI clock on '{following.port.name}' to start")
        else:
            engine.start(until=cycles)
        while not engine.finished.wait(POLL_SECONDS if follow else 0.2):
            if follow is not None:
                follow()
    except KeyboardInterrupt:
        code = EXIT_INTERRUPTED
    except Stopped:
        code = EXIT_TERMINATED
    finally:
        for sig in previous:
            signal.signal(sig, _hurry)
        try:
            _close(engine)
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
    return code


def _close(engine: Any) -> None:
    """Every note ends and the take is written; a second Ctrl-C or SIGTERM
    meanwhile ends at once (the sending process ends the notes itself)."""
    try:
        engine.close()
    except Hurry:
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, signal.SIG_DFL)  # a third one ends the process where it is
        say("stopping at once")
        engine.abandon()


def _first(exception: type[BaseException]) -> Any:
    """The first Ctrl-C or SIGTERM stops playing; from then on one more hurries."""
    def stop(signum: int, frame: Any) -> None:
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, _hurry)
        raise exception()

    return stop


def _hurry(signum: int, frame: Any) -> None:
    raise Hurry()
