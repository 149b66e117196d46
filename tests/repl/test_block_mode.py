"""Block mode (F5): Enter adds lines, Alt-Enter or Ctrl-Enter runs the
block; through prompt_toolkit's key processing, and in the real REPL."""

from __future__ import annotations

from tests.repl.test_door import quit_repl
from tests.repl.test_input import ALT_ENTER, CTRL_C, ENTER, _typed
from tests.repl.test_repl_e2e import spawn
from trackjammer.repl.key_bindings import BlockMode

F5 = "\x1b[15~"
CTRL_ENTER = "\x1b[13;5u"  # CSI u: kitty, foot, WezTerm


def test_in_block_mode_enter_adds_lines_and_alt_enter_runs():
    assert _typed(F5 + "let a = [C4];" + ENTER + "print(a)" + ENTER + ALT_ENTER) == "let a = [C4];\nprint(a)\n"


def test_ctrl_enter_runs_the_block_where_the_terminal_sends_it():
    assert _typed(F5 + "print(1);" + ENTER + "print(2)" + CTRL_ENTER) == "print(1);\nprint(2)"


def test_f5_again_gives_enter_back():
    assert _typed(F5 + F5 + "print(1)" + ENTER) == "print(1)"


def test_the_status_bar_mark_comes_first_while_block_mode_is_on():
    block = BlockMode()
    assert block.mark() == []
    block.toggle()
    assert block.mark() == [("class:toolbar.block", " BLOCK: Alt-Enter runs "), ("class:toolbar.separator", "│")]


def test_block_mode_in_the_repl(tmp_path):
    child = spawn(tmp_path, "--no-midi", "--no-listen", "--project", "b")
    try:
        child.send(F5)
        child.send("print(1 * 999);" + ENTER)  # a complete input, but only a new line
        child.send(CTRL_C)  # cleared: it never ran
        child.send("let x = 7;" + ENTER + "print(x * 111)" + ALT_ENTER)
        child.expect_exact("777")
        child.send(F5)  # back: Enter runs
        child.send("print(x * 1000)" + ENTER)
        child.expect_exact("7000")
    finally:
        quit_repl(child)
    log = next((tmp_path / "sessions" / "b").glob("*.tj")).read_text().splitlines()
    assert log[1:] == ["let x = 7;", "print(x * 111);", "print(x * 1000);"]
