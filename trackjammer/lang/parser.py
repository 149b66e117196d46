"""Script text → AST. Lark's types never leave this module."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from lark import Lark, Token, Transformer, UnexpectedInput
from lark.exceptions import VisitError
from lark.visitors import merge_transformers

from trackjammer.errors import MiniNotationError, TrackJammerError
from trackjammer.lang import ast
from trackjammer.lang.foreign_syntax import arrange_hint
from trackjammer.lang.grammar_cache import cached_parser
from trackjammer.lang.mini_ast import Pos
from trackjammer.lang.mini_parser import MiniToAst, read_number
from trackjammer.lang.syntax_errors import syntax_error

GRAMMAR = Path(__file__).with_name("trackjammer.lark")

# How many ';' before a syntax error are tried as the end of the statements
# that still run: bounded, so an input full of ';' in strings stays quick.
PREFIX_TRIES = 32

NESTED_HINT = "nest fewer brackets or parentheses; build the value in steps with let"

ESCAPES = {'"': '"', "\\": "\\", "n": "\n", "t": "\t"}


class SyntaxError_(TrackJammerError):
    """The input is not valid TrackJammer."""


def _pos(token: Token) -> Pos:
    return Pos(token.line, token.column)


def _unescape(body: str, token: Token) -> str:
    out, i = [], 0
    while i < len(body):
        ch = body[i]
        if ch == "\\":
            nxt = body[i + 1]
            if nxt not in ESCAPES:
                raise SyntaxError_(
                    f"unknown escape '\\{nxt}' in a string",
                    hint='use \\" \\\\ \\n or \\t',
                    line=token.line,
                    column=token.column + 1 + i,
                )
            out.append(ESCAPES[nxt])
            i += 2
        else:
            out.append(ch)
            i += 1
    return "".join(out)


def _split_args(children) -> tuple[tuple, tuple]:
    args, kwargs = [], []
    for child in children:
        if isinstance(child, tuple) and len(child) == 2 and child[0] == "keyword":
            kwargs.append(child[1])
        elif not isinstance(child, Token):
            if kwargs:
                raise SyntaxError_(
                    "a positional argument cannot follow a keyword argument",
                    line=_node_pos(child).line,
                    column=_node_pos(child).column,
                )
            args.append(child)
    return tuple(args), tuple(kwargs)


def _node_pos(node) -> Pos:
    return node.pos


class _MiniWithEnds(MiniToAst):
    """MiniToAst that notes where the modifiers after a literal's `]` end
    (their nodes keep no end), so a script keeps each literal's exact text."""

    def __init__(self, text: str = ""):
        super().__init__(text=text)
        self.ends: dict[int, int] = {}

    def euclid(self, children):
        node = super().euclid(children)
        if isinstance(children[-1], Token):
            self.ends[id(node)] = children[-1].end_pos
        return node

    def degrade(self, children):
        node = super().degrade(children)
        self.ends[id(node)] = children[0].end_pos
        return node


