"""Mini-notation text → mini AST. Lark's types never leave this module.

Errors become MiniNotationError with the line and column of the problem and
what would have been accepted there, in a musician's words.
"""

from __future__ import annotations

import re
import sys
from difflib import get_close_matches
from fractions import Fraction
from functools import lru_cache
from pathlib import Path

from lark import Lark, Token, Transformer, UnexpectedInput
from lark.exceptions import VisitError

from trackjammer.core.drums import DRUMS, drum_number
from trackjammer.core.theory import note_number
from trackjammer.core.tonal_names import rooted_chord_hint
from trackjammer.errors import MiniNotationError, TrackJammerError
from trackjammer.lang import mini_ast as ast
from trackjammer.lang.grammar_cache import cached_parser
from trackjammer.lang.syntax_errors import syntax_error

GRAMMAR = Path(__file__).with_name("mini.lark")

def _pos(token: Token, line: int, column: int) -> ast.Pos:
    """Position in the user's source: `line`/`column` is where the text starts."""
    if token.line == 1:
        return ast.Pos(line, column + token.column - 1)
    return ast.Pos(line + token.line - 1, token.column)


RHYTHM_WORDS = {"t", "x", "true"}  # what Strudel's rhythms are written with
WORDS = re.compile(r"[A-Za-z_]\w*")
NOTES = re.compile(r"(?<![\w.])[A-Ga-g](?:#|b|s)?(?:-?\d)?(?!\w)")  # C4, f#3, Eb2, C-1, c
NOTE_SLIP = re.compile(r"[A-Za-z][#b]?-?\d?")  # what a mistyped note looks like (not a word such as `verse`)
NOTES_HINT = "notes are written A to G with an optional # or b and an octave: C4, f#3, Eb2"


def _enclosing(text: str, at: int) -> str:
    """The innermost [ ] group of `text` around position `at` (the whole text
    when there is none: a string's pattern has no brackets around it)."""
    depth, start = 0, 0
    for index in range(min(at, len(text)) - 1, -1, -1):
        if text[index] == "]":
            depth += 1
        elif text[index] == "[":
            if depth == 0:
                start = index
                break
            depth -= 1
    depth, end = 0, len(text)
    for index in range(start, len(text)):
        depth += {"[": 1, "]": -1}.get(text[index], 0)
        if depth == 0 and text[start] == "[":
            end = index + 1
            break
    return text[start:end]


