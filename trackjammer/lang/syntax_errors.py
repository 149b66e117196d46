"""Lark's parse errors → TrackJammer errors a musician can read.

Lark reports the terminal names it would have accepted; we say them in
words ("expected a note, a number or ']'"), with the line and column.
"""

from __future__ import annotations

import re
from typing import Any

from lark import Lark, Token, UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from trackjammer.core.drums import drum_number
from trackjammer.errors import TrackJammerError
from trackjammer.lang.foreign_syntax import foreign_hint

MODIFIER = "a modifier (* / ! _ @ ? ^ or (k,n))"
OPERATOR = "an operator (+ - * /)"

# Terminal → words, in the order they are listed in a message.
WORDS: dict[str, str] = {
    "NOTE": "a note",
    "NUMBER": "a number",
    "REST": "a rest (~)",
    "NAME": "a name",
    "STRING": "a string",
    "TRUE": "true",
    "FALSE": "false",
    "NONE": "none",
    "LSQB": "'['",
    "LESSTHAN": "'<'",
    "LBRACE": "'{'",
    "STAR": MODIFIER,
    "SLASH": MODIFIER,
    "REPLICATE": MODIFIER,
    "ELONGATE": MODIFIER,
    "WEIGHT": MODIFIER,
    "DEGRADE": MODIFIER,
    "CARET": MODIFIER,
    "RANGE": "'..'",
    "PERCENT": "'%'",
    "DOTNAME": "a method call (.name)",
    "BIND": "'<<'",
    "EQUALS": "'='",
    "HASH_LSQB": "an array #[...]",
    "LET": "let",
    "PLUS": OPERATOR,
    "MINUS": OPERATOR,
    "TIMES": OPERATOR,
    "DIVIDE": OPERATOR,
    "COLON": "':'",
    "LPAR": "'('",
    "COMMA": "','",
    "BAR": "'|'",
    "DOT": "'.'",
    "RSQB": "']'",
    "MORETHAN": "'>'",
    "RBRACE": "'}'",
    "RPAR": "')'",
    "RSQB_ARRAY": "']'",
    "SEMI": "';'",
    "$END": "the end of the input",
}


def _plain(name: str) -> str:
    return name.rsplit("__", 1)[-1]


GROUP = "a group ([ < {)"
SEPARATORS = {
    "'..'", "'%'", "','", "'|'", "'.'", MODIFIER, OPERATOR, "a method call (.name)", "':'", "'<<'", "';'",
    "an array #[...]", "let", "true", "false", "none", "a string",
}


VALUE = "a value (a number, a name, a string, a pattern [...] or an array #[...])"
STATEMENT = "a statement (let name = value, or a value such as a number, a name, a string or a pattern [...])"
VALUE_STARTS = {"NUMBER", "NAME", "STRING", "TRUE", "FALSE", "NONE", "LSQB", "HASH_LSQB", "LPAR"}


def expected_in_words(expected: set[str], end_word: str | None = None) -> str:
    """'a note, a number or ']'' from a set of terminal names."""
    plain = {_plain(name) for name in expected}
    if "LET" in plain:
        return STATEMENT
    if {"NAME", "NUMBER", "STRING"} <= plain:
        # Where a script value may start, say so once rather than list its forms.
        rest = expected_in_words({n for n in plain if n not in VALUE_STARTS and n != "MINUS"}, end_word)
        return VALUE if rest == "something else" else f"{VALUE}, or {rest}"
    words: list[str] = []
    for name, word in WORDS.items():
        if name in plain:
            if name == "$END" and end_word is not None:
                word = end_word
            if word not in words:
                words.append(word)
    if len(words) > 6:
        # Too many to read: name the groups once and leave out what may
        # merely continue what was written.
        words = [GROUP if w in ("'['", "'<'", "'{'") else w for w in words if w not in SEPARATORS]
        words = list(dict.fromkeys(words))
    if not words:
        return "something else"
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1]


