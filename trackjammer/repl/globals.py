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


HELP_FOOTER.extend(OVERVIEW)  # help() ends with the REPL's keys in words
