"""The REPL's keys, in words: one place for the welcome line and help().

No prompt_toolkit here, so `help()` can say them anywhere (also under
`trackjammer run`) without loading the REPL.
"""

from __future__ import annotations

HELP_KEY, HUSH_KEY, PANIC_KEY = "f1", "f2", "f3"
UNDO_KEY = "f4"  # undo(): what played before the last change
BLOCK_KEY = "f5"  # block mode on or off

WELCOME = "Keys: F1 help · F2 hush · F3 panic · F4 undo · F5 block mode · Tab completes · Alt-Enter new line · Ctrl-C clear · Ctrl-D quit"

OVERVIEW = (
    "In the REPL: F1 help · F2 hush() · F3 panic() · F4 undo() · Enter runs a complete input (else a new line) ·",
    "Alt-Enter new line · Tab completes · Ctrl-R searches the history · Ctrl-C clears the input ·",
    "Ctrl-D on an empty line quits",
    "F5 block mode: Enter adds lines, Alt-Enter (or Ctrl-Enter) runs the block",
)
