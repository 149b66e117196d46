"""One input in, the text a performer sees out: echoes, prints and errors.

The REPL and the documentation's transcripts both go through `respond`, so
what the docs show is what the REPL prints.
"""

from __future__ import annotations

from typing import Callable

from trackjammer.errors import TrackJammerError
from trackjammer.lang.display import show
from trackjammer.lang.evaluator import InternalError, Interpreter


def respond(interpreter: Interpreter, text: str, write: Callable[[str], None]) -> bool:
    """Run `text`, writing each echoed value, print() output and any error.
    Returns False when the input failed."""
    session = interpreter.session
    saved, session.out = session.out, write
    try:
        interpreter.execute(text, echo=lambda value: write(show(value, session.seed)))
        return True
    except TrackJammerError as error:
        write(error.format())
        return False
    except InternalError as error:
        write(f"internal error ({error}): this is a bug in TrackJammer, not in your input.\n"
              "hint: please report it; what you typed before this still holds")
        return False
    finally:
        session.out = saved
