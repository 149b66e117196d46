"""When Enter evaluates, Alt-Enter, Ctrl-C, and the syntax marks while typing.

The keys are tested through prompt_toolkit itself: a PromptSession with the
REPL's bindings reads keystrokes from a pipe, as it reads a terminal.
"""

from __future__ import annotations

import pytest
from prompt_toolkit import PromptSession
from prompt_toolkit.document import Document
from prompt_toolkit.history import InMemoryHistory
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput
from prompt_toolkit.validation import ValidationError

from trackjammer.repl.key_bindings import Actions, repl_bindings
from trackjammer.repl.validator import SyntaxMarks, is_complete, offset_of

ENTER, ALT_ENTER, CTRL_C, CTRL_D, F1, F2, F3 = "\r", "\x1b\r", "\x03", "\x04", "\x1bOP", "\x1bOQ", "\x1bOR"


@pytest.mark.parametrize("text", [
    "", "let a = [C4 E4]", "a << [C4 [E4 G4]]; b << [C2]", 'print("[(")', "a << [<C4 E4> {C3 D3}%4]",
    "let a = f(1, (2))", "// a comment with [ and (\nlet a = 1", 'print("a \\" [")', "#[a, b]", "a << [C4]",
    "]", "f(]", "a << [<C4 E4 G4]", "a << [{C3 D3]",  # closers that match nothing: evaluated, so the error shows
])
def test_complete_inputs(text):
    assert is_complete(text)


@pytest.mark.parametrize("text", [
    "let a = [C4 E4", "a << [C4 [E4 G4]", "f(1, 2", "a << [<C4 E4", "a << [{C3 D3", 'print("abc',
    'print("a \\"', "let a = #[b,", "a << [C4 // not a comment inside a pattern", "a << [C4\n E4",
])
def test_incomplete_inputs(text):
    assert not is_complete(text)


def test_a_bind_operator_is_not_a_bracket_but_inside_a_pattern_lt_is():
    assert is_complete("a << b")
    assert not is_complete("a << [<")


def _typed(keys: str, actions: Actions | None = None, history: InMemoryHistory | None = None) -> str:
    """What prompt() returns after these keystrokes."""
    actions = actions or Actions(help=lambda: None, hush=lambda: None, panic=lambda: None)
    with create_pipe_input() as pipe:
        session = PromptSession(
            multiline=True, key_bindings=repl_bindings(actions), input=pipe, output=DummyOutput(),
            validator=SyntaxMarks(), validate_while_typing=True, history=history or InMemoryHistory(),
        )
        pipe.send_text(keys)
        return session.prompt()


def test_enter_evaluates_a_complete_input():
    assert _typed("let a = [C4 E4]" + ENTER) == "let a = [C4 E4]"


def test_enter_inside_brackets_inserts_a_newline_keeping_the_indentation():
    assert _typed("a << [C4" + ENTER + "  E4" + ENTER + "G4]" + ENTER) == "a << [C4\n  E4\n  G4]"


def test_enter_inside_a_string_inserts_a_newline():
    assert _typed('print("a' + ENTER + '")' + ENTER) == 'print("a\n")'


def test_alt_enter_always_inserts_a_newline():
    assert _typed("let a = 1" + ALT_ENTER + "let b = 2" + ENTER) == "let a = 1\nlet b = 2"


def test_an_input_with_a_syntax_error_is_still_evaluated():
    assert _typed("let a = [C4 X4]" + ENTER) == "let a = [C4 X4]"


def test_ctrl_c_clears_the_input_and_keeps_it_in_the_history():
    history = InMemoryHistory()
    assert _typed("let a = [C4" + CTRL_C + "let b = 2" + ENTER, history=history) == "let b = 2"
    assert list(history.load_history_strings()) == ["let b = 2", "let a = [C4"]


def test_ctrl_d_on_an_empty_line_ends_the_prompt():
    with pytest.raises(EOFError):
        _typed(CTRL_D)


def test_the_function_keys_call_help_hush_and_panic():
    called: list[str] = []
    actions = Actions(help=lambda: called.append("help"), hush=lambda: called.append("hush"),
                      panic=lambda: called.append("panic"))
    assert _typed(F1 + F2 + F3 + "1" + ENTER, actions) == "1"
    assert called == ["help", "hush", "panic"]


def test_the_validator_marks_the_first_syntax_error_of_a_complete_input():
    with pytest.raises(ValidationError) as caught:
        SyntaxMarks().validate(Document("let a = 1;\nlet b = [C4 X4]"))
    assert caught.value.message.startswith("line 2, column 13: expected a note")
    assert caught.value.cursor_position == offset_of("let a = 1;\nlet b = [C4 X4]", 2, 13) == 23


@pytest.mark.parametrize("text", ["let a = [C4 E4]", "let a = [C4 X4", "", "x" * 5000 + " 1"])
def test_the_validator_is_quiet_for_valid_incomplete_and_huge_inputs(text):
    SyntaxMarks().validate(Document(text))
