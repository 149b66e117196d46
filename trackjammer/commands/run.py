"""`trackjammer run FILE.tj`: evaluate a script, then play it in real time.

With `--offline` there is no clock: the file is evaluated for its effects
(exports). Without it, the file's tracks play from cycle 0 through the MIDI
output; `--cycles N` stops after N cycles (notes cut there, as an export of
N cycles is), otherwise it plays until Ctrl-C or SIGTERM. Every way out ends
every note and sends CC 123 on each channel used, and writes what was played
to renders/<project>/<datetime>/recording.mid. Before anything, a take that
a crash left unfinished is turned into its recording.mid.
"""

from __future__ import annotations

import signal
import sys
from pathlib import Path
from typing import Any

import trackjammer.core  # noqa: F401  (registers the pattern functions)
from trackjammer.engine.recorder import recover_unfinished
from trackjammer.errors import TrackJammerError
from trackjammer.lang.evaluator import Interpreter
from trackjammer.session import Session

EXIT_ERROR = 1
EXIT_INTERRUPTED = 130  # Ctrl-C, as shells report it
EXIT_TERMINATED = 143  # SIGTERM


def run_file(
    path: str, offline: bool, project: str | None = None, cycles: Any = None, port: Any = None,
    backend: str | None = None,
) -> int:
    file = Path(path)
    try:
        source = file.read_text(encoding="utf-8")
    except OSError as error:
        print(f"error: cannot read {path}: {error.strerror or error}", file=sys.stderr)
        return EXIT_ERROR
    except UnicodeDecodeError:
        print(f"error: {path} is not a text file (UTF-8)", file=sys.stderr)
        return EXIT_ERROR
    recover_unfinished(report=lambda text: print(text, file=sys.stderr))  # takes a crash left unfinished
    session = Session(project=project or file.stem)
    try:
        Interpreter(session).execute(source)  # run echoes nothing but print()
    except TrackJammerError as error:
        print(f"{path}: {error.format()}", file=sys.stderr)
        return EXIT_ERROR
    if offline:
        return 0
    return play(session, cycles, port, backend)


class Stopped(Exception):
    """SIGTERM, turned into an exception in the main thread."""


def play(session: Session, cycles: Any, port: Any, backend: str | None) -> int:
    from trackjammer.engine.live import open_live

    engine, notice = open_live(session, port, backend, report=lambda text: print(text, file=sys.stderr))
    if notice:
        print(notice, file=sys.stderr)
    session.engine = engine
    previous = signal.signal(signal.SIGTERM, _raise_stopped)
    try:
        engine.start(until=cycles)
        while not engine.finished.wait(0.2):
            pass
        return 0
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    except Stopped:
        return EXIT_TERMINATED
    finally:
        signal.signal(signal.SIGTERM, previous)
        engine.close()


def _raise_stopped(signum: int, frame: Any) -> None:
    raise Stopped()