class ScriptToAst(Transformer):
    def __init__(self, text: str = "", mini: _MiniWithEnds | None = None):
        super().__init__()
        self.text = text
        self.mini = mini

    def start(self, children):
        statements, texts, begin = [], [], 0
        for child in children:
            if isinstance(child, Token):  # a ';': the statement before it ends here
                if len(texts) < len(statements):
                    texts.append(self.text[begin:child.start_pos].strip())
                begin = child.end_pos
            else:
                statements.append(child)
        if len(texts) < len(statements):
            texts.append(self.text[begin:].strip())
        return ast.Program(tuple(statements), tuple(texts))

    def let(self, children):
        keyword, name, _, value = children
        return ast.Let(str(name), value, _pos(keyword))

    def bind(self, children):
        target, arrow, value = children
        return ast.Bind(target, value, _pos(arrow))

    def expression_statement(self, children):
        (expr,) = children
        return ast.ExpressionStatement(expr, expr.pos)

    def array(self, children):
        opening = children[0]
        return ast.Array(tuple(c for c in children if not isinstance(c, Token)), _pos(opening))

    def number(self, children):
        (token,) = children
        text = str(token)
        value = read_number(text)
        if value is None:
            raise SyntaxError_("this number is too large", hint="numbers must stay within about ±1.8e308",
                               line=token.line, column=token.column)
        return ast.Constant(value, _pos(token))

    def string(self, children):
        (token,) = children
        return ast.Constant(_unescape(str(token)[1:-1], token), _pos(token), "\\" in token)

    def true(self, children):
        return ast.Constant(True, _pos(children[0]))

    def false(self, children):
        return ast.Constant(False, _pos(children[0]))

    def none(self, children):
        return ast.Constant(None, _pos(children[0]))

    def name(self, children):
        return ast.Name(str(children[0]), _pos(children[0]))

    def parens(self, children):
        return children[1]

    def pattern_literal(self, children):
        literal = MiniToAst().literal(children)
        return ast.PatternLiteral(literal, literal.pos, self._text_of(children))

    def _text_of(self, children) -> str:
        """The literal as written: from its `[` to the end of its last modifier."""
        end = None
        for child in children:
            if isinstance(child, Token):
                end = child.end_pos
            elif self.mini is not None and id(child) in self.mini.ends:
                end = self.mini.ends[id(child)]
        return self.text[children[0].start_pos:end]

    def arguments(self, children):
        return [c for c in children if not isinstance(c, Token)]

    def keyword(self, children):
        return ("keyword", (str(children[0]), children[2]))

    def call(self, children):
        name = children[0]
        args, kwargs = _split_args(children[2] if len(children) == 4 else [])
        return ast.Call(str(name), args, kwargs, _pos(name))

    def method_call(self, children):
        target, dotname = children[0], children[1]
        args, kwargs = _split_args(children[3] if len(children) == 5 else [])
        return ast.MethodCall(target, str(dotname)[1:], args, kwargs, Pos(dotname.line, dotname.column + 1))

    def attribute(self, children):
        target, dotname = children
        return ast.Attribute(target, str(dotname)[1:], Pos(dotname.line, dotname.column + 1))

    def binary(self, children):
        left, op, right = children
        return ast.Binary(str(op), left, right, _pos(op))

    def negate(self, children):
        return ast.Negate(children[1], _pos(children[0]))


@lru_cache(maxsize=1)
def _parser() -> Lark:
    return cached_parser(GRAMMAR, maybe_placeholders=False)


def _to_ast(text: str) -> ast.Program:
    mini = _MiniWithEnds(text)
    transformer = merge_transformers(ScriptToAst(text, mini), mini=mini)
    try:
        return transformer.transform(_parser().parse(text))
    except VisitError as error:
        if isinstance(error.orig_exc, TrackJammerError):
            raise error.orig_exc from None
        raise
    except RecursionError:
        raise SyntaxError_("this is nested too deeply to read", line=1, column=1,
                           hint=NESTED_HINT) from None


def parse_program(text: str) -> ast.Program:
    """Parse an input of statements. A syntax error carries, as
    `error.completed`, the statements before it that parse on their own (up
    to the last ';' before the error), so they can still take effect."""
    try:
        return _to_ast(text)
    except TrackJammerError as error:
        error = error.at(1, 1, text)
        if isinstance(error, MiniNotationError):  # a name in Strudel's arrange([4, verse], …)
            error.hint = arrange_hint(text, _offset(text, error)) or error.hint
        raise _with_prefix(error, text) from None
    except UnexpectedInput as error:
        failure = syntax_error(error, text, SyntaxError_, parser=_parser()).at(1, 1, text)
        raise _with_prefix(failure, text) from None


def _offset(text: str, error: TrackJammerError) -> int:
    """Where in `text` the error's line and column are."""
    lines = text.split("\n")
    return sum(len(line) + 1 for line in lines[: (error.line or 1) - 1]) + (error.column or 1) - 1


def _with_prefix(error: TrackJammerError, text: str) -> TrackJammerError:
    error.completed = ast.Program(())
    cut = text.rfind(";", 0, _offset(text, error))
    for _ in range(PREFIX_TRIES):  # a ';' inside a string or literal is skipped by trying the one before
        if cut < 0:
            break
        try:
            error.completed = _to_ast(text[: cut + 1])
            break
        except (UnexpectedInput, TrackJammerError):
            cut = text.rfind(";", 0, cut)
    return error


def parse_expression(text: str) -> ast.Expr:
    """Parse one expression; errors carry line, column and the source."""
    program = parse_program(text)
    statements = program.statements
    if len(statements) != 1 or not isinstance(statements[0], ast.ExpressionStatement):
        raise SyntaxError_("expected one expression", line=1, column=1, source=text)
    return statements[0].expr
