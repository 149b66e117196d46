"""The script language's syntax tree: frozen dataclasses with positions."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Union

from trackjammer.lang.mini_ast import Literal, Pos


@dataclass(frozen=True)
class Constant:
    """A number, string, true/false or none."""

    value: Any
    pos: Pos
    escaped: bool = False  # a string written with escapes: its columns differ from the source's


@dataclass(frozen=True)
class Name:
    name: str
    pos: Pos


@dataclass(frozen=True)
class PatternLiteral:
    literal: Literal
    pos: Pos
    text: str = ""  # exactly as written, brackets and modifiers included (for snapshots)


@dataclass(frozen=True)
class Array:
    items: tuple[Expr, ...]
    pos: Pos


@dataclass(frozen=True)
class Call:
    function: str
    args: tuple[Expr, ...]
    kwargs: tuple[tuple[str, Expr], ...]
    pos: Pos


@dataclass(frozen=True)
class MethodCall:
    target: Expr
    method: str
    args: tuple[Expr, ...]
    kwargs: tuple[tuple[str, Expr], ...]
    pos: Pos


@dataclass(frozen=True)
class Attribute:
    target: Expr
    name: str
    pos: Pos


@dataclass(frozen=True)
class Binary:
    op: str
    left: Expr
    right: Expr
    pos: Pos


@dataclass(frozen=True)
class Negate:
    operand: Expr
    pos: Pos


Expr = Union[Constant, Name, PatternLiteral, Array, Call, MethodCall, Attribute, Binary, Negate]


@dataclass(frozen=True)
class Let:
    """`let NAME = EXPR`"""

    name: str
    value: Expr
    pos: Pos


@dataclass(frozen=True)
class Bind:
    """`TARGET << EXPR`"""

    target: Expr
    value: Expr
    pos: Pos


@dataclass(frozen=True)
class ExpressionStatement:
    expr: Expr
    pos: Pos


Statement = Union[Let, Bind, ExpressionStatement]


@dataclass(frozen=True)
class Program:
    statements: tuple[Statement, ...]
    texts: tuple[str, ...] = ()  # each statement's source, as typed (comments before it included): the session log
