"""The REPL's keys.

- Enter evaluates when the input is complete (validator.is_complete), else
  inserts a newline (keeping the line's indentation); with a completion
  chosen in the menu it takes the completion.
- Alt-Enter (Esc Enter) always inserts a newline.
- F5 toggles block mode, for writing a block of several lines before any
  of it runs: Enter always inserts a newline, Alt-Enter (or Ctrl-Enter,
  where the terminal sends it apart from Enter) runs the block.
- Ctrl-C clears the input (kept in the history, so Up brings it back); it
  never exits and never stops the music.
- Ctrl-D on an empty line exits (prompt_toolkit's own binding).
- F1 help, F2 hush, F3 panic: what `help()`, `hush()` and `panic()` do.
- F4 undo: runs `undo()` as an input (logged, quantized like any change).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from prompt_toolkit.buffer import Buffer
from prompt_toolkit.filters import Condition, has_focus
from prompt_toolkit.input.ansi_escape_sequences import ANSI_SEQUENCES
from prompt_toolkit.key_binding import KeyBindings, KeyPressEvent
from prompt_toolkit.keys import Keys

from trackjammer.repl.keys import BLOCK_KEY, HELP_KEY, HUSH_KEY, PANIC_KEY, UNDO_KEY
from trackjammer.repl.validator import is_complete


# Ctrl-Enter, where the terminal tells it from Enter (CSI u, as kitty, foot
# and WezTerm send it): read as a key of its own. (xterm's modifyOtherKeys
# form prompt_toolkit already reads as Enter.)
CTRL_ENTER = Keys.F24  # no keyboard of a performer sends F24 itself
ANSI_SEQUENCES.setdefault("\x1b[13;5u", CTRL_ENTER)


class BlockMode:
    """Whether Enter adds lines (block mode) or runs a complete input."""

    def __init__(self) -> None:
        self.on = False

    def toggle(self) -> None:
        self.on = not self.on

    def mark(self) -> list[tuple[str, str]]:
        """The status bar's mark while block mode is on (first: never cut off)."""
        return [("class:toolbar.block", " BLOCK: Alt-Enter runs "), ("class:toolbar.separator", "│")] if self.on else []


@dataclass
class Actions:
    """What the function keys do (the app supplies them)."""

    help: Callable[[], None]
    hush: Callable[[], None]
    panic: Callable[[], None]
    block: BlockMode = field(default_factory=BlockMode)
    undo: Callable[[], None] | None = None


def accept(buffer: Buffer) -> None:
    """Accept the input as it is: a syntax error is evaluated (and reported
    with its caret) rather than held back by the validator."""
    buffer.validation_error = None
    keep = buffer.accept_handler(buffer) if buffer.accept_handler else False
    buffer.append_to_history()
    if not keep:
        buffer.reset()


def newline(buffer: Buffer) -> None:
    line = buffer.document.current_line_before_cursor
    indent = line[: len(line) - len(line.lstrip(" "))]
    buffer.insert_text("\n" + indent)


def repl_bindings(actions: Actions, default_buffer: str = "DEFAULT_BUFFER") -> KeyBindings:
    bindings = KeyBindings()
    focused = has_focus(default_buffer)
    block = Condition(lambda: actions.block.on)

    @bindings.add("enter", filter=focused)
    def _enter(event: KeyPressEvent) -> None:
        buffer = event.current_buffer
        state = buffer.complete_state
        if state is not None and state.current_completion is not None:
            buffer.apply_completion(state.current_completion)
            return
        if is_complete(buffer.text) and not actions.block.on:
            accept(buffer)
        else:
            newline(buffer)

    @bindings.add("escape", "enter", filter=focused & ~block)
    def _newline(event: KeyPressEvent) -> None:
        newline(event.current_buffer)

    @bindings.add("escape", "enter", filter=focused & block)
    @bindings.add(CTRL_ENTER, filter=focused)
    def _run_block(event: KeyPressEvent) -> None:
        if event.current_buffer.text.strip():
            accept(event.current_buffer)

    @bindings.add(BLOCK_KEY)
    def _block(event: KeyPressEvent) -> None:
        actions.block.toggle()
        event.app.invalidate()

    @bindings.add("c-c", filter=focused)
    def _clear(event: KeyPressEvent) -> None:
        buffer = event.current_buffer
        if buffer.text.strip():
            buffer.append_to_history()
        buffer.reset()

    @bindings.add(HELP_KEY)
    def _help(event: KeyPressEvent) -> None:
        actions.help()

    @bindings.add(HUSH_KEY)
    def _hush(event: KeyPressEvent) -> None:
        actions.hush()

    @bindings.add(PANIC_KEY)
    def _panic(event: KeyPressEvent) -> None:
        actions.panic()

    @bindings.add(UNDO_KEY, filter=Condition(lambda: actions.undo is not None))
    def _undo(event: KeyPressEvent) -> None:
        actions.undo()

    @bindings.add(Keys.SIGINT)
    def _sigint(event: KeyPressEvent) -> None:  # kill -INT: like Ctrl-C, never an exit
        event.app.current_buffer.reset()

    return bindings
