"""`trackjammer run FILE.tj --offline`: evaluate a script with no clock."""

from __future__ import annotations

import sys
from pathlib import Path

import trackjammer.core  # noqa: F401  (registers the pattern functions)
from trackjammer.errors import TrackJammerError
from trackjammer.lang.evaluator import Interpreter
from trackjammer.session import Session

EXIT_ERROR = 1


def run_file(path: str, offline: bool, project: str | None = None) -> int:
    if not offline:
        print(
            "error: playing in real time arrives with the realtime engine, which is not built yet\n"
            "hint: add --offline to evaluate the file without a clock",
            file=sys.stderr,
        )
        return 2
    file = Path(path)
    try:
        source = file.read_text(encoding="utf-8")
    except OSError as error:
        print(f"error: cannot read {path}: {error.strerror or error}", file=sys.stderr)
        return EXIT_ERROR
    except UnicodeDecodeError:
        print(f"error: {path} is not a text file (UTF-8)", file=sys.stderr)
        return EXIT_ERROR
    session = Session(project=project or file.stem)
    try:
        Interpreter(session).execute(source)  # run echoes nothing but print()
    except TrackJammerError as error:
        print(f"{path}: {error.format()}", file=sys.stderr)
        return EXIT_ERROR
    return 0