class MiniToAst(Transformer):
    """Lark tree → mini AST (also used for literals inside scripts)."""

    def __init__(self, line: int = 1, column: int = 1, text: str = ""):
        super().__init__()
        self.line, self.column = line, column
        self.text = text  # the whole pattern: what else it holds tells what a bad word was meant to be

    def pos(self, token: Token) -> ast.Pos:
        return _pos(token, self.line, self.column)

    # values
    def note(self, children):
        (token,) = children
        try:
            return ast.Atom(note_number(str(token)), str(token), self.pos(token))
        except ValueError as error:
            position = self.pos(token)
            raise MiniNotationError(
                str(error), hint="MIDI notes run from C-1 (0) to G9 (127)", line=position.line, column=position.column
            ) from None

    def word(self, children):
        (token,) = children
        text = str(token)
        number = drum_number(text)
        if number is not None:
            return ast.Atom(number, text, self.pos(token))
        position = self.pos(token)
        close = get_close_matches(text.lower(), DRUMS, n=1)
        around = _enclosing(self.text, token.start_pos) if self.text else text
        if all(word.lower() in RHYTHM_WORDS for word in WORDS.findall(around)):
            # Strudel's struct("t ~ t t") and struct("x ~ x x"): nothing in the pattern but its steps
            hint = "a rhythm (struct, mask) is written with 1 for a step and ~ for none: struct([1 ~ 1 1])"
        elif (chord := rooted_chord_hint(text)) is not None:  # Strudel's chord("<Am7 Dm7>"): a chord symbol
            hint = chord
        elif not close and NOTE_SLIP.fullmatch(text) and NOTES.search(around):  # a slip among notes: X, H4
            hint = NOTES_HINT
        else:
            hint = (f"did you mean '{close[0]}'? " if close else "") + (
                "drums are General MIDI names such as bd sd hh oh cp rim lt mt ht cr rd (docs/language.md)")
        raise MiniNotationError(
            f"expected a note, a number, a drum name or a rest (~); found '{text}'",
            hint=hint, line=position.line, column=position.column,
        )

    def number(self, children):
        (token,) = children
        text = str(token)
        value = read_number(text)
        if value is None:
            raise _too_large(self.pos(token))
        return ast.Atom(value, text, self.pos(token))

    # terms
    def rest(self, children):
        return ast.Rest(self.pos(children[0]))

    def group(self, children):
        return ast.Group(children[1])

    def alternate(self, children):
        return ast.Alternate(children[1])

    def polymeter(self, children):
        steps = children[4] if len(children) > 3 else None
        return ast.Polymeter(children[1], steps)

    def term(self, children):
        return children[0]

    def factor(self, children):
        return children[0]

    # modifiers
    def fast(self, children):
        return ast.Fast(children[1])

    def slow(self, children):
        return ast.Slow(children[1])

    def replicate(self, children):
        token = children[0]
        digits = str(token)[1:]
        count = read_number(digits) if digits else None
        if digits and count is None:
            raise _too_large(self.pos(token))
        return ast.Replicate(count, self.pos(token))

    def weight(self, children):
        """`@3`, `_3`, or a bare `@`/`_` (None: add one)."""
        token = children[0]
        digits = str(token)[1:]
        if not digits:
            return ast.Weight(None, self.pos(token))
        if read_number(digits) is None:
            raise _too_large(self.pos(token))
        return ast.Weight(Fraction(digits), self.pos(token))

    elongate = weight

    def degrade(self, children):
        token = children[0]
        digits = str(token)[1:]
        return ast.Degrade(float(digits) if digits else None, self.pos(token))

    def euclid(self, children):
        args = [c for c in children if isinstance(c, ast.Sequence)]
        return ast.Euclid(args[0], args[1], args[2] if len(args) > 2 else None)

    def velocity(self, children):
        factor = children[1]
        if isinstance(factor, ast.Atom) and not (factor.value == int(factor.value) and 0 <= factor.value <= 127):
            raise MiniNotationError(
                f"velocity {factor.text} is outside 0..127",
                hint="MIDI velocities are whole numbers from 0 (silent) to 127 (loudest)",
                line=factor.pos.line,
                column=factor.pos.column,
            )
        return ast.Velocity(factor)

    def modifier(self, children):
        return children[0]

    # structure
    def step(self, children):
        return ast.Step(children[0], tuple(children[1:]))

    def range(self, children):
        return ast.RangeTo(children[1], self.pos(children[0]))

    def foot(self, children):
        return tuple(children)

    def sequence(self, children):
        feet = tuple(c for c in children if isinstance(c, tuple))
        first = feet[0][0]
        return ast.Sequence(feet, _first_pos(first))

    def body(self, children):
        layers = tuple(c for c in children if isinstance(c, ast.Sequence))
        separators = {str(c) for c in children if isinstance(c, Token)}
        if separators == {",", "|"}:
            bar = next(c for c in children if isinstance(c, Token) and str(c) == "|")
            position = self.pos(bar)
            raise MiniNotationError(
                "',' (play together) and '|' (choose one) cannot be mixed in one group",
                hint="put one of them in its own brackets: [a, b] | c",
                line=position.line,
                column=position.column,
            )
        first = next((c for c in children if isinstance(c, Token)), None)
        return ast.Body(layers, "|" in separators, layers[0].pos, None if first is None else self.pos(first))

    def mini(self, children):
        return children[0]

    def literal(self, children):
        opening = children[0]
        position = self.pos(opening)
        body = next((c for c in children if isinstance(c, ast.Body)), None)
        if body is None:
            body = ast.Body((), False, position)
        modifiers = tuple(c for c in children[1:] if not isinstance(c, (ast.Body, Token)))
        return ast.Literal(body, modifiers, position)


def read_number(text: str) -> int | float | None:
    """The value of a number literal; None when it is too large (beyond the
    largest float, about 1.8e308, either way)."""
    if len(text.lstrip("-").split(".")[0].lstrip("0")) > 309:
        return None  # also keeps int() within Python's 4300-digit limit
    value = float(text) if "." in text or "e" in text.lower() else int(text)
    if isinstance(value, float) and "." not in text and value.is_integer() and abs(value) < 2**53:
        value = int(value)  # 1e1 is the whole number 10
    return value if -sys.float_info.max <= value <= sys.float_info.max else None


def _too_large(position: ast.Pos) -> MiniNotationError:
    return MiniNotationError("this number is too large", hint="numbers must stay within about ±1.8e308",
                             line=position.line, column=position.column)


def _first_pos(node) -> ast.Pos:
    if isinstance(node, ast.Step):
        node = node.term
    if isinstance(node, (ast.Atom, ast.Rest)):
        return node.pos
    return node.body.pos


@lru_cache(maxsize=1)
def _parser() -> Lark:
    return cached_parser(GRAMMAR, start="mini", maybe_placeholders=False)


def parse_mini(text: str, line: int = 1, column: int = 1, closer: str | None = None) -> ast.Body:
    """Parse the inside of a pattern literal. `line`/`column` say where `text`
    starts in the user's source, so errors point at the right place;
    `closer` is the bracket that ends the literal, named in errors."""
    if not text.strip():
        return ast.Body((), False, ast.Pos(line, column))
    try:
        tree = _parser().parse(text)
        return MiniToAst(line, column, text).transform(tree)
    except VisitError as error:
        if isinstance(error.orig_exc, TrackJammerError):
            raise error.orig_exc from None
        raise
    except UnexpectedInput as error:
        end_word = f"'{closer}'" if closer else "the end of the pattern"
        raise syntax_error(error, text, MiniNotationError, line, column, end_word, _parser()) from None
