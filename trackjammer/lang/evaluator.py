"""AST → values, apart from the parser: dispatch on the node's type.
(Expressions for now; statements and environments grow with the language.)"""

from __future__ import annotations

import difflib
from typing import Any

from trackjammer.core.pattern import Pattern
from trackjammer.core.registry import REGISTRY, Curried, Partial, bound_method, describe
from trackjammer.core.transforms.arith import combine, negate
from trackjammer.errors import TrackJammerError
from trackjammer.lang import ast
from trackjammer.lang.mini_patterns import build_literal


class EvaluationError(TrackJammerError):
    """Something in the input could not be worked out."""


def builtins() -> dict[str, Any]:
    """The names every program starts with, read from the registry."""
    return {name: Curried(entry) for name, entry in REGISTRY.items()}


def _suggest(name: str, known) -> str | None:
    close = difflib.get_close_matches(name, list(known), n=1)
    return f"did you mean '{close[0]}'?" if close else None


class Evaluator:
    def __init__(self, source: str = "", names: dict[str, Any] | None = None):
        self.source = source
        self.names = builtins() if names is None else names

    def error(self, message: str, node, hint: str | None = None) -> EvaluationError:
        return EvaluationError(message, hint=hint, line=node.pos.line, column=node.pos.column, source=self.source)

    def evaluate(self, node: ast.Expr) -> Any:
        method = getattr(self, "eval_" + type(node).__name__)
        try:
            return method(node)
        except TrackJammerError as error:
            raise error.at(node.pos.line, node.pos.column, self.source)

    def eval_Constant(self, node: ast.Constant) -> Any:
        return node.value

    def eval_Name(self, node: ast.Name) -> Any:
        if node.name in self.names:
            return self.names[node.name]
        raise self.error(f"unknown name '{node.name}'", node, _suggest(node.name, self.names))

    def eval_PatternLiteral(self, node: ast.PatternLiteral) -> Pattern:
        return build_literal(node.literal)

    def _arguments(self, node) -> tuple[list, dict]:
        args = [self.evaluate(a) for a in node.args]
        kwargs = {name: self.evaluate(value) for name, value in node.kwargs}
        return args, kwargs

    def eval_Call(self, node: ast.Call) -> Any:
        if node.function not in self.names:
            raise self.error(f"unknown function '{node.function}'", node, _suggest(node.function, self.names))
        function = self.names[node.function]
        if not callable(function) or isinstance(function, Pattern):
            raise self.error(f"'{node.function}' is {describe(function)}, not a function", node)
        args, kwargs = self._arguments(node)
        return function(*args, **kwargs)

    def eval_MethodCall(self, node: ast.MethodCall) -> Any:
        target = self.evaluate(node.target)
        args, kwargs = self._arguments(node)
        if isinstance(target, (int, float)) and not isinstance(target, bool):
            from trackjammer.core.constructors import pure

            target = pure(target)
        if isinstance(target, Pattern):
            method = bound_method(target, node.method)
            if method is None:
                methods = [n for n, e in REGISTRY.items() if not e.constructor]
                raise self.error(f"patterns have no method '{node.method}'", node, _suggest(node.method, methods))
            return method(*args, **kwargs)
        if isinstance(target, (Partial, Curried)):
            raise self.error(
                f"{target.name} is a function waiting for a pattern; it has no method '{node.method}'", node
            )
        raise self.error(f"{describe(target)} has no method '{node.method}'", node)

    def eval_Attribute(self, node: ast.Attribute) -> Any:
        target = self.evaluate(node.target)
        raise self.error(f"{describe(target)} has no attribute '{node.name}'", node, "call methods with (): p.rev()")

    def eval_Binary(self, node: ast.Binary) -> Any:
        left, right = self.evaluate(node.left), self.evaluate(node.right)
        for value in (left, right):
            if isinstance(value, bool) or not isinstance(value, (int, float, Pattern)):
                raise self.error(f"cannot use '{node.op}' with {describe(value)}", node)
        return combine(left, right, node.op)

    def eval_Negate(self, node: ast.Negate) -> Any:
        value = self.evaluate(node.operand)
        if isinstance(value, bool) or not isinstance(value, (int, float, Pattern)):
            raise self.error(f"cannot negate {describe(value)}", node)
        return negate(value)


def evaluate_expression(text: str) -> Any:
    """Parse and evaluate one expression."""
    from trackjammer.lang.parser import parse_expression

    return Evaluator(text).evaluate(parse_expression(text))
