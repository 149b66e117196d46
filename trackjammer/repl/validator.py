"""When Enter evaluates, and where a syntax error is marked while typing.

`is_complete` is the rule of the Enter key: an input is complete when its
brackets are balanced and it does not end inside a string. Brackets in
comments and strings do not count; inside a pattern literal `< >` and
`{ }` are brackets too (in script code `<<` is an operator). A closing
bracket that matches nothing makes the input complete: evaluating it is
the quickest way to the error message.

`SyntaxMarks` is a prompt_toolkit validator run while typing (never when
accepting: an input with an error is still evaluated, so the statements
before the error take effect and the error prints with its caret). It only
parses complete inputs of modest size, so it stays cheap.
"""

from __future__ import annotations

from prompt_toolkit.document import Document
from prompt_toolkit.layout.utils import explode_text_fragments
from prompt_toolkit.layout.processors import Processor, Transformation, TransformationInput
from prompt_toolkit.validation import ValidationError, Validator

from trackjammer.errors import TrackJammerError

PAIRS = {"(": ")", "[": "]", "{": "}", "<": ">"}
SCRIPT_OPENERS = {"(", "["}
MAX_CHECKED = 4000  # characters: beyond that, leave syntax to evaluation


def open_brackets(text: str) -> tuple[list[str], bool]:
    """The brackets still open at the end of `text`, and whether it ends
    inside a string. An unmatched closer empties the stack (the input is
    wrong; let the parser say how)."""
    stack: list[str] = []
    in_string = False
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if in_string:
            if ch == "\\":
                i += 2
                continue
            if ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch == "/" and text.startswith("//", i) and not _in_pattern(stack):
            end = text.find("\n", i)
            i = n if end < 0 else end
            continue
        elif ch in PAIRS and (ch in SCRIPT_OPENERS or _in_pattern(stack)):
            if ch == "<" and text.startswith("<<", i) and not _in_pattern(stack):
                i += 2
                continue
            stack.append(ch)
        elif ch in PAIRS.values() and (ch in (")", "]") or _in_pattern(stack)):
            if stack and PAIRS[stack[-1]] == ch:
                stack.pop()
            else:
                return [], False
        i += 1
    return stack, in_string


def _in_pattern(stack: list[str]) -> bool:
    """Inside a pattern literal: under a `[` (script arrays `#[` count too;
    they hold no `<` or `{` of their own, so nothing is misread)."""
    return "[" in stack


def is_complete(text: str) -> bool:
    """Enter evaluates `text` (True) or inserts a newline (False)."""
    stack, in_string = open_brackets(text)
    return not stack and not in_string


def syntax_error_at(text: str) -> TrackJammerError | None:
    """The syntax error of a complete input, or None (also when unchecked)."""
    if len(text) > MAX_CHECKED or not text.strip() or not is_complete(text):
        return None
    from trackjammer.lang.parser import parse_program  # start-up time: the parser loads after the prompt is up

    try:
        parse_program(text)
    except TrackJammerError as error:
        return error
    except Exception:  # noqa: BLE001 - a parser bug: evaluation will report it; no mark here
        return None
    return None


def offset_of(text: str, line: int, column: int) -> int:
    """The index in `text` of a 1-based line and column."""
    lines = text.split("\n")
    line = max(1, min(line, len(lines)))
    before = sum(len(row) + 1 for row in lines[: line - 1])
    return min(len(text), before + max(column - 1, 0))


class SyntaxMarks(Validator):
    """Marks the first syntax error of a complete input while typing."""

    def validate(self, document: Document) -> None:
        error = syntax_error_at(document.text)
        if error is None:
            return
        where = "" if error.line is None else f"line {error.line}, column {error.column}: "
        position = 0 if error.line is None else offset_of(document.text, error.line, error.column or 1)
        raise ValidationError(cursor_position=position, message=f"{where}{error.message}")


class ErrorMark(Processor):
    """Underlines the character where the validator found the syntax error."""

    def apply_transformation(self, ti: TransformationInput) -> Transformation:
        error = ti.buffer_control.buffer.validation_error
        if error is None or not ti.document.text:
            return Transformation(ti.fragments)
        row, column = ti.document.translate_index_to_position(min(error.cursor_position, len(ti.document.text)))
        if row != ti.lineno:
            return Transformation(ti.fragments)
        fragments = explode_text_fragments(ti.fragments)
        if column < len(fragments):
            style, text, *rest = fragments[column]
            fragments[column] = (style + " class:syntax-error", text, *rest)
        else:
            fragments.append(("class:syntax-error", " "))
        return Transformation(fragments)