def syntax_error(
    error: UnexpectedInput,
    text: str,
    error_class: type[TrackJammerError],
    line: int = 1,
    column: int = 1,
    end_word: str | None = None,
    parser: Lark | None = None,
) -> TrackJammerError:
    """Build `error_class` for a lark error in `text` (which starts at line/column).
    Given the `parser`, an unexpected character is explained by what the
    parser really accepts there (the lexer's own list is too broad)."""
    end = len(text.rstrip())  # the input ended: right after its last character (not on the empty line a file ends with)
    if isinstance(error, UnexpectedEOF):
        where, expected, found = end, set(error.expected), "the input ended"
    elif isinstance(error, UnexpectedToken):
        at_end = error.token.type == "$END"
        where = end if at_end else error.token.start_pos
        expected = set(error.expected)
        found = "the input ended" if at_end else f"found '{error.token}'"
    elif isinstance(error, UnexpectedCharacters):
        where = error.pos_in_stream
        expected = set(error.allowed or ())
        found = f"found '{text[where]}'"
    else:  # pragma: no cover - lark has no other kinds today
        where, expected, found = 0, set(), "this could not be read"
    expected = _accepts_before(parser, text[:where]) or {str(name) for name in expected}
    before = text[:where]
    rel_line = before.count("\n")
    rel_column = where - (before.rfind("\n") + 1)
    message = f"expected {expected_in_words(expected, end_word)}; {found}"
    return error_class(
        message,
        line=line + rel_line,
        column=(column if rel_line == 0 else 1) + rel_column,
        source=None,
        hint=_hint(text, where, {_plain(name) for name in expected}),
    )


def _accepts_before(parser: Lark | None, prefix: str) -> set[str]:
    """The terminals the parser would take after `prefix`.

    Lark's own `accepts()` skips namespaced terminals (`mini__NOTE` is not
    upper case), so we test each candidate the same way it does.
    """
    if parser is None:
        return set()
    try:
        interactive = parser.parse_interactive(prefix)
        interactive.exhaust_lexer()
        terminals = {str(t.name) for t in parser.terminals} | {"$END"}
        accepted = set()
        for name in interactive.choices():
            if str(name) not in terminals:
                continue
            trial = _trial_copy(interactive)
            try:
                trial.feed_token(Token(str(name), ""))
            except UnexpectedToken:
                continue
            accepted.add(str(name))
        return accepted
    except (UnexpectedInput, RecursionError):  # lark's own list of what it expected will do
        return set()


def _trial_copy(interactive: Any) -> Any:
    """A copy to feed one token to. Only its states matter, so the trees read
    so far are shared, not deep-copied (that recursed once per bracket);
    lark before 1.2 can only deep-copy."""
    try:
        return interactive.copy(deepcopy_values=False)
    except TypeError:
        return interactive.copy()


def _hint(text: str, where: int, expected: set[str]) -> str | None:
    found = text[where:where + 1]
    line_start = text.rfind("\n", 0, where) + 1
    foreign = foreign_hint(text, where, expected)
    if foreign is not None:
        return foreign
    if found == "=" and text[where:where + 2] != "==":
        return "to give a value a name, write: let name = value"
    if found == "#" and text[where:where + 2] != "#[":
        return "comments start with //"
    if found == ":":  # Tidal's and Strudel's bd:3, the fourth sample of a folder
        word = re.search(r"[A-Za-z]\w*$", text[line_start:where])
        if word and drum_number(word.group()) is not None:
            return (f"{word.group()}:N picks a sample in Tidal and Strudel; on MIDI a drum is one note, its name alone:"
                    f" {word.group()} (another sound is another name: bd sd hh oh cp rim lt mt ht cr rd)")
    if found == '"':
        line_end = text.find("\n", where)
        if '"' not in text[where + 1:line_end if line_end >= 0 else len(text)]:
            return 'a string needs its closing "'
        if "NOTE" in expected:  # a closed string inside a pattern
            return "a pattern holds notes, numbers and rests, not strings: [40 100 ~]"
    if found and found in "<{" and "LSQB" in expected:  # mini-notation outside a pattern (Strudel writes a string)
        example = _bracketed(text, where) or ("<1 2>" if found == "<" else "{C4 E4, G4}")
        return f"mini-notation goes inside a pattern's [ ] or a string: [{example}] or \"{example}\""
    if "SEMI" in expected and (found.isalpha() or found == "_"):
        if line_start > 0 and not text[line_start:where].strip():
            return "is a ';' missing at the end of the line before?"
        return "is a ';' missing before it?"
    if found.isalpha() and "NOTE" in expected:
        return "notes are written A to G with an optional # or b and an octave: C4, f#3, Eb2"
    brackets = text.replace("<<", "")  # the bind arrow is not a bracket
    for opening, closing in ("[]", "<>", "{}", "()"):
        if brackets.count(opening) != brackets.count(closing):
            return f"check that every '{opening}' has its '{closing}'"
    return None


def _bracketed(text: str, where: int, longest: int = 40) -> str | None:
    """The group opening at `where` up to its closing bracket, on its line and
    short enough to show in a hint; None otherwise."""
    depth = 0
    for end in range(where, min(len(text), where + longest)):
        char = text[end]
        if char == "\n":
            return None
        if char in "<{[":
            depth += 1
        elif char in ">}]":
            depth -= 1
            if depth == 0:
                return text[where:end + 1]
    return None
