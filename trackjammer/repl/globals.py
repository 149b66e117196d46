"""The globals the REPL owns: show() draws a piano roll.

Registered here, not in the language, so the language never imports the REPL;
`trackjammer/globals.py` assembles every package's globals.
"""

from __future__ import annotations

from trackjammer.lang.builtins import HELP_FOOTER
from trackjammer.lang.globals_registry import builtin
from trackjammer.repl.keys import OVERVIEW
from trackjammer.session import Session
from trackjammer.repl.pianoroll import print_roll


@builtin("show", family="output")
def show_(session: Session, what, cycles=1):
    """Draw a piano roll of a pattern, signal, track or #[tracks] for
    `cycles` cycles from cycle 0: show(bass, 2). Notes are rows, time runs
    left to right, the shade is the velocity (░ soft … █ loud), CC lanes are
    sparklines; it is what export writes for those cycles, fitted to the
    terminal's width."""
    print_roll(session, what, cycles)



@builtin("watch", family="project")
def watch_(session: Session, path):
    """Evaluate a script now and every time it is saved, as if its changes
    were typed: watch("song.tj"). Only the statements whose text changed run
    again (and those using a name they bind); a save that does not parse
    changes nothing. unwatch() stops."""
    from trackjammer.repl.inbox import inbox_of  # start-up time: prompt_toolkit loads only with the REPL

    session.out(inbox_of(session).watch(str(path)))


@builtin("unwatch", family="project")
def unwatch_(session: Session, path=None):
    """Stop watching a script (or every script): unwatch("song.tj")."""
    from trackjammer.repl.inbox import inbox_of  # start-up time: prompt_toolkit loads only with the REPL

    session.out(inbox_of(session).unwatch(None if path is None else str(path)))


HELP_FOOTER.extend(OVERVIEW)  # help() ends with the REPL's keys in words
