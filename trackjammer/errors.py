"""The errors a user can cause, and how they are shown.

Every error the language, the pattern engine or export raises for bad input
is a TrackJammerError: a message, an optional hint, and where it happened
(line and column, 1-based, in `source`). `format()` draws the source line
with a caret under the column, so every front end shows errors the same way.
"""

from __future__ import annotations


class TrackJammerError(Exception):
    """Base of every error caused by what the user wrote."""

    def __init__(
        self,
        message: str,
        *,
        hint: str | None = None,
        line: int | None = None,
        column: int | None = None,
        source: str | None = None,
    ):
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.line = line
        self.column = column
        self.source = source

    def at(self, line: int, column: int, source: str | None = None) -> TrackJammerError:
        """Fill in the position if it is not known yet (returns self)."""
        if self.line is None:
            self.line, self.column = line, column
        if self.source is None:
            self.source = source
        return self

    def format(self) -> str:
        where = "" if self.line is None else f"line {self.line}, column {self.column}: "
        lines = [f"error: {where}{self.message}"]
        if self.source is not None and self.line is not None:
            source_lines = self.source.splitlines() or [""]
            if 1 <= self.line <= len(source_lines):
                text = source_lines[self.line - 1]
                lines.append("  " + text)
                lines.append("  " + " " * max(self.column - 1, 0) + "^")
        if self.hint:
            lines.append(f"hint: {self.hint}")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.message


class ArgumentError(TrackJammerError):
    """A function was given the wrong number or kind of arguments."""


class MiniNotationError(TrackJammerError):
    """A pattern literal could not be read."""
