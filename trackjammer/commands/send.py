"""`trackjammer send [FILE|-]`: code from an editor to the running REPL.

The REPL evaluates it as if it had been typed (repl/door.py carries it,
repl/inbox.py runs it on the REPL's thread) and answers with what it
printed: printed here too, on standard output, and on standard error when
the code had an error, so an editor can show it. Exit status: 0 when it
ran, 1 on an error in the code, 2 when no REPL could be reached.
"""

from __future__ import annotations

import sys
from pathlib import Path

from trackjammer.repl.door import DoorError, send_code

EXIT_OK, EXIT_ERROR, EXIT_UNREACHED = 0, 1, 2
STDIN = "-"


def run_send(path: str, project: str | None = None, tcp_port: int | None = None) -> int:
    shown = "<stdin>" if path == STDIN else path
    try:
        code = sys.stdin.buffer.read().decode("utf-8") if path == STDIN else Path(path).read_text(encoding="utf-8")
    except OSError as error:
        print(f"error: cannot read {shown}: {error.strerror or error}", file=sys.stderr)
        return EXIT_UNREACHED
    except UnicodeDecodeError:
        print(f"error: {shown} is not text (UTF-8)", file=sys.stderr)
        return EXIT_UNREACHED
    if not code.strip():
        return EXIT_OK  # an empty paragraph: nothing to run
    try:
        ok, output = send_code(code, project, tcp_port)
    except DoorError as error:
        print(error.format(), file=sys.stderr)
        return EXIT_UNREACHED
    except OSError as error:
        print(f"error: cannot reach the REPL: {error.strerror or error}\n"
              "hint: is it running, with --listen tcp:PORT on that port?", file=sys.stderr)
        return EXIT_UNREACHED
    if output:
        print(output, file=sys.stdout if ok else sys.stderr)
    return EXIT_OK if ok else EXIT_ERROR
