"""A string where a pattern is expected is mini-notation, as in Strudel.

`bass << "C2 E2 G2"`, `.fast("<1 2>")`, `cat("C4 E4", "G4")`: the text means
what it means between brackets. A string the script wrote knows where it
was written (`Text`), so a mistake inside it is reported at its own line
and column. Words that mini-notation cannot read and that are not shaped
like notes (`"major"`, `"C3:minor"`) stay names: a pattern of names, for
an argument that takes names (`scale(cat("major", "minor"))`).
"""

from __future__ import annotations

import re
from typing import Any

from trackjammer.core.constructors import pure
from trackjammer.core.pattern import Pattern
from trackjammer.core.registry import read_text_with
from trackjammer.errors import TrackJammerError

NAMES = re.compile(r"[A-Za-z][\w:]*( [A-Za-z][\w:]*)*")
NOTE_SHAPED = re.compile(r"[a-gA-G](#|[bBsS]){0,2}-?\d*")


class Text(str):
    """A string from the script, with the place of its first character
    (`line`, `column`) in `source`, the input it was written in. `escaped`:
    it held escapes, so columns inside it no longer match the source."""

    def __new__(cls, value: str, line: int, column: int, source: str | None, escaped: bool = False):
        text = super().__new__(cls, value)
        text.line, text.column, text.source, text.escaped = line, column, source, escaped
        return text

    def __reduce__(self):
        return (str, (str(self),))  # copied or sent elsewhere, it is a plain string


def read_text(text: Any) -> Any:
    """A string read as mini-notation, or as it is when it is a name; errors
    point into the script where the string was written. Other values are
    given back as they are."""
    if not isinstance(text, str):
        return text
    from trackjammer.lang.mini_parser import parse_mini  # start-up time: lark loads with the first string read
    from trackjammer.lang.mini_patterns import build  # start-up time: as parse_mini

    line, column = getattr(text, "line", 1), getattr(text, "column", 1)
    try:
        return build(parse_mini(str(text), line, column, closer='"'))
    except TrackJammerError as error:
        if NAMES.fullmatch(text) and not any(NOTE_SHAPED.fullmatch(word) for word in text.split(" ")):
            return str(text)
        if isinstance(text, Text):
            if text.escaped or error.line != line:
                error.line, error.column = line, column - 1  # at the opening quote
            error.source = text.source
        raise


def read_pattern(text: str) -> Pattern:
    """`text` as a pattern: of its notes, or of the one name it is."""
    read = read_text(text)
    return pure(read) if isinstance(read, str) else read


read_text_with(read_text)
