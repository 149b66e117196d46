"""Syntax highlighting of TrackJammer code, as a pygments lexer.

Registered as the pygments plugin `trackjammer` (pyproject.toml), so
`pygmentize -l trackjammer song.tj` works; the REPL highlights with it.

Two states: script code (keywords, names, built-ins, numbers, strings,
comments, operators) and the mini-notation inside a pattern literal `[ ]`
(notes, numbers, velocities `^80`, and the operators of the notation). The
built-in names come from the language's registry, read when first needed,
so importing this module stays cheap.
"""

from __future__ import annotations

import re
from functools import lru_cache

from pygments.lexer import RegexLexer, bygroups, include
from pygments.token import Comment, Keyword, Name, Number, Operator, Punctuation, String, Whitespace
from trackjammer.core.drums import DRUMS
from trackjammer.lang.builtins import help_entries

KEYWORDS = {"let"}
CONSTANTS = {"true", "false", "none"}
SCRIPT_NOTE = re.compile(r"[a-gA-G](#|[bBsSfF])*-?\d+$")  # C3, Eb2, ef4: a note name used as a value


@lru_cache(maxsize=1)
def builtin_names() -> frozenset[str]:
    """Every global the language starts with (from the one help index)."""
    return frozenset(name for name in help_entries() if "." not in name)


def _name(lexer: RegexLexer, match: re.Match) -> object:
    word = match.group(0)
    if word in KEYWORDS:
        kind = Keyword.Declaration
    elif word in CONSTANTS:
        kind = Keyword.Constant
    elif word in builtin_names():
        kind = Name.Builtin
    elif SCRIPT_NOTE.match(word):
        kind = Name.Constant
    else:
        kind = Name
    yield match.start(), kind, word


def _drum_names() -> str:
    """A regex of every drum name, longest first, whole words only, any case."""
    names = sorted(DRUMS, key=len, reverse=True)
    return "(?i:" + "|".join(re.escape(n) for n in names) + r")(?![A-Za-z0-9_#])"


class TrackJammerLexer(RegexLexer):
    """TrackJammer scripts (.tj) and REPL input."""

    name = "TrackJammer"
    aliases = ["trackjammer", "tj"]
    filenames = ["*.tj"]
    mimetypes = ["text/x-trackjammer"]

    tokens = {
        "common": [
            (r"\s+", Whitespace),
            (r"//[^\n]*", Comment.Single),
        ],
        "root": [
            include("common"),
            (r'"', String.Double, "string"),
            (r"#\[", Punctuation),
            (r"\[", Punctuation, "pattern"),
            (r"(\.)([A-Za-z_][A-Za-z0-9_]*)", bygroups(Punctuation, Name.Function)),
            (r"[A-Za-z_][A-Za-z0-9_]*", _name),
            (r"\d+(\.\d+)?([eE][-+]?\d+)?", Number),
            (r"<<|[=+\-*/:?]", Operator),
            (r"[()\],;]", Punctuation),
        ],
        "string": [
            (r'\\["\\nt]', String.Escape),
            (r'[^"\\\n]+', String.Double),
            (r'"', String.Double, "#pop"),
            (r"\n", Whitespace, "#pop"),  # strings end at the line's end: the parser says so
            (r"\\", String.Double),
        ],
        "pattern": [
            include("common"),
            (r"\[", Punctuation, "#push"),
            (r"\]", Punctuation, "#pop"),
            (r"(\^)(-?\d+(\.\d+)?)", bygroups(Operator, Name.Attribute)),
            (r"[a-gA-G](#|[bBsSfF])*(-?\d+)?(?![A-Za-z0-9_#])", Name.Constant),
            (_drum_names(), Name.Constant),  # General MIDI drum names: bd sd hh (core/drums.py)
            (r"-?\d+(\.\d+)?([eE][-+]?\d+)?(?![A-Za-z_])", Number),
            (r"!\d*|[@_](\d+(\.\d+)?)?|\?(\d*\.\d+|\d+)?", Operator),
            (r"\.\.|[*/_<>{}(),|~\-.%]", Operator),
        ],
    }
