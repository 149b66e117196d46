"""The REPL's colours: code by pygments token, the status bar, the menu.

Kept to the 16 ANSI colours and attributes, so it reads on dark and light
terminals alike.
"""

from __future__ import annotations

from prompt_toolkit.styles import Style, merge_styles, style_from_pygments_dict
from pygments.token import Comment, Error, Keyword, Name, Number, Operator, Punctuation, String

CODE = {
    Keyword: "ansimagenta bold",
    Keyword.Constant: "ansimagenta",
    Name.Builtin: "ansicyan",
    Name.Function: "ansicyan",
    Name.Constant: "ansigreen bold",  # notes
    Name.Attribute: "ansiyellow",  # velocities ^80
    Number: "ansiyellow",
    String: "ansibrightgreen",
    String.Escape: "ansigreen bold",
    Comment: "ansibrightblack italic",
    Operator: "ansibrightmagenta",
    Punctuation: "",
    Error: "ansired underline",
}

INTERFACE = {
    "bottom-toolbar": "noreverse bg:ansiblack fg:ansiwhite",
    "toolbar.playing": "fg:ansigreen bold",
    "toolbar.stopped": "fg:ansiyellow bold",
    "toolbar.separator": "fg:ansibrightblack",
    "toolbar.track": "fg:ansiwhite",
    "toolbar.track.flash": "reverse bold",
    "toolbar.track.muted": "fg:ansibrightblack",
    "toolbar.recording": "fg:ansired bold",
    "toolbar.error": "fg:ansired",
    "validation-toolbar": "bg:ansired fg:ansiwhite",
    "syntax-error": "bg:ansired fg:ansiwhite",
    "completion-menu.meta.completion": "bg:ansibrightblack fg:ansiwhite",
    "completion-menu.meta.completion.current": "bg:ansiwhite fg:ansiblack",
}


def repl_style() -> Style:
    return merge_styles([style_from_pygments_dict(CODE), Style.from_dict(INTERFACE)])
