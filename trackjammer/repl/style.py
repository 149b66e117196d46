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
    "toolbar.track.fallback": "fg:ansiyellow",
    "toolbar.recording": "fg:ansired bold",
    "toolbar.sync": "fg:ansicyan",
    "toolbar.sync.locked": "fg:ansigreen",
    "toolbar.sync.lost": "fg:ansiyellow bold",
    "toolbar.error": "fg:ansired",
    "validation-toolbar": "bg:ansired fg:ansiwhite",
    "syntax-error": "bg:ansired fg:ansiwhite",
    "completion-menu.meta.completion": "bg:ansibrightblack fg:ansiwhite",
    "completion-menu.meta.completion.current": "bg:ansiwhite fg:ansiblack",
}


def repl_style() -> Style:
    return merge_styles([style_from_pygments_dict(CODE), Style.from_dict(INTERFACE)])


# -- what the REPL prints: errors stand out ---------------------------------------------

RED, YELLOW, DIM, RESET = "\x1b[31m", "\x1b[33m", "\x1b[2m", "\x1b[0m"


def colour_lines(text: str) -> str:
    """Errors and their carets in red, warnings in yellow, hints dimmed; each
    line coloured whole, so its text stays as it is. Other lines as they are."""
    out = []
    for line in text.split("\n"):
        if line.startswith(("error:", "internal error")) or (line.strip() == "^" and line.startswith("  ")):
            out.append(RED + line + RESET)
        elif line.startswith("warning:"):
            out.append(YELLOW + line + RESET)
        elif line.startswith("hint:"):
            out.append(DIM + line + RESET)
        else:
            out.append(line)
    return "\n".join(out)
